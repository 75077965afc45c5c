/*
 * difftest --rewrite: the check of one case (see difftest_rewrite.h).
 *
 * From the case's state c->in a start state S is made that can run
 * natively: rsp in the runner's test stack (a few cases just above its
 * guard page, so that stub frames fault), TF and AC cleared, CALL/JMP
 * targets at the runner's landing pad.  Then:
 *
 *   E  = the emulator from S;
 *   O  = the CPU running the original with its operand redirected at a
 *        copy of the map, from S: E must equal what O implies (as in the
 *        plain difftest);
 *   R  = the CPU running the rewritten form (the replacement, or the
 *        jump and its stub) from S: registers, rip, all flags and the
 *        test stack must equal E's, except the stub's frame below the red
 *        zone.  A fault at a rewind point is rewound with the plan's
 *        fixup (which must give back exactly S) and finished by the
 *        emulator, as an applier would.
 *
 * With --step, R is single-stepped, with the stack below rsp overwritten
 * at every instruction boundary, and compared with E from S plus TF.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "difftest_rewrite.h"

#define DT_RW_GUARD_PCT	4		/* cases with rsp just above the guard page */
#define DT_RW_AC_PCT	8		/* cases run with rflags.AC set */

static uint8_t dt_rw_tmp_stack[DT_RW_STACK];
static struct regmap_rw_plan dt_rw_plan;
uint64_t dt_rw_unstepped;		/* --step cases run straight (see dt_rw_native) */
uint64_t dt_rw_steps_total;		/* single steps inside planted code, stack overwritten */
uint64_t dt_rw_ac;			/* cases run with AC set */
uint64_t dt_rw_addr;			/* rewritten cases with an addressing form */

int dt_rw_init(void)
{
	return dt_rw_run_init();
}

/* The start state S and the test stack's initial contents; *guard if near the guard. */
static void dt_rw_state(const struct dt_case *c, uint64_t seed, bool step,
			struct regmap_cpu *s, bool *guard)
{
	struct dt_rng r;
	uint64_t mis = 0, rsp0;

	dt_rng_seed(&r, seed ^ 0x5eed5eed, c->num);
	*s = c->in;
	s->rflags &= ~(uint64_t)(REGMAP_FLAGS_TF | REGMAP_FLAGS_AC);
	if (c->form->family == DT_F_STACK)
		mis = c->in.gpr[REGMAP_RSP] - ((uint64_t)(uintptr_t)dt_scratch + DT_STACK_MID);
	else if (!dt_chance(&r, 85))
		mis = (uint64_t)dt_range(&r, -7, 7);
	*guard = !step && dt_chance(&r, DT_RW_GUARD_PCT);
	rsp0 = dt_rw_base() + (*guard ? 8 * (uint64_t)dt_range(&r, 1, 40) : DT_RW_RSP_MID);
	s->gpr[REGMAP_RSP] = rsp0 + mis;
	for (unsigned i = 0; i < DT_RW_STACK; i += 8) {
		uint64_t v = dt_rand(&r);

		memcpy(dt_rw_init_stack + i, &v, 8);
	}
	/* the stack family's scratch stack: rsp at its DT_STACK_MID */
	for (unsigned i = 0; c->scratch && i < DT_SCRATCH_SIZE; i++) {
		uint64_t at = rsp0 - DT_STACK_MID + i - dt_rw_base();

		if (at < DT_RW_STACK)
			dt_rw_init_stack[at] = c->scratch_init[i];
	}
	/*
	 * CALL/JMP to the landing pad, or sometimes to a non-canonical
	 * address (#GP).  Not with the guard's stack: a CALL there meets two
	 * faults, and the emulator raises Intel's #GP (checked before the
	 * push) where AMD's CPUs fault on the push first.
	 */
	if (c->form->setup == dt_su_branch && dt_rw_plan.map_off != REGMAP_OFF_RIP)
		dt_img_put(s, dt_rw_plan.map_off, *guard || dt_chance(&r, 85) ? dt_rw_landing() :
			   (dt_rand(&r) | 1ull << 63) & ~(1ull << 62), 8);
	/*
	 * With AC set, misaligned accesses of planted code fault (#AC) where
	 * the original's first met #PF on the map: they must be rewind
	 * points.  (The CPU's own run of the original is no reference then:
	 * on the redirected copy of the map it would fault with #AC too.)
	 */
	if (!step && dt_chance(&r, DT_RW_AC_PCT))
		s->rflags |= REGMAP_FLAGS_AC;
	s->rip = dt_rw_site();
}

