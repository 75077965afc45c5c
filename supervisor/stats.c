/*
 * --stats: what the program did with the map, counted as it runs and
 * summed up at exit: accesses per register, per instruction site, per
 * thread, and what serving an access cost regmap-run.
 *
 * Counting costs a few table lookups per access; the site's name and
 * mnemonic are found once, at the site's first access (the process may
 * be gone by the time the summary is printed).  With --stats off none of
 * this runs: s->detail is NULL.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup_internal.h"

#define MAX_SITES	1024	/* a power of two; more sites are counted as "other" */
#define NREGS		(REGMAP_MAP_SIZE / 8)
#define PLURAL(n)	((n) == 1 ? "" : "s")

struct site {
	pid_t tgid;		/* 0: empty */
	uint64_t rip;
	uint64_t count;
	char mnemonic[24];
	char sym[SUP_SYM_MAX];
	bool rw_known;		/* sup_detail_rewrite() said what became of it */
	uint8_t rw_state, rw_why;	/* enum sup_rw_state, enum sup_rw_why */
};

struct sup_detail {
	uint64_t reads[NREGS], writes[NREGS];
	uint64_t accesses, nreads, nwrites;
	uint64_t computed;	/* accesses whose address came from registers */
	uint64_t other_sites;	/* instructions at sites beyond MAX_SITES */
	uint64_t timed, ns;	/* SIGSEGV stops served, time spent on them */
	uint64_t sym_ns;	/* of which finding symbol names (not counted) */
	uint64_t rw_ns;		/* ... and rewriting sites (counted apart) */
	uint64_t rw_tries;	/* rewrites attempted */
	struct site site[MAX_SITES];
};

struct sup_detail *sup_detail_new(void)
{
	return calloc(1, sizeof(struct sup_detail));
}

void sup_detail_free(struct sup_detail *d)
{
	free(d);
}

/* "lock add" -> "lock add", "mov qword ptr [0x10], rax" -> "mov" */
static void mnemonic_of(const char *text, char *buf, size_t size)
{
	static const char *const prefixes[] = { "lock ", "rep ", "repe ", "repne ",
						"repz ", "repnz ", "bnd ", "notrack " };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(text + n, prefixes[i], strlen(prefixes[i]))) {
			n += strlen(prefixes[i]);
			i = (size_t)-1;	/* several prefixes may follow each other */
		}
	n += strcspn(text + n, " ");
	snprintf(buf, size, "%.*s", (int)n, text);
}

static unsigned site_hash(uint64_t rip, pid_t tgid)
{
	return (unsigned)((rip ^ (rip >> 12) ^ (uint64_t)tgid * 31) & (MAX_SITES - 1));
}

static struct site *site_get(struct sup_session *s, pid_t tid, uint64_t rip,
			     const struct regmap_emu_insn *insn)
{
	struct sup_detail *d = s->detail;
	pid_t tgid = sup_thread_tgid(s, tid);
	unsigned i = site_hash(rip, tgid);
	char text[160];

	for (unsigned n = 0; n < MAX_SITES; n++, i = (i + 1) & (MAX_SITES - 1)) {
		struct site *e = &d->site[i];

		if (e->tgid == tgid && e->rip == rip)
			return e;
		if (e->tgid)
			continue;
		e->tgid = tgid;
		e->rip = rip;
		regmap_emu_format(insn, rip, text, sizeof(text));
		mnemonic_of(text, e->mnemonic, sizeof(e->mnemonic));
		snprintf(e->sym, sizeof(e->sym), "%s", sup_sym(s, tid, rip));
		return e;
	}
	return NULL;
}

void sup_detail_count(struct sup_session *s, pid_t tid, uint64_t rip,
		      const struct regmap_emu_insn *insn,
		      const struct regmap_emu_result *res)
{
	struct sup_detail *d = s->detail;
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);
	struct site *e = site_get(s, tid, rip, insn);

	if (t)
		t->accesses++;
	if (e)
		e->count++;
	else
		d->other_sites++;
	/* [rdx+8] with rdx == 0 is the map too: p->b of a null pointer, or meant */
	if (!regmap_emu_insn_const_addr(insn))
		d->computed += res->naccess;
	for (unsigned i = 0; i < res->naccess && i < REGMAP_EMU_MAX_ACCESS; i++) {
		const struct regmap_emu_access *a = &res->access[i];
		unsigned last = a->offset + a->size - 1;

		d->accesses++;
		if (a->write)
			d->nwrites++;
		else
			d->nreads++;
		/* a straddling access counts for every register it touches */
		for (unsigned r = a->offset / 8; r <= last / 8 && r < NREGS; r++) {
			if (a->write)
				d->writes[r]++;
			else
				d->reads[r]++;
		}
	}
}

void sup_detail_rewrite(struct sup_session *s, pid_t tid, uint64_t rip, unsigned state,
			unsigned why)
{
	struct sup_detail *d = s->detail;
	pid_t tgid = sup_thread_tgid(s, tid);
	unsigned i = site_hash(rip, tgid);

	for (unsigned n = 0; n < MAX_SITES; n++, i = (i + 1) & (MAX_SITES - 1)) {
		struct site *e = &d->site[i];

		if (!e->tgid)
			return;	/* not counted: one of the "other sites" */
		if (e->tgid == tgid && e->rip == rip) {
			e->rw_known = true;
			e->rw_state = (uint8_t)state;
			e->rw_why = (uint8_t)why;
			return;
		}
	}
}

