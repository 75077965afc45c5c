/*
 * t_xchg: exchanges and compare-exchanges on the map (XCHG, XADD,
 * CMPXCHG, CMPXCHG8B, CMPXCHG16B), where the instruction writes both a
 * register and the map and the map write comes last (regmap(7)); and a
 * misaligned CMPXCHG16B, which must raise SIGSEGV as the CPU would.
 * Exit status 0 when results and flags equal the CPU's (t_harness.h).
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"

T_INSN(xchg_q, "xchgq %%rdx, 0x8(%%r8)")
T_INSN(xchg_self, "xchgq %%rcx, 0x8(%%r8)")
T_INSN(xchg_straddle, "xchgq %%rsi, 0xc(%%r8)")
T_INSN(xchg_b, "xchgb %%dl, 0x31(%%r8)")
T_INSN(xchg_overlap32, "xchgl %%ecx, 0xa(%%r8)")
T_INSN(xadd_q, "xaddq %%rdx, 0x8(%%r8)")
T_INSN(xadd_self, "xaddq %%rdx, 0x10(%%r8)")
T_INSN(lock_xadd, "lock xaddl %%esi, 0x18(%%r8)")
T_INSN(cmpxchg_q, "cmpxchgq %%rdx, 0x8(%%r8)")
T_INSN(cmpxchg_rax, "cmpxchgq %%rdx, 0x0(%%r8)")
T_INSN(lock_cmpxchg_w, "lock cmpxchgw %%si, 0x38(%%r8)")
T_INSN(cmpxchg8b, "cmpxchg8b 0x30(%%r8)")
T_INSN(cmpxchg16b, "cmpxchg16b 0x30(%%r8)")
T_INSN(cmpxchg16b_regs, "cmpxchg16b 0x0(%%r8)")

/* half of the time make the comparison succeed */
static void prep_cmp_rcx(struct t_regs *in)
{
	if (in->r[7] & 1)
		in->r[0] = in->r[1];
}

static void prep_cmp_di(struct t_regs *in)
{
	if (in->r[3] & 1)
		in->r[0] = in->r[7];
}

static void prep_cmp8b(struct t_regs *in)
{
	if (in->r[3] & 2) {	/* edx:eax = the 8 bytes at 0x30 (rsi) */
		in->r[0] = (uint32_t)in->r[6];
		in->r[2] = in->r[6] >> 32;
	}
}

static void prep_cmp16b(struct t_regs *in)
{
	if (in->r[3] & 2) {	/* rdx:rax = the 16 bytes at 0x30 (rsi, rdi) */
		in->r[0] = in->r[6];
		in->r[2] = in->r[7];
	}
}

static void prep_cmp16b_regs(struct t_regs *in)
{
	if (in->r[3] & 2)	/* rdx:rax = rcx:rax, the 16 bytes at 0x0 */
		in->r[2] = in->r[1];
}

static const struct t_case cases[] = {
	T_CASE(xchg_q), T_CASE_WRITES(xchg_self, 0x8, 8), T_CASE(xchg_straddle), T_CASE(xchg_b),
	T_CASE_WRITES(xchg_overlap32, 0xa, 4), T_CASE(xadd_q), T_CASE(xadd_self), T_CASE(lock_xadd),
	T_CASE_PREP(cmpxchg_q, prep_cmp_rcx), T_CASE(cmpxchg_rax),
	T_CASE_PREP(lock_cmpxchg_w, prep_cmp_di), T_CASE_PREP(cmpxchg8b, prep_cmp8b),
};

static const struct t_case cases16[] = {
	T_CASE_PREP(cmpxchg16b, prep_cmp16b), T_CASE_PREP(cmpxchg16b_regs, prep_cmp16b_regs),
};

static sigjmp_buf jump;
static volatile sig_atomic_t got_signal;

static void on_segv(int sig)
{
	got_signal = sig;
	siglongjmp(jump, 1);
}

/* cmpxchg16b needs a 16-byte aligned operand: 0x8 is not */
static void check_misaligned(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(jump, 1))
		__asm__ volatile("cmpxchg16b 0x8" : : : "rax", "rdx", "memory", "cc");
	sigaction(SIGSEGV, &old, NULL);
	t_expect("misaligned cmpxchg16b [0x8] raises SIGSEGV", got_signal, SIGSEGV);
}

int main(void)
{
	unsigned a, b, c, d;

	t_run_cases("xchg", cases, sizeof(cases) / sizeof(cases[0]), 24);
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_CMPXCHG16B)) {
		t_run_cases("cmpxchg16b", cases16, 2, 24);
		check_misaligned();
	} else {
		t_skip("cmpxchg16b", "this CPU has no CMPXCHG16B");
	}
	return t_done("t_xchg");
}
