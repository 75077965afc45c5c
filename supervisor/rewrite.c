/*
 * Native-speed sites under regmap-run (doc/REWRITE.md section 6): after
 * a constant-address map site has been emulated threshold times, it is
 * rewritten into native code (emulator/rewrite.h) in the program's
 * memory, and never traps again.
 *
 * Rewriting a site: the checks (the rewriter's verdict, the options
 * that must see every access, the mapping the code is in), a stub slot
 * (a page mapped near the site by a system call injected into the
 * faulting thread), then with every task of the address space stopped
 * and none standing inside the site's bytes: the stub, then the
 * replacement, through /proc/PID/mem.  The faulting thread is stopped
 * already (it is being served); the others of its address space are
 * stopped with world.c (doc/GDB.md section 3), unless it is alone there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <time.h>

#include "near.h"
#include "sup_internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define RW_PAGE		4096ull
#define RW_SLOTS	(RW_PAGE / REGMAP_RW_STUB_MAX)

const char *sup_rw_why_str(unsigned why)
{
	if (why < REGMAP_RW_NREASONS)
		return regmap_rw_reason_str(why);
	if (why >= SUP_RW_WHY_CODE && why < SUP_RW_WHY_WRITE)
		return regmap_near_code_str(why - SUP_RW_WHY_CODE);
	switch (why) {
	case SUP_RW_WHY_OFF:
		return "--no-rewrite";
	case SUP_RW_WHY_TRACE:
		return "--trace shows every access";
	case SUP_RW_WHY_BT:
		return "--backtrace-on-access shows every access";
	case SUP_RW_WHY_WATCH:
		return "a gdb watchpoint on the map bytes it touches";
	case SUP_RW_WHY_BREAK:
		return "a gdb breakpoint inside the instruction";
	case SUP_RW_WHY_WRITE:
		return "the kernel refused to write the code";
	case SUP_RW_WHY_PAGE:
		return "no page for its stub could be mapped within 2 GiB";
	case SUP_RW_WHY_SHSTK:
		return "the thread has a shadow stack (CET), which planted code may upset";
	case SUP_RW_WHY_BUSY:
		return "the other threads could not be stopped (yet)";
	case SUP_RW_WHY_INSIDE:
		return "another thread stood inside the instruction";
	case SUP_RW_WHY_STEP:
		return "it ran with the trap flag set (single-stepping)";
	case SUP_RW_WHY_UNKNOWN:
		return "the thread's address space was not known yet";
	}
	return "unknown reason";
}

bool sup_rw_planted(const struct sup_session *s)
{
	return s->rw_planted != 0;
}

/* Forget what was done at e: the program wrote other code there. */
static void site_reset(struct sup_session *s, struct sup_as *as, struct sup_rw_site *e,
		       const uint8_t *bytes, unsigned len)
{
	if ((e->state == SUP_RW_INPLACE || e->state == SUP_RW_STUB) && e->nrewind) {
		as->planted--;
		s->rw_planted--;
	}
	e->state = SUP_RW_COUNTING;
	e->why = 0;
	e->count = 0;
	e->stub = 0;
	e->nrewind = 0;
	e->len = (uint8_t)len;
	/* revert() resets a site to its own original bytes */
	if (bytes != e->orig)
		memcpy(e->orig, bytes, len);
}

size_t sup_rw_orig(struct sup_session *s, pid_t tid, uint64_t rip, uint8_t *bytes, size_t nbytes)
{
	struct sup_as *as;
	struct sup_rw_site *e;

	if (!s->aspaces || !(as = sup_as_of(s, tid)) || !as->used ||
	    !(e = sup_as_site(as, rip, false)) ||
	    (e->state != SUP_RW_INPLACE && e->state != SUP_RW_STUB))
		return nbytes;
	if (nbytes >= e->len && !memcmp(bytes, e->bytes, e->len)) {
		memcpy(bytes, e->orig, e->len);
		return e->len;
	}
	/* changed by the program since: a new instruction, counted afresh */
	site_reset(s, as, e, bytes, 0);
	return nbytes;
}

/* ---- stubs ---- */

/* A free slot in one of as's stub pages within reach of site, or 0. */
static uint64_t slot_near(struct sup_as *as, uint64_t site, unsigned *pi)
{
	for (unsigned i = 0; i < as->npage; i++)
		if (as->page_used[i] < RW_SLOTS && regmap_near_reach(site, as->page[i])) {
			*pi = i;
			return as->page[i] + as->page_used[i] * REGMAP_RW_STUB_MAX;
		}
	return 0;
}