/* The stack must be E's except the stub's frame (and, single-stepping, below the red zone). */
static bool dt_rw_stack_ok(const struct regmap_cpu *s, bool step, const uint8_t *want)
{
	int64_t rsp = (int64_t)(s->gpr[REGMAP_RSP] - dt_rw_base());
	int64_t lo = step ? 0 : rsp - dt_rw_plan.stack_below;
	int64_t hi = step || dt_rw_plan.stack_below ? rsp - REGMAP_RW_RED_ZONE : lo;
	const uint8_t *got = dt_rw_stack();

	for (int64_t i = 0; i < DT_RW_STACK; i++)
		if (got[i] != want[i] && (i < lo || i >= hi))
			return false;
	return true;
}

static bool dt_rw_same(const struct regmap_cpu *a, const struct regmap_cpu *b)
{
	return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->rip == b->rip &&
	       (a->rflags & ~DT_RW_RF) == (b->rflags & ~DT_RW_RF);
}

/* The plan's and the slot trailer's fixups agree. */
static bool dt_rw_same_fix(const struct regmap_rw_fixup *a, const struct regmap_rw_fixup *b)
{
	return a->site == b->site && a->len == b->len && !memcmp(a->orig, b->orig, a->len) &&
	       a->rsp_add == b->rsp_add && a->reg == b->reg &&
	       (a->reg == REGMAP_RW_NOREG || a->reg_addr == b->reg_addr);
}

/*
 * R stopped with a fault: it must be at a rewind point, the fixup must
 * give back S exactly, and the emulator from there must give E.
 */
static bool dt_rw_rewind(const struct dt_case *c, const struct regmap_cpu *s,
			 const struct dt_rw_out *r, const struct regmap_cpu *e,
			 enum regmap_emu_status est, int *outcome, char *why, size_t size)
{
	const struct regmap_rw_plan *p = &dt_rw_plan;
	struct regmap_rw_fixup fix = { .reg = REGMAP_RW_NOREG }, fix2;
	struct regmap_cpu w = r->cpu, got;
	struct dt_code code;
	enum regmap_emu_status st;

