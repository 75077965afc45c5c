/*
 * difftest: the differential test of the emulator against the CPU (see
 * difftest.h).  Options, the case loop, per-family counts and the
 * summary.  The last line printed is always
 *   difftest: N passed, M failed
 * and the exit status is 1 if M > 0, else 77 (SKIP) if the CPU cannot run
 * some of the instruction forms selected (notes say which), else 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"
#include "difftest_rewrite.h"

#define DT_DEFAULT_CASES	100000
#define DT_DEFAULT_SEED		1
#define DT_ONELINE_MAX		100	/* one-line failure reports after the detailed ones */

struct dt_opts {
	uint64_t cases, seed, first;
	const char *family;
	bool one, verbose;
	bool rewrite, step;	/* also run the rewritten forms (difftest_rewrite.c) */
	unsigned max_print;
};

static struct dt_case dt_c;
static struct dt_result dt_res;
static uint64_t dt_fam_cases[DT_NFAMILY], dt_fam_failed[DT_NFAMILY];
static uint64_t dt_form_failed[DT_MAX_FORMS], dt_form_first[DT_MAX_FORMS];

/* How often the rare outcomes happened: proof that the mix reaches them. */
enum { DT_COV_DE, DT_COV_GP, DT_COV_JUMP, DT_COV_RIPW, DT_COV_FLAGSW, DT_COV_LOCK,
       DT_COV_EARLY, DT_COV_REP0, DT_COV_XM, DT_COV_MF, DT_NCOV };
static const char *const dt_cov_names[DT_NCOV] = {
	"#DE", "#GP", "control transfers", "rip-slot writes", "rflags-slot writes",
	"LOCK", "REPE/REPNE stopped early", "REP with rcx=0", "#XM", "#MF",
};
static uint64_t dt_cov[DT_NCOV];

static void dt_count_coverage(const struct dt_case *c, const struct dt_result *res)
{
	bool ripw = false, flagsw = false;

	if (!res->emu_ran)
		return;
	for (unsigned i = 0; i < 8; i++) {
		ripw |= res->written[REGMAP_OFF_RIP + i];
		flagsw |= res->written[REGMAP_OFF_RFLAGS + i];
	}
	dt_cov[DT_COV_DE] += res->exp_status == REGMAP_EMU_FAULT_DE;
	dt_cov[DT_COV_GP] += res->exp_status == REGMAP_EMU_FAULT_GP;
	dt_cov[DT_COV_JUMP] += res->exp_status == REGMAP_EMU_OK &&
			       res->exp.rip != res->addr + res->code.len;
	dt_cov[DT_COV_RIPW] += ripw;
	dt_cov[DT_COV_FLAGSW] += flagsw;
	dt_cov[DT_COV_LOCK] += c->insn.lock != 0;
	dt_cov[DT_COV_EARLY] += c->form->enc == DT_ENC_STRING && c->insn.rep &&
				(c->form->opc & ~1u) != 0xa4 && (c->form->opc & ~1u) != 0xaa &&
				(c->form->opc & ~1u) != 0xac && res->exp.gpr[REGMAP_RCX] != 0;
	dt_cov[DT_COV_REP0] += c->str_rep0;
	dt_cov[DT_COV_XM] += res->exp_status == REGMAP_EMU_FAULT_XM;
	dt_cov[DT_COV_MF] += res->exp_status == REGMAP_EMU_FAULT_MF;
}

static void dt_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options]\n"
		"Run random instructions on the CPU and through the regmap emulator and\n"
		"compare the results.\n"
		"  --cases N      run N cases (default %d)\n"
		"  --seed S       seed (default %d); a case is fixed by (seed, case number)\n"
		"  --case K       run only case K\n"
		"  --family NAME  only this family or mnemonic (see --list)\n"
		"  --max-print N  print at most N failures in full (default 10)\n"
		"  --rewrite      also run every case the rewriter accepts in its rewritten form\n"
		"  --step         with --rewrite, single-step the rewritten form\n"
		"  --list         list the families and mnemonics\n"
		"  -v, --verbose  print every failure in full, and the case of --case\n"
		"  -h, --help     this text\n",
		prog, DT_DEFAULT_CASES, DT_DEFAULT_SEED);
}