/* Map a stub page at want in tid's address space: its first slot, or 0. */
static uint64_t page_new(struct sup_session *s, pid_t tid, struct sup_as *as, uint64_t want,
			 unsigned *pi)
{
	long args[6] = { (long)want, RW_PAGE, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0 };
	long ret;

	if (!want || sup_inject_syscall(s, tid, SYS_mmap, args, &ret) < 0)
		return 0;
	if ((uint64_t)ret != want) {
		/* a kernel without MAP_FIXED_NOREPLACE took the address as a hint */
		if (ret > 0 || ret < -4095) {
			long un[6] = { ret, RW_PAGE };

			sup_inject_syscall(s, tid, SYS_munmap, un, &ret);
		}
		return 0;
	}
	if (sup_as_add_page(as, want) < 0)
		return 0;
	*pi = as->npage - 1;
	return want;
}

/* ---- every task of the address space stopped ---- */

/* Is t one whose memory may be as's?  Unknown spaces count: better stopped. */
static bool in_space(const struct sup_thread *t, const struct sup_as *as)
{
	return t->tid > 0 && t->traced && (t->as == as || !t->as);
}

/*
 * Stop every task of as but tid (which is in a ptrace-stop already, being
 * served): 1 if the world (world.c) was stopped for it, 0 if tid is the
 * only task (nothing else can run the code), -EBUSY if the world is
 * stopped already (gdb holds it) or cannot be: try again at a later trap.
 */
static int space_stop(struct sup_session *s, pid_t tid, struct sup_as *as)
{
	bool alone = true;

	for (unsigned i = 0; i < s->threads.size && alone; i++) {
		const struct sup_thread *t = &s->threads.slot[i];

		alone = t->tid == tid || !in_space(t, as);
	}
	if (alone)
		return 0;
	if (s->world.stopped || sup_world_stop_scope(s, tid, SUP_WORLD_MM, tid) < 0)
		return -EBUSY;
	return 1;
}

/* Does a stopped task of tid's space stand strictly inside (site, site + len)? */
static bool someone_inside(struct sup_session *s, pid_t tid, uint64_t site, unsigned len)
{
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];
		struct user_regs_struct r;

		/* a task out of the stopped scope is not in a ptrace-stop: GETREGS fails */
		if (t->tid <= 0 || t->tid == tid || !t->traced || !sup_world_member(s, t) ||
		    ptrace(PTRACE_GETREGS, t->tid, NULL, &r) < 0)
			continue;
		if (r.rip > site && r.rip < site + len)
			return true;
	}
	return false;
}

/* ---- rewriting a site ---- */

static void note(struct sup_session *s, pid_t tid, struct sup_rw_site *e, unsigned state,
		 unsigned why)
{
	e->state = (uint8_t)state;
	e->why = (uint8_t)why;
	if (s->detail)
		sup_detail_rewrite(s, tid, e->rip, state, why);
}

/* Rewrite e (whose instruction is insn): 0, or why not (e->state says for how long). */
static unsigned rewrite(struct sup_session *s, pid_t tid, struct sup_as *as,
			struct sup_rw_site *e, const struct regmap_emu_insn *insn, uint64_t rflags)
{
	struct regmap_rw_plan plan;
	struct regmap_near near;
	enum regmap_rw_reason reason;
	enum regmap_rw_kind kind = regmap_rw_classify(insn, &reason);
	uint64_t site = e->rip, stub = 0;
	unsigned pi = 0, why = 0;
	struct sup_thread *t;
	int stopped, code;

	if (kind == REGMAP_RW_TRAP)
		return reason;
	if (s->cfg.trace)
		return SUP_RW_WHY_TRACE;
	if (s->cfg.n_bt_sites && sup_bt_site_match(s, tid, site))
		return SUP_RW_WHY_BT;
	if (rflags & REGMAP_FLAGS_TF)
		return SUP_RW_WHY_STEP;
	/* gdb's stepi (PTRACE_SINGLESTEP hides its TF from the registers) */
	t = sup_thread_get(&s->threads, tid, false);
	if (t && t->step)
		return SUP_RW_WHY_STEP;
	/*
	 * A shadow stack checks every RET against its CALL: stubs that leave
	 * with RET or IRETQ, and in-place call forms, would not match it.
	 */
	if (sup_proc_shadow_stack(tid))
		return SUP_RW_WHY_SHSTK;
	if (kind == REGMAP_RW_STUB)
		stub = slot_near(as, site, &pi);
	regmap_near_init(&near, site, e->len, kind == REGMAP_RW_STUB && !stub);
	/* one ioctl where the kernel can, unless a stub page is to be found */
	code = kind == REGMAP_RW_INPLACE || stub ? sup_proc_code(tid, site, e->len) : -1;
	if (code >= 0)
		near.code = code;
	else if (sup_proc_near(tid, &near) < 0)
		return SUP_RW_WHY_BUSY;
	if (near.code != REGMAP_NEAR_CODE_OK)
		return SUP_RW_WHY_CODE + near.code;
	if (kind == REGMAP_RW_STUB && !stub && !(stub = page_new(s, tid, as, near.page, &pi)))
		return SUP_RW_WHY_PAGE;
	if (regmap_rw_plan(insn, site, stub, &plan) == REGMAP_RW_TRAP)
		return plan.reason;
	/*
	 * A site a gdb watchpoint or breakpoint needs must keep trapping for
	 * as long as it is there (doc/GDB.md section 11): tried again later.
	 */
	if (sup_gdb_watched(s, plan.map_off, plan.map_len))
		return SUP_RW_WHY_WATCH;
	if (sup_gdb_breakpoint_in(s, site, plan.len))
		return SUP_RW_WHY_BREAK;