void sup_detail_time(struct sup_session *s, uint64_t ns)
{
	s->detail->timed++;
	s->detail->ns += ns;
}

void sup_detail_untime(struct sup_session *s, uint64_t ns)
{
	s->detail->sym_ns += ns;
}

void sup_detail_rewrite_time(struct sup_session *s, uint64_t ns)
{
	s->detail->rw_ns += ns;
	s->detail->rw_tries++;
}

static int by_count(const void *a, const void *b)
{
	const struct site *x = *(struct site *const *)a, *y = *(struct site *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->rip < y->rip ? -1 : x->rip > y->rip;
}

/* The "native code" column: what became of the site. */
static void native_of(const struct sup_session *s, const struct site *e, char *buf, size_t size)
{
	if (s->cfg.no_rewrite)
		buf[0] = '\0';
	else if (!e->rw_known)
		snprintf(buf, size, "no: %s", sup_rw_why_str(REGMAP_RW_NOT_CONST));
	else if (e->rw_state == SUP_RW_INPLACE)
		snprintf(buf, size, "rewritten in place");
	else if (e->rw_state == SUP_RW_STUB)
		snprintf(buf, size, "rewritten, with a stub");
	else if (e->rw_state == SUP_RW_KEPT)
		snprintf(buf, size, "no: %s", sup_rw_why_str(e->rw_why));
	else if (e->rw_why)
		snprintf(buf, size, "not yet: %s", sup_rw_why_str(e->rw_why));
	else
		snprintf(buf, size, "not yet: fewer executions than the threshold");
}

/*
 * After the table: how many sites run natively (their counts above are
 * the executions before; later ones are native and not counted), and
 * how many stayed trapping, by reason.
 */
static void report_native(struct sup_session *s, struct site *const *list, unsigned n)
{
	unsigned inplace = 0, stub = 0, kept = 0, by[256] = { 0 };
	char line[1024];
	size_t len = 0;

	if (s->cfg.no_rewrite) {
		sup_msgf(s, SUP_MSG_INFO, "  native-speed sites: off (--no-rewrite): every "
			 "execution traps and is counted");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct site *e = list[i];

		if (e->rw_known && e->rw_state == SUP_RW_INPLACE) {
			inplace++;
		} else if (e->rw_known && e->rw_state == SUP_RW_STUB) {
			stub++;
		} else {
			kept++;
			/* 255: below the threshold, 254: never judged (not constant) */
			by[!e->rw_known ? REGMAP_RW_NOT_CONST : e->rw_why ? e->rw_why : 255]++;
		}
	}
	if (inplace + stub)
		sup_msgf(s, SUP_MSG_INFO, "  native-speed sites: %u rewritten (%u in place, %u "
			 "with a stub); their counts are the executions before the rewrite, "
			 "later ones run natively and are not counted", inplace + stub, inplace,
			 stub);
	if (s->detail->rw_tries)
		sup_msgf(s, SUP_MSG_INFO, "  rewriting: %.3f ms for %" PRIu64 " attempt%s, "
			 "%.1f us each", s->detail->rw_ns / 1e6, s->detail->rw_tries,
			 PLURAL(s->detail->rw_tries),
			 s->detail->rw_ns / 1e3 / s->detail->rw_tries);
	if (!kept)
		return;
	sup_append(line, sizeof(line), &len, "  %u site%s stayed trapping:", kept, PLURAL(kept));
	for (unsigned w = 0; w < 256; w++) {
		if (!by[w])
			continue;
		sup_append(line, sizeof(line), &len, "%s %u %s", len && line[len - 1] != ':' ?
			   ";" : "", by[w], w == 255 ? "fewer executions than the threshold" :
			   sup_rw_why_str(w));
	}
	sup_msgf(s, SUP_MSG_INFO, "%s", line);
}

static void report_sites(struct sup_session *s)
{
	struct sup_detail *d = s->detail;
	struct site *list[MAX_SITES];
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_SITES; i++)
		if (d->site[i].tgid && d->site[i].count)
			list[n++] = &d->site[i];
	qsort(list, n, sizeof(list[0]), by_count);
	if ((n || d->other_sites) && s->cfg.no_rewrite)
		sup_msgf(s, SUP_MSG_INFO, "  %-40s %12s  %s", "instruction site", "count",
			 "mnemonic");
	else if (n || d->other_sites)
		sup_msgf(s, SUP_MSG_INFO, "  %-40s %12s  %-12s %s", "instruction site", "count",
			 "mnemonic", "native code");
	for (unsigned i = 0; i < n; i++) {
		char where[128], native[160];

		snprintf(where, sizeof(where), "0x%" PRIx64 "%s%s%s", list[i]->rip,
			 list[i]->sym[0] ? " <" : "", list[i]->sym, list[i]->sym[0] ? ">" : "");
		native_of(s, list[i], native, sizeof(native));
		if (s->cfg.no_rewrite)
			sup_msgf(s, SUP_MSG_INFO, "  %-40s %12" PRIu64 "  %s", where,
				 list[i]->count, list[i]->mnemonic);
		else
			sup_msgf(s, SUP_MSG_INFO, "  %-40s %12" PRIu64 "  %-12s %s", where,
				 list[i]->count, list[i]->mnemonic, native);
	}
	if (d->other_sites)
		sup_msgf(s, SUP_MSG_INFO, "  %-40s %12" PRIu64, "(other sites)", d->other_sites);
	report_native(s, list, n);
}

