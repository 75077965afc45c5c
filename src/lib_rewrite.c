/*
 * Native-speed sites in-process (doc/REWRITE.md, section 7): after the
 * handler has emulated a constant-address map access, the site is
 * rewritten into native code (emulator/rewrite.h) while other threads
 * may be running it.
 *
 * Cross-modifying code.  The writer follows Linux's text_poke_bp, with a
 * `hlt` (0xf4) where the kernel uses int3, and the sync-core membarrier
 * as the serializer:
 *   1. the stub, into a fresh slot no thread has run;
 *   2. hlt over the site's first byte; membarrier;
 *   3. the replacement's bytes 1..len-1; membarrier;
 *   4. its first byte; membarrier.
 * After step 2 a thread reaching the site executes the one-byte hlt
 * (never bytes 1..len-1), which in user mode is a #GP: SIGSEGV
 * (SI_KERNEL) at the site, which libregmap's handler already receives and
 * the program can never really block.  The handler serves it by
 * emulating the *original* instruction, as it serves a thread that
 * fetched the old instruction before the change and faults on the map
 * after it: whenever the bytes at rip are ours (each one the original's,
 * the replacement's or the hlt), lib_rw_orig() hands back the original.
 *
 * The table of sites is append-only and lock-free for readers: an entry
 * is filled in, then published by storing its key; only states change
 * afterwards.  Only one thread rewrites at a time (lib_rw.busy); a thread
 * that finds it taken emulates and goes on.  Nothing blocks or allocates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib_internal.h"
#include "near.h"
#include "regmap.h"
#include "rewrite.h"

#define LIB_RW_SITES	2048	/* a power of two */
#define LIB_RW_PAGES	256
#define LIB_RW_SLOTS	(LIB_PAGE_SIZE / REGMAP_RW_STUB_MAX)
#define LIB_RW_HLT	0xf4

enum lib_rw_state {
	RW_WRITING = 1,	/* being changed: the bytes may be a mix */
	RW_DONE,	/* rewritten */
	RW_DEAD,	/* the program changed the bytes since, or the write failed */
	RW_NEVER,	/* not rewritable (orig: the bytes that were judged) */
	RW_ALIAS,	/* a rewind point inside a rewritten site (in-place call forms) */
};

struct lib_rw_site {
	_Atomic uint64_t key;	/* the site (or the rewind point), 0: free */
	atomic_int state;
	uint8_t len;
	uint8_t orig[REGMAP_EMU_MAX_INSN];
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	/* RW_ALIAS: the site's entry and how to get back to it */
	uint16_t target;
	struct regmap_rw_rewind rewind;
};

static struct {
	atomic_int on;		/* rewrite sites now */
	atomic_int want;	/* -1: as REGMAP_NO_REWRITE says; 0/1: regmap_set_rewrite() */
	atomic_int busy;	/* a thread is rewriting */
	atomic_int any;		/* an entry was published */
	atomic_int planted;	/* stubs or in-site rewind points exist */
	atomic_uint npages;
	_Atomic uint64_t lo, hi;	/* the stub pages lie in [lo, hi) */
	_Atomic uint64_t page[LIB_RW_PAGES];
	uint8_t used[LIB_RW_PAGES];	/* slots handed out per page (busy holder only) */
	unsigned nsites;		/* entries used (busy holder only) */
	struct lib_rw_site site[LIB_RW_SITES];
	/* the rewriter's work area (busy holder only: keeps the handler's frame small) */
	struct regmap_rw_plan plan;
	struct regmap_near near;
	char buf[2048], line[128];
} lib_rw = { .want = -1 };

static unsigned lib_rw_hash(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 40) & (LIB_RW_SITES - 1);
}

/* The live entry for key: a site (alias false) or a rewind point (alias true). */
static struct lib_rw_site *lib_rw_find(uint64_t key, bool alias)
{
	unsigned i = lib_rw_hash(key);

	for (unsigned n = 0; n < LIB_RW_SITES; n++, i = (i + 1) & (LIB_RW_SITES - 1)) {
		struct lib_rw_site *e = &lib_rw.site[i];
		uint64_t k = atomic_load_explicit(&e->key, memory_order_acquire);
		int st;

		if (!k)
			return NULL;
		if (k != key)
			continue;
		st = atomic_load(&e->state);
		if (st != RW_DEAD && (st == RW_ALIAS) == alias)
			return e;
	}
	return NULL;
}

/* A free entry (busy holder only), filled in by the caller and published with key. */
static struct lib_rw_site *lib_rw_new(uint64_t key)
{
	unsigned i = lib_rw_hash(key);