	stopped = space_stop(s, tid, as);
	if (stopped < 0)
		return SUP_RW_WHY_BUSY;
	if (stopped && someone_inside(s, tid, site, plan.len)) {
		why = SUP_RW_WHY_INSIDE;
	} else if (plan.kind == REGMAP_RW_STUB &&
		   (as->page_used[pi]++,
		    sup_mem_write_code(tid, stub, plan.slot, REGMAP_RW_STUB_MAX) < 0)) {
		why = SUP_RW_WHY_WRITE;
	} else if (sup_mem_write_code(tid, site, plan.bytes, plan.len) < 0) {
		why = SUP_RW_WHY_WRITE;
	}
	if (stopped)
		sup_world_resume(s);
	if (why)
		return why;

	memcpy(e->bytes, plan.bytes, plan.len);
	e->stub = plan.stub;
	e->map_off = plan.map_off;
	e->map_len = plan.map_len;
	e->nrewind = plan.nrewind;
	memcpy(e->rewind, plan.rewind, sizeof(e->rewind));
	if (e->nrewind) {
		as->planted++;
		s->rw_planted++;
	}
	note(s, tid, e, plan.kind == REGMAP_RW_STUB ? SUP_RW_STUB : SUP_RW_INPLACE, 0);
	return 0;
}

static bool transient(unsigned why)
{
	return why >= SUP_RW_WHY_BUSY || why == SUP_RW_WHY_WATCH || why == SUP_RW_WHY_BREAK;
}

void sup_rw_after(struct sup_session *s, pid_t tid, uint64_t rip,
		  const struct regmap_emu_insn *insn, const uint8_t *bytes, uint64_t rflags)
{
	struct sup_as *as = sup_as_of(s, tid);
	unsigned len = regmap_emu_insn_len(insn), why;
	struct sup_rw_site *e;

	if (!as) {
		if (s->detail)
			sup_detail_rewrite(s, tid, rip, SUP_RW_COUNTING, SUP_RW_WHY_UNKNOWN);
		return;
	}
	e = sup_as_site(as, rip, true);
	if (!e)
		return;
	if (e->len != len || memcmp(e->orig, bytes, len))
		site_reset(s, as, e, bytes, len);
	/* kept, or rewritten and this was a thread that faulted before the change */
	if (e->state != SUP_RW_COUNTING)
		return;
	if (++e->count < (s->cfg.rewrite_threshold ? s->cfg.rewrite_threshold : 1)) {
		/* --stats: a site below the threshold, not one never judged */
		if (e->count == 1 && s->detail)
			sup_detail_rewrite(s, tid, rip, SUP_RW_COUNTING, 0);
		return;
	}
	if (s->detail) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		why = rewrite(s, tid, as, e, insn, rflags);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sup_detail_rewrite_time(s, (t1.tv_sec - t0.tv_sec) * 1000000000ull +
					   t1.tv_nsec - t0.tv_nsec);
	} else {
		why = rewrite(s, tid, as, e, insn, rflags);
	}
	if (why)
		note(s, tid, e, transient(why) ? SUP_RW_COUNTING : SUP_RW_KEPT, why);
}

/* ---- faults inside planted code (doc/REWRITE.md section 4) ---- */

static bool in_stub(pid_t tid, struct sup_as *as, uint64_t rip, uint64_t rsp,
		    struct regmap_rw_fixup *fix)
{
	uint8_t slot[REGMAP_RW_STUB_MAX];
	uint64_t at = rip & ~(uint64_t)(REGMAP_RW_STUB_MAX - 1);

	for (unsigned i = 0; i < as->npage; i++)
		if (rip - as->page[i] < RW_PAGE)
			return sup_mem_read(&tid, at, slot, sizeof(slot)) == 0 &&
			       regmap_rw_slot_fixup(slot, at, rip, rsp, fix);
	return false;
}