	if (r->signo != SIGSEGV && r->signo != SIGBUS && r->signo != SIGFPE) {
		snprintf(why, size, "planted code stopped with signal %d at %#llx", r->signo,
			 (unsigned long long)r->cpu.rip);
		return false;
	}
	if (!regmap_rw_rewind_at(p, r->cpu.rip, r->cpu.gpr[REGMAP_RSP], &fix)) {
		snprintf(why, size, "signal %d (code %d) at %#llx, not a rewind point", r->signo,
			 r->si_code, (unsigned long long)r->cpu.rip);
		return false;
	}
	if (p->kind == REGMAP_RW_STUB &&
	    (!regmap_rw_slot_fixup(p->slot, p->stub, r->cpu.rip, r->cpu.gpr[REGMAP_RSP], &fix2) ||
	     !dt_rw_same_fix(&fix, &fix2))) {
		snprintf(why, size, "the slot's trailer disagrees with the plan at %#llx",
			 (unsigned long long)r->cpu.rip);
		return false;
	}
	if (fix.reg != REGMAP_RW_NOREG && dt_rw_mem_read(dt_rw_stack(), fix.reg_addr,
							  &w.gpr[fix.reg], 8)) {
		snprintf(why, size, "rewind: the register's save is not on the stack");
		return false;
	}
	w.gpr[REGMAP_RSP] += fix.rsp_add;
	w.rip = p->site;
	if (!dt_rw_same(&w, s)) {
		snprintf(why, size, "rewind at %#llx does not give the site's state",
			 (unsigned long long)r->cpu.rip);
		return false;
	}
	/* the applier's part: emulate the original from there */
	got = w;
	got.rflags = s->rflags;
	memcpy(dt_rw_tmp_stack, dt_rw_stack(), DT_RW_STACK);
	dt_rw_code(c, &code);
	st = dt_rw_emulate(&code, &got, dt_rw_tmp_stack);
	memcpy(dt_rw_stack(), dt_rw_tmp_stack, DT_RW_STACK);
	if (st != est || (st == REGMAP_EMU_OK && !dt_rw_same(&got, e))) {
		snprintf(why, size, "rewound and emulated: status %s, expected %s",
			 dt_status_name(st), dt_status_name(est));
		return false;
	}
	*outcome = p->kind == REGMAP_RW_STUB && r->cpu.rip >= p->stub &&
		   !memcmp((const uint8_t *)(uintptr_t)r->cpu.rip, p->orig, p->len) ?
		   DT_RW_O_FALLBACK : DT_RW_O_REWOUND;
	return true;
}

/* The planted code's range for single-stepping: the stub, or the site. */
static void dt_rw_range(uint64_t *lo, uint64_t *hi)
{
	const struct regmap_rw_plan *p = &dt_rw_plan;

	*lo = p->kind == REGMAP_RW_STUB ? p->stub : p->site;
	*hi = p->kind == REGMAP_RW_STUB ? p->stub + REGMAP_RW_STUB_MAX : p->site + p->len;
}

/*
 * Run R and compare it with E.  A jump through the map that lands in the
 * runner's own code pages is single-stepped to see where it arrives.
 */