	/* keep the table at most 3/4 full, so that lookups end quickly */
	if (lib_rw.nsites >= LIB_RW_SITES / 4 * 3)
		return NULL;
	while (atomic_load(&lib_rw.site[i].key))
		i = (i + 1) & (LIB_RW_SITES - 1);
	lib_rw.nsites++;
	return &lib_rw.site[i];
}

static void lib_rw_publish(struct lib_rw_site *e, uint64_t key, int state)
{
	atomic_store(&e->state, state);
	atomic_store_explicit(&e->key, key, memory_order_release);
	atomic_store(&lib_rw.any, 1);
}

/* Are the len bytes at code the site's, the replacement's or the hlt, byte by byte? */
static bool lib_rw_ours(const struct lib_rw_site *e, const uint8_t *code, size_t n)
{
	if (n < e->len)
		return false;
	for (unsigned i = 0; i < e->len; i++)
		if (code[i] != e->orig[i] && code[i] != e->bytes[i] &&
		    !(i == 0 && code[0] == LIB_RW_HLT))
			return false;
	return true;
}

size_t lib_rw_orig(uint64_t rip, uint8_t *code, size_t n)
{
	struct lib_rw_site *e;
	int st;

	if (!atomic_load_explicit(&lib_rw.any, memory_order_relaxed))
		return n;
	e = lib_rw_find(rip, false);
	if (!e)
		return n;
	st = atomic_load(&e->state);
	if (st != RW_WRITING && st != RW_DONE)
		return n;
	if (!lib_rw_ours(e, code, n)) {
		/*
		 * The program wrote another instruction there (after an
		 * mprotect): it traps as itself, and may be rewritten anew.
		 */
		if (st == RW_DONE)
			atomic_compare_exchange_strong(&e->state, &st, RW_DEAD);
		return n;
	}
	memcpy(code, e->orig, e->len);
	return e->len;
}

/* ---- faults inside planted code (doc/REWRITE.md, section 4) ---- */

static bool lib_rw_in_stub(uint64_t rip, struct regmap_rw_fixup *fix, uint64_t rsp)
{
	unsigned n = atomic_load(&lib_rw.npages);

	if (rip < atomic_load_explicit(&lib_rw.lo, memory_order_relaxed) ||
	    rip >= atomic_load_explicit(&lib_rw.hi, memory_order_relaxed))
		return false;
	for (unsigned i = 0; i < n && i < LIB_RW_PAGES; i++) {
		uint64_t p = atomic_load_explicit(&lib_rw.page[i], memory_order_relaxed);
		uint64_t slot = rip & ~(uint64_t)(REGMAP_RW_STUB_MAX - 1);

		/* our own page, mapped readable and never unmapped */
		if (rip - p < LIB_PAGE_SIZE)
			return regmap_rw_slot_fixup((const uint8_t *)(uintptr_t)slot, slot, rip,
						    rsp, fix);
	}
	return false;
}

static bool lib_rw_in_site(uint64_t rip, struct regmap_rw_fixup *fix, uint64_t rsp)
{
	struct lib_rw_site *a = lib_rw_find(rip, true), *e;
	int st;

	if (!a)
		return false;
	e = &lib_rw.site[a->target];
	st = atomic_load(&e->state);
	if (st != RW_DONE && st != RW_WRITING)
		return false;
	fix->site = atomic_load(&e->key);
	fix->len = e->len;
	memset(fix->orig, 0, sizeof(fix->orig));
	memcpy(fix->orig, e->orig, e->len);
	fix->rsp_add = a->rewind.rsp_add;
	fix->reg = a->rewind.reg;
	fix->reg_addr = rsp + a->rewind.reg_off;
	return true;
}

bool lib_rw_planted(const siginfo_t *si, const ucontext_t *uc, struct regmap_rw_fixup *fix)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP], rsp = (uint64_t)g[REG_RSP];

	/* a real fault only: kill() can name any signal at any rip */
	if (!atomic_load_explicit(&lib_rw.planted, memory_order_relaxed) || si->si_code <= 0)
		return false;
	return lib_rw_in_stub(rip, fix, rsp) || lib_rw_in_site(rip, fix, rsp);
}

void lib_rw_rewind(ucontext_t *uc, const struct regmap_rw_fixup *fix)
{
	greg_t *g = uc->uc_mcontext.gregs;

	/* the register was saved in the stub's frame, which is on this thread's stack */
	if (fix->reg < 16) {
		uint64_t v;

		memcpy(&v, (const void *)(uintptr_t)fix->reg_addr, sizeof(v));
		g[lib_greg[fix->reg]] = (greg_t)v;
	}
	g[REG_RSP] += (greg_t)fix->rsp_add;
	g[REG_RIP] = (greg_t)fix->site;
}