/*
 * A rewind point inside a site rewritten in place: its instruction, at
 * the site or (NOP-first call forms) a few bytes further.  Only while the
 * site still holds the replacement: other code the program wrote there
 * since is not ours to move.
 */
static bool in_site(pid_t tid, struct sup_as *as, uint64_t rip, uint64_t rsp,
		    struct regmap_rw_fixup *fix)
{
	for (unsigned k = 0; k < REGMAP_EMU_MAX_INSN && k <= rip; k++) {
		struct sup_rw_site *e = sup_as_site(as, rip - k, false);
		uint8_t now[REGMAP_EMU_MAX_INSN];
		struct regmap_rw_plan p;

		if (!e || e->state != SUP_RW_INPLACE || !e->nrewind || k >= e->len)
			continue;
		if (sup_mem_read(&tid, e->rip, now, e->len) < 0 || memcmp(now, e->bytes, e->len))
			return false;
		/* what regmap_rw_rewind_at() needs of the plan */
		p.kind = REGMAP_RW_INPLACE;
		p.site = e->rip;
		p.stub = 0;
		p.len = e->len;
		memcpy(p.orig, e->orig, e->len);
		p.nrewind = e->nrewind;
		memcpy(p.rewind, e->rewind, sizeof(p.rewind));
		return regmap_rw_rewind_at(&p, rip, rsp, fix);
	}
	return false;
}

size_t sup_rw_rewind(struct sup_session *s, pid_t tid, const siginfo_t *si,
		     struct user_regs_struct *ur, uint8_t *bytes)
{
	struct sup_as *as = sup_as_of(s, tid);
	struct regmap_rw_fixup fix;
	struct regmap_cpu cpu;

	if (!s->rw_planted || si->si_code <= 0 || !as || !as->planted)
		return 0;
	if (!in_stub(tid, as, ur->rip, ur->rsp, &fix) && !in_site(tid, as, ur->rip, ur->rsp, &fix))
		return 0;
	sup_regs_to_cpu(ur, &cpu);
	if (fix.reg < 16 && sup_mem_read(&tid, fix.reg_addr, &cpu.gpr[fix.reg], 8) < 0)
		return 0;
	cpu.gpr[REGMAP_RSP] += fix.rsp_add;
	cpu.rip = fix.site;
	sup_regs_from_cpu(ur, &cpu);
	/* the thread is at the site now, whatever the emulation gives */
	if (ptrace(PTRACE_SETREGS, tid, NULL, ur) < 0)
		return 0;
	memcpy(bytes, fix.orig, fix.len);
	return fix.len;
}

/* ---- putting sites back ---- */

static int revert(struct sup_session *s, pid_t tid, bool by_map, uint64_t lo, uint64_t hi)
{
	struct sup_as *as = sup_as_of(s, tid);
	int n = 0;

	if (!as)
		return 0;
	for (unsigned i = 0; i < as->size; i++) {
		struct sup_rw_site *e = &as->site[i];
		uint64_t a = by_map ? e->map_off : e->rip;
		uint64_t b = by_map ? a + e->map_len : a + e->len;

		if (!e->rip || (e->state != SUP_RW_INPLACE && e->state != SUP_RW_STUB) ||
		    b <= lo || a >= hi)
			continue;
		if (sup_mem_write_code(tid, e->rip, e->orig, e->len) < 0)
			return -EPERM;
		/* a thread at a rewind point inside the site goes back to its start */
		for (unsigned j = 0; j < s->threads.size; j++) {
			const struct sup_thread *t = &s->threads.slot[j];
			struct user_regs_struct r;

			if (t->tid > 0 && t->traced && t->as == as &&
			    ptrace(PTRACE_GETREGS, t->tid, NULL, &r) == 0 &&
			    r.rip > e->rip && r.rip < e->rip + e->len) {
				r.rip = e->rip;
				ptrace(PTRACE_SETREGS, t->tid, NULL, &r);
			}
		}
		site_reset(s, as, e, e->orig, e->len);
		/*
		 * The watchpoint or breakpoint must see every execution while it
		 * is there; the site is rewritten again at a trap after it goes.
		 */
		note(s, tid, e, SUP_RW_COUNTING, by_map ? SUP_RW_WHY_WATCH : SUP_RW_WHY_BREAK);
		n++;
	}
	return n;
}

int sup_rw_revert_offsets(struct sup_session *s, pid_t tid, unsigned off, unsigned len)
{
	return revert(s, tid, true, off, (uint64_t)off + len);
}

int sup_rw_revert_range(struct sup_session *s, pid_t tid, uint64_t addr, uint64_t len)
{
	return revert(s, tid, false, addr, addr + len);
}