static bool dt_rw_native(const struct dt_case *c, const struct regmap_cpu *s, bool step,
			 bool print, int *outcome, char *why, size_t size)
{
	struct regmap_cpu e = *s, si = *s;
	enum regmap_emu_status est;
	struct dt_code code;
	struct dt_rw_out r;
	uint64_t next = s->rip + dt_rw_plan.len, lo, hi;
	bool plain_exit, own = step;

	dt_rw_code(c, &code);
	memcpy(dt_rw_emu_stack, dt_rw_init_stack, DT_RW_STACK);
	est = dt_rw_emulate(&code, &e, dt_rw_emu_stack);
	plain_exit = est != REGMAP_EMU_OK || e.rip == next || e.rip == dt_rw_landing();
	/*
	 * A thread single-stepped after it wrote a non-canonical rsp cannot
	 * come back from its SIGTRAP handler (the kernel's return raises
	 * #GP): run those cases straight.
	 */
	if (step && est == REGMAP_EMU_OK && !dt_rw_canonical(e.gpr[REGMAP_RSP])) {
		step = own = false;
		dt_rw_unstepped++;
	}
	if (!step && !plain_exit && dt_rw_in_code(e.rip) && e.rip != next)
		step = true;
	if (step) {
		/* the thread runs with TF: the emulator sees it too */
		si.rflags |= REGMAP_FLAGS_TF;
		e = si;
		memcpy(dt_rw_emu_stack, dt_rw_init_stack, DT_RW_STACK);
		est = dt_rw_emulate(&code, &e, dt_rw_emu_stack);
	}
	dt_rw_range(&lo, &hi);
	dt_rw_place(dt_rw_plan.bytes, dt_rw_plan.len,
		    dt_rw_plan.kind == REGMAP_RW_STUB ? dt_rw_plan.slot : NULL, plain_exit);
	memcpy(dt_rw_stack(), dt_rw_init_stack, DT_RW_STACK);
	dt_rw_run(s, !step ? 0 : own ? DT_RW_STEP_CLOBBER : DT_RW_STEP, lo, hi, e.rip, &r);

	*outcome = DT_RW_O_NATIVE;
	dt_rw_steps_total += own ? r.steps : 0;
	if (r.how == DT_RW_SIGNAL) {
		bool trace = r.signo == SIGTRAP && r.si_code != SI_KERNEL;
		bool arrived = est == REGMAP_EMU_OK &&
			       ((step && trace) ||
				(r.signo == SIGSEGV && r.cpu.rip == e.rip && r.fault_addr == e.rip));

		/*
		 * TF set through the map: like the emulated write, it traps
		 * after the first instruction at the target, here the jump
		 * at the next instruction or the landing pad.
		 */
		if (!step && trace && est == REGMAP_EMU_OK && (e.rflags & REGMAP_FLAGS_TF) &&
		    (e.rip == next || e.rip == dt_rw_landing())) {
			arrived = true;
			e.rip = (uint64_t)(uintptr_t)(e.rip == next ? dt_rw_exit : dt_rw_landed);
		}
		if (!arrived) {
			if (!dt_rw_rewind(c, &si, &r, &e, est, outcome, why, size))
				goto fail;
			if (!dt_rw_stack_ok(s, own, dt_rw_emu_stack)) {
				snprintf(why, size, "rewound: the stack differs from the emulator's");
				goto fail;
			}
			return true;
		}
	}
	if (est != REGMAP_EMU_OK) {
		snprintf(why, size, "planted code completed, the emulator says %s",
			 dt_status_name(est));
		goto fail;
	}
	if (!dt_rw_same(&r.cpu, &e)) {
		snprintf(why, size, "the rewritten code's state differs from the emulator's");
		goto fail;
	}
	if (!dt_rw_stack_ok(s, own, dt_rw_emu_stack)) {
		snprintf(why, size, "the rewritten code changed the stack differently");
		goto fail;
	}
	return true;
fail:
	if (print)
		dt_rw_print(c, &dt_rw_plan, &si, &e, &r);
	return false;
}

bool dt_rw_case(const struct dt_case *c, uint64_t seed, bool step, bool print,
		char *why, size_t size)
{
	struct regmap_emu_insn insn;
	struct regmap_cpu s, e;
	enum regmap_emu_status est;
	struct dt_code code;
	bool guard;
	int outcome = -1;

	if (c->form->enc == DT_ENC_STRING) {
		dt_rw_count(c, NULL, -1, false);
		return true;
	}
	dt_rw_code(c, &code);
	if (regmap_emu_decode(&insn, code.b, code.len) != REGMAP_EMU_OK) {
		snprintf(why, size, "harness: the case does not decode");
		return false;
	}
	if (!regmap_emu_insn_const_addr(&insn)) {
		dt_rw_count(c, NULL, -1, false);	/* an addressing form with registers */
		return true;
	}
	regmap_rw_plan(&insn, dt_rw_site(), dt_rw_stub(), &dt_rw_plan);
	if (dt_rw_plan.kind == REGMAP_RW_TRAP || c->form->enc == DT_ENC_VEC) {
		dt_rw_count(c, &dt_rw_plan, -1, false);
		return true;
	}
	dt_rw_state(c, seed, step, &s, &guard);
	/*
	 * The CPU's run of the original is the reference for the plain
	 * [disp32] cases; the addressing forms' (moffs32, 0x67, segment
	 * prefixes) is the plain difftest's, from the case's own state.
	 */
	if ((!(s.rflags & REGMAP_FLAGS_AC) && !c->addr.on &&
	     !dt_rw_reference(c, &s, &e, &est, why, size)) ||
	    !dt_rw_native(c, &s, step, print, &outcome, why, size))
		return false;
	dt_rw_ac += !!(s.rflags & REGMAP_FLAGS_AC);
	dt_rw_addr += c->addr.on;
	dt_rw_count(c, &dt_rw_plan, outcome, guard);
	return true;
}