/* ---- rewriting a site ---- */

/* A free stub slot within reach of site: its address, or 0; *pi gets its page. */
static uint64_t lib_rw_slot(uint64_t site, unsigned *pi)
{
	unsigned n = atomic_load(&lib_rw.npages);

	for (unsigned i = 0; i < n; i++) {
		uint64_t p = atomic_load(&lib_rw.page[i]);

		if (lib_rw.used[i] < LIB_RW_SLOTS && regmap_near_reach(site, p)) {
			*pi = i;
			return p + lib_rw.used[i] * REGMAP_RW_STUB_MAX;
		}
	}
	return 0;
}

static uint64_t lib_rw_new_page(uint64_t want, unsigned *pi)
{
	unsigned n = atomic_load(&lib_rw.npages);
	uint64_t p;

	if (!want || n >= LIB_RW_PAGES || !(p = lib_rw_os_page(want)))
		return 0;
	atomic_store(&lib_rw.page[n], p);
	lib_rw.used[n] = 0;
	if (!n || p < atomic_load(&lib_rw.lo))
		atomic_store(&lib_rw.lo, p);
	if (p + LIB_PAGE_SIZE > atomic_load(&lib_rw.hi))
		atomic_store(&lib_rw.hi, p + LIB_PAGE_SIZE);
	atomic_store(&lib_rw.npages, n + 1);
	*pi = n;
	return p;
}

/* Remember that these bytes at site stay trapping. */
static void lib_rw_never(struct lib_rw_site *e, uint64_t site, const uint8_t *code, unsigned len)
{
	if (e && atomic_load(&e->state) == RW_NEVER) {
		/* a stale verdict on bytes that changed: readers only compare them */
		e->len = (uint8_t)len;
		memcpy(e->orig, code, len);
		return;
	}
	e = lib_rw_new(site);
	if (!e)
		return;
	e->len = (uint8_t)len;
	memcpy(e->orig, code, len);
	lib_rw_publish(e, site, RW_NEVER);
}

/* The writes of the protocol; on a failure, the original back if possible. */
static void lib_rw_write(struct lib_rw_site *e, uint64_t site)
{
	static const uint8_t hlt = LIB_RW_HLT;
	unsigned len = e->len;

	if (lib_rw_os_write(site, &hlt, 1) < 0)
		goto refused;
	lib_rw_os_sync();
	if (lib_rw_os_write(site + 1, e->bytes + 1, len - 1) < 0)
		goto undo;
	lib_rw_os_sync();
	if (lib_rw_os_write(site, e->bytes, 1) < 0)
		goto undo;
	lib_rw_os_sync();
	atomic_store(&e->state, RW_DONE);
	return;
undo:
	/* as long as the bytes are a mix, the entry says they are ours */
	if (lib_rw_os_write(site + 1, e->orig + 1, len - 1) < 0)
		goto refused_mixed;
	lib_rw_os_sync();
	if (lib_rw_os_write(site, e->orig, 1) < 0)
		goto refused_mixed;
	lib_rw_os_sync();
refused:
	atomic_store(&e->state, RW_DEAD);
refused_mixed:
	/* the kernel refuses writes now: stop trying */
	atomic_store(&lib_rw.on, 0);
}