/* Has an earlier row of the family the same name? */
static bool dt_name_seen(unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (dt_forms[j].family == dt_forms[i].family &&
		    !strcmp(dt_forms[j].name, dt_forms[i].name))
			return true;
	return false;
}

static void dt_list(void)
{
	for (unsigned fam = 0; fam < DT_NFAMILY; fam++) {
		printf("%-8s", dt_families[fam].name);
		for (unsigned i = 0; i < dt_nforms; i++)
			if (dt_forms[i].family == fam && !dt_name_seen(i))
				printf(" %s", dt_forms[i].name);
		printf("\n");
	}
}

static uint64_t dt_num(const char *s, const char *what, const char *prog)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

static void dt_parse(int argc, char **argv, struct dt_opts *o)
{
	static const struct option lo[] = {
		{ "cases", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "case", required_argument, NULL, 'k' },
		{ "family", required_argument, NULL, 'f' },
		{ "max-print", required_argument, NULL, 'm' },
		{ "rewrite", no_argument, NULL, 'r' },
		{ "step", no_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (opt) {
		case 'n': o->cases = dt_num(optarg, "case count", argv[0]); break;
		case 's': o->seed = dt_num(optarg, "seed", argv[0]); break;
		case 'k': o->first = dt_num(optarg, "case number", argv[0]); o->one = true; break;
		case 'f': o->family = optarg; break;
		case 'm': o->max_print = (unsigned)dt_num(optarg, "count", argv[0]); break;
		case 'r': o->rewrite = true; break;
		case 'S': o->rewrite = o->step = true; break;
		case 'l': dt_list(); exit(0);
		case 'v': o->verbose = true; break;
		case 'h': dt_usage(stdout, argv[0]); exit(0);
		default: dt_usage(stderr, argv[0]); exit(2);
		}
	}
	if (optind < argc) {
		dt_usage(stderr, argv[0]);
		exit(2);
	}
	if (o->one)
		o->cases = 1;
}

/* Say which forms the CPU cannot run; return how many. */
static unsigned dt_cpu_notes(unsigned cpu, const char *filter)
{
	static const char *const feat[DT_NCPU] = {
		"BMI1", "BMI2", "ADX", "MOVBE", "SSE4.2", "POPCNT", "CMPXCHG16B",
		"AVX", "AVX-512", "XSAVE",
	};
	unsigned n = 0;

	for (unsigned b = 0; b < DT_NCPU; b++) {
		const char *last = NULL;

		if (cpu & (1u << b))
			continue;
		for (unsigned i = 0; i < dt_nforms; i++) {
			if (!(dt_forms[i].cpu & (1u << b)) || !dt_form_matches(&dt_forms[i], filter))
				continue;
			if (!last)
				printf("difftest: note: the CPU lacks %s, skipping:", feat[b]);
			if (!last || strcmp(dt_forms[i].name, last))
				printf(" %s", last = dt_forms[i].name);
			n++;
		}
		if (last)
			printf("\n");
	}
	return n;
}

static void dt_summary(const struct dt_opts *o, const char *replay_fmt, const char *prog)
{
	printf("difftest: %-8s %10s %8s\n", "family", "cases", "failed");
	for (unsigned fam = 0; fam < DT_NFAMILY; fam++)
		if (dt_fam_cases[fam])
			printf("difftest: %-8s %10" PRIu64 " %8" PRIu64 "\n", dt_families[fam].name,
			       dt_fam_cases[fam], dt_fam_failed[fam]);
	for (unsigned i = 0; i < dt_nforms; i++) {
		if (!dt_form_failed[i])
			continue;
		printf("difftest: failing form %-10s (opcode %02x, map %u): %" PRIu64
		       " cases, first: ", dt_forms[i].name, dt_forms[i].opc, dt_forms[i].map,
		       dt_form_failed[i]);
		printf(replay_fmt, prog, o->seed, dt_form_first[i]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	struct dt_opts o = {
		.cases = DT_DEFAULT_CASES, .seed = DT_DEFAULT_SEED, .max_print = 10,
	};
	uint64_t passed = 0, failed = 0, harness = 0;
	char replay_fmt[160], replay[512], rw_why[200];
	unsigned cpu, skipped;
	bool fixed;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dt_parse(argc, argv, &o);
	snprintf(replay_fmt, sizeof(replay_fmt), "%%s --seed %%" PRIu64 " --case %%" PRIu64 "%s%s%s -v",
		 o.family ? " --family " : "", o.family ? o.family : "",
		 o.step ? " --step" : o.rewrite ? " --rewrite" : "");
	cpu = dt_cpu_features();
	skipped = dt_cpu_notes(cpu, o.family);
	if (!dt_gen_init(o.family, cpu)) {
		fprintf(stderr, "%s: no instruction forms for '%s' on this CPU (see --list)\n",
			argv[0], o.family ? o.family : "");
		return 2;
	}
	err = dt_vec_init();
	if (err)
		printf("difftest: note: the emulator's vector path cannot be set up (%s): "
		       "the vector families will fail\n", strerror(-err));
	skipped += dt_vec_notes(o.family);
	err = dt_native_init(&fixed);
	if (err) {
		fprintf(stderr, "%s: cannot set up the native runner: %s\n", argv[0], strerror(-err));
		return 1;
	}
	err = o.rewrite ? dt_rw_init() : 0;
	if (err) {
		fprintf(stderr, "%s: cannot set up the rewrite runner: %s\n", argv[0], strerror(-err));
		return 1;
	}
	if (!fixed)
		printf("difftest: note: the JIT page is not at its usual address: cases that "
		       "depend on rip or rsp may not replay exactly\n");
	printf("difftest: seed %" PRIu64 ", cases %" PRIu64 "..%" PRIu64 "%s%s\n", o.seed, o.first,
	       o.first + o.cases - 1, o.family ? ", family " : "", o.family ? o.family : "");

	for (uint64_t k = o.first; k < o.first + o.cases; k++) {
		unsigned fi;
		bool ok, rw_ok;

		dt_generate(&dt_c, o.seed, k);
		fi = (unsigned)(dt_c.form - dt_forms);
		dt_fam_cases[dt_c.form->family]++;
		snprintf(replay, sizeof(replay), replay_fmt, argv[0], o.seed, k);
		rw_ok = !o.rewrite || dt_rw_case(&dt_c, o.seed, o.step,
						  o.verbose || failed < o.max_print,
						  rw_why, sizeof(rw_why));
		if (!rw_ok && failed < o.max_print + DT_ONELINE_MAX)
			printf("difftest: case %" PRIu64 " FAILED (rewritten form): %s (%s); replay: %s\n",
			       k, rw_why, dt_c.form->name, replay);
		ok = dt_c.form->enc == DT_ENC_VEC ? dt_vec_run_case(&dt_c, &dt_res) :
						    dt_run_case(&dt_c, &dt_res);
		dt_count_coverage(&dt_c, &dt_res);
		dt_addr_count(&dt_c, &dt_res);
		if (ok && rw_ok) {
			passed++;
			if (o.one && o.verbose)
				dt_print_case(&dt_c, &dt_res, replay);
			continue;
		}
		failed++;
		dt_fam_failed[dt_c.form->family]++;
		if (!dt_form_failed[fi]++)
			dt_form_first[fi] = k;
		if (ok)
			continue;
		harness += !strncmp(dt_res.why, "harness", 7);
		if (o.verbose || failed <= o.max_print)
			dt_print_case(&dt_c, &dt_res, replay);
		else if (failed <= o.max_print + DT_ONELINE_MAX)
			printf("difftest: case %" PRIu64 " FAILED: %s (%s); replay: %s\n", k,
			       dt_res.why, dt_c.form->name, replay);
	}
	dt_summary(&o, replay_fmt, argv[0]);
	if (o.rewrite)
		dt_rw_summary();
	printf("difftest: coverage:");
	for (unsigned i = 0; i < DT_NCOV; i++)
		printf("%s %" PRIu64 " %s", i ? "," : "", dt_cov[i], dt_cov_names[i]);
	printf("\n");
	dt_addr_print_coverage();
	if (harness)
		printf("difftest: %" PRIu64 " of the failures are harness errors (difftest's own)\n",
		       harness);
	/* PASS means every form ran: a CPU that cannot run some is a SKIP (exit 77) */
	if (skipped && !failed)
		printf("difftest: SKIP: %u instruction forms did not run, the CPU lacks them "
		       "(see the notes above)\n", skipped);
	printf("difftest: %" PRIu64 " passed, %" PRIu64 " failed\n", passed, failed);
	return failed ? 1 : skipped ? 77 : 0;
}