static int by_tid(const void *a, const void *b)
{
	const struct sup_thread *x = *(struct sup_thread *const *)a;
	const struct sup_thread *y = *(struct sup_thread *const *)b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void report_threads(struct sup_session *s)
{
	struct sup_threads *t = &s->threads;
	const struct sup_thread **list = calloc(t->size ? t->size : 1, sizeof(*list));
	pid_t *procs = calloc(t->size ? t->size : 1, sizeof(*procs));
	unsigned n = 0, quiet = 0, nprocs = 0;

	if (!list || !procs)
		goto out;
	for (unsigned i = 0; i < t->size; i++) {
		const struct sup_thread *e = &t->slot[i];
		pid_t tgid = e->tgid ? e->tgid : e->tid;
		unsigned k;

		if (e->tid <= 0)
			continue;
		if (e->accesses) {
			list[n++] = e;
			continue;
		}
		/* threads and processes are counted apart: a forked child is both */
		quiet++;
		for (k = 0; k < nprocs && procs[k] != tgid; k++)
			;
		if (k == nprocs)
			procs[nprocs++] = tgid;
	}
	qsort(list, n, sizeof(*list), by_tid);
	if (n)
		sup_msgf(s, SUP_MSG_INFO, "  %-10s %10s %12s", "thread", "process",
			 "instructions");
	/* thousands of threads: the summary stays readable */
	for (unsigned i = 0; i < n && i < 64; i++)
		sup_msgf(s, SUP_MSG_INFO, "  %-10d %10d %12" PRIu64, (int)list[i]->tid,
			 (int)list[i]->tgid, list[i]->accesses);
	if (n > 64)
		sup_msgf(s, SUP_MSG_INFO, "  (%u more threads used the map)", n - 64);
	if (quiet && nprocs > 1)
		sup_msgf(s, SUP_MSG_INFO, "  (%u traced threads in %u processes did not use "
			 "the map)", quiet, nprocs);
	else if (quiet)
		sup_msgf(s, SUP_MSG_INFO, "  (%u traced thread%s did not use the map)", quiet,
			 quiet == 1 ? "" : "s");
out:
	free(procs);
	free(list);
}

void sup_stats_report(struct sup_session *s)
{
	struct sup_detail *d = s->detail;

	uint64_t accesses = d ? d->accesses : 0;

	sup_msgf(s, SUP_MSG_INFO, "stats: %" PRIu64 " instruction%s emulated (%" PRIu64
		 " decode cache hit%s), %" PRIu64 " map access%s, %" PRIu64 " signal%s "
		 "delivered, %" PRIu64 " real fault%s", s->stats.emulated,
		 PLURAL(s->stats.emulated), s->stats.cache_hits, PLURAL(s->stats.cache_hits),
		 accesses, accesses == 1 ? "" : "es", s->stats.signals,
		 PLURAL(s->stats.signals), s->stats.faults, PLURAL(s->stats.faults));
	if (!d)
		return;
	if (d->computed)
		sup_msgf(s, SUP_MSG_INFO, "  %" PRIu64 " of the map accesses used an address "
			 "computed from registers, not a constant (a null pointer's member?): "
			 "--map-addressing=absolute makes those real faults", d->computed);
	if (d->timed) {
		uint64_t off = d->sym_ns + d->rw_ns, ns = d->ns > off ? d->ns - off : 0;

		sup_msgf(s, SUP_MSG_INFO, "  cost: %.1f us in regmap-run per SIGSEGV stop "
			 "served (%" PRIu64 " stop%s, %.3f ms, not counting %.3f ms finding "
			 "symbol names%s); the program also waits for two context switches "
			 "per access", ns / 1e3 / d->timed, d->timed, PLURAL(d->timed), ns / 1e6,
			 d->sym_ns / 1e6, d->rw_tries ? " and the rewriting below" : "");
	}
	/* no access, no tables: only the threads that did not use the map */
	if (d->accesses)
		sup_msgf(s, SUP_MSG_INFO, "  %-10s %12s %12s", "register", "reads", "writes");
	for (unsigned r = 0; r < NREGS; r++)
		if (d->reads[r] || d->writes[r])
			sup_msgf(s, SUP_MSG_INFO, "  %-10s %12" PRIu64 " %12" PRIu64,
				 regmap_emu_reg_name(r * 8), d->reads[r], d->writes[r]);
	report_sites(s);
	report_threads(s);
}