static void lib_rw_do(uint64_t site, const struct regmap_emu_insn *insn, const uint8_t *code)
{
	struct regmap_rw_plan *plan = &lib_rw.plan;
	struct regmap_near *near = &lib_rw.near;
	struct lib_rw_site *e = lib_rw_find(site, false), *a;
	enum regmap_rw_kind kind;
	unsigned len = regmap_emu_insn_len(insn), pi = 0;
	uint64_t stub = 0;
	int st = e ? atomic_load(&e->state) : 0, allows;

	/* another thread did it while this one was emulating */
	if (st == RW_WRITING || st == RW_DONE)
		return;
	kind = regmap_rw_classify(insn, NULL);
	if (kind == REGMAP_RW_TRAP || lib_rw_os_shadow_stack())
		goto never;
	if (kind == REGMAP_RW_STUB)
		stub = lib_rw_slot(site, &pi);
	regmap_near_init(near, site, len, kind == REGMAP_RW_STUB && !stub);
	/* one ioctl where the kernel can, else the whole memory map */
	allows = stub || kind == REGMAP_RW_INPLACE ? lib_rw_os_code(site, len) : -1;
	if (allows >= 0)
		near->code = allows;
	else if (lib_rw_os_maps(near, lib_rw.buf, sizeof(lib_rw.buf), lib_rw.line,
				sizeof(lib_rw.line)) < 0)
		return;	/* out of file descriptors, maybe: another time */
	if (near->code != REGMAP_NEAR_CODE_OK)
		goto never;
	if (kind == REGMAP_RW_STUB && !stub)
		stub = lib_rw_new_page(near->page, &pi);
	if (kind == REGMAP_RW_STUB && !stub)
		goto never;
	if (regmap_rw_plan(insn, site, stub, plan) == REGMAP_RW_TRAP)
		goto never;
	if (kind == REGMAP_RW_STUB) {
		/* a slot once written is never used again: a thread may be in it */
		lib_rw.used[pi]++;
		if (lib_rw_os_write(stub, plan->slot, REGMAP_RW_STUB_MAX) < 0) {
			atomic_store(&lib_rw.on, 0);
			return;
		}
		atomic_store(&lib_rw.planted, 1);
	}
	if (st == RW_NEVER)
		atomic_store(&e->state, RW_DEAD);
	e = lib_rw_new(site);
	if (!e) {
		atomic_store(&lib_rw.on, 0);	/* the table is full */
		return;
	}
	e->len = plan->len;
	memcpy(e->orig, plan->orig, plan->len);
	memcpy(e->bytes, plan->bytes, plan->len);
	lib_rw_publish(e, site, RW_WRITING);
	for (unsigned i = 0; i < plan->nrewind; i++) {
		if (plan->rewind[i].in_stub || !(a = lib_rw_new(site + plan->rewind[i].off)))
			continue;
		a->target = (uint16_t)(e - lib_rw.site);
		a->rewind = plan->rewind[i];
		lib_rw_publish(a, site + plan->rewind[i].off, RW_ALIAS);
		atomic_store(&lib_rw.planted, 1);
	}
	lib_rw_write(e, site);
	return;
never:
	lib_rw_never(e, site, code, len);
}

void lib_rw_consider(uint64_t site, const struct regmap_emu_insn *insn, const uint8_t *code,
		     uint64_t rflags)
{
	struct lib_rw_site *e;
	int st, free_ = 0;

	/*
	 * A program stepping with TF would take a trap per planted
	 * instruction: such an execution leaves the site as it is.
	 */
	if (!atomic_load_explicit(&lib_rw.on, memory_order_relaxed) || (rflags & REGMAP_FLAGS_TF))
		return;
	e = lib_rw_find(site, false);
	st = e ? atomic_load(&e->state) : 0;
	if (st == RW_WRITING || st == RW_DONE ||
	    (st == RW_NEVER && !memcmp(e->orig, code, e->len)))
		return;
	if (!atomic_compare_exchange_strong(&lib_rw.busy, &free_, 1))
		return;
	lib_rw_do(site, insn, code);
	atomic_store(&lib_rw.busy, 0);
}

/* ---- switching it on and off ---- */

static void lib_rw_lock(void)
{
	int free_ = 0;

	while (!atomic_compare_exchange_weak(&lib_rw.busy, &free_, 1)) {
		free_ = 0;
		sched_yield();
	}
}

/* REGMAP_NO_REWRITE: set, and neither empty nor "0". */
static bool lib_rw_env_off(void)
{
	const char *env = getenv("REGMAP_NO_REWRITE");

	return env && *env && strcmp(env, "0");
}

int lib_rw_enable(void)
{
	int want = atomic_load(&lib_rw.want), err = 0;

	if (want < 0)
		want = !lib_rw_env_off();
	if (want) {
		lib_rw_lock();
		err = lib_rw_os_setup();
		atomic_store(&lib_rw.busy, 0);
	}
	atomic_store(&lib_rw.on, want && !err);
	return want ? err : 0;
}

void lib_rw_disable(void)
{
	atomic_store(&lib_rw.on, 0);
}

void lib_rw_want(int on)
{
	atomic_store(&lib_rw.want, !!on);
}

bool lib_rw_on(void)
{
	return atomic_load(&lib_rw.on);
}

/*
 * fork() while another thread was rewriting: that thread is not in the
 * child, so finish its work here (the child has one thread: no protocol
 * needed), then free the flag.
 */
void lib_rw_atfork_child(void)
{
	if (!atomic_load(&lib_rw.busy))
		return;
	for (unsigned i = 0; i < LIB_RW_SITES; i++) {
		struct lib_rw_site *e = &lib_rw.site[i];
		uint64_t site = atomic_load(&e->key);

		if (site && atomic_load(&e->state) == RW_WRITING &&
		    lib_rw_os_write(site + 1, e->bytes + 1, e->len - 1) == 0 &&
		    lib_rw_os_write(site, e->bytes, 1) == 0)
			atomic_store(&e->state, RW_DONE);
	}
	atomic_store(&lib_rw.busy, 0);
}
