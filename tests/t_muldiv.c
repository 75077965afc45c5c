/*
 * t_muldiv: multiplication and division with the map as the source or
 * destination operand (MUL, IMUL in its three forms, DIV, IDIV), every
 * size.  Inputs are chosen so that no division faults; divide errors
 * are t_divzero's job.  Exit status 0 when results and flags equal the
 * CPU's (t_harness.h).
 */
#include <stdint.h>
#include <stdio.h>

#include "t_harness.h"

T_INSN(mul_q, "mulq 0x8(%%r8)")
T_INSN(mul_b, "mulb 0x18(%%r8)")
T_INSN(mul_self, "mulq 0x0(%%r8)")
T_INSN(imul1_l, "imull 0x8(%%r8)")
T_INSN(imul1_w, "imulw 0x1a(%%r8)")
T_INSN(imul2_q, "imulq 0x10(%%r8), %%rcx")
T_INSN(imul2_straddle, "imulq 0x14(%%r8), %%rsi")
T_INSN(imul3_q, "imulq $-7, 0x10(%%r8), %%rcx")
T_INSN(imul3_w, "imulw $300, 0x18(%%r8), %%si")
T_INSN(div_q, "divq 0x8(%%r8)")
T_INSN(div_l, "divl 0x8(%%r8)")
T_INSN(div_b, "divb 0x8(%%r8)")
T_INSN(idiv_q, "idivq 0x8(%%r8)")
T_INSN(idiv_w, "idivw 0x8(%%r8)")

/* unsigned: divisor (low size bytes of rcx) nonzero, high half of the dividend below it */
static void prep_udiv(struct t_regs *in, unsigned size)
{
	uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	uint64_t div = in->r[1] & mask;

	if (!div) {
		in->r[1] |= 1;
		div = in->r[1] & mask;
	}
	if (size == 1) {	/* ax / cl: ah must stay below cl */
		uint64_t ah = ((in->r[0] >> 8) & 0xff) % div;

		in->r[0] = (in->r[0] & ~0xff00ull) | ah << 8;
	} else {
		in->r[2] = (in->r[2] & ~mask) | ((in->r[2] & mask) % div);
	}
}

static void prep_div_q(struct t_regs *in) { prep_udiv(in, 8); }
static void prep_div_l(struct t_regs *in) { prep_udiv(in, 4); }
static void prep_div_b(struct t_regs *in) { prep_udiv(in, 1); }

/* signed: a sign-extended dividend and a divisor other than 0 and -1 */
static void prep_idiv_q(struct t_regs *in)
{
	if (in->r[1] == 0 || in->r[1] == ~0ull)
		in->r[1] = 3;
	in->r[2] = (int64_t)in->r[0] < 0 ? ~0ull : 0;
}

static void prep_idiv_w(struct t_regs *in)
{
	uint16_t d = in->r[1];

	if (d == 0 || d == 0xffff)
		in->r[1] = (in->r[1] & ~0xffffull) | 3;
	in->r[2] = (in->r[2] & ~0xffffull) | ((int16_t)in->r[0] < 0 ? 0xffff : 0);
}

static const struct t_case cases[] = {
	T_CASE(mul_q), T_CASE(mul_b), T_CASE(mul_self), T_CASE(imul1_l),
	T_CASE(imul1_w), T_CASE(imul2_q), T_CASE(imul2_straddle), T_CASE(imul3_q),
	T_CASE(imul3_w),
	T_CASE_PREP(div_q, prep_div_q), T_CASE_PREP(div_l, prep_div_l),
	T_CASE_PREP(div_b, prep_div_b), T_CASE_PREP(idiv_q, prep_idiv_q),
	T_CASE_PREP(idiv_w, prep_idiv_w),
};

int main(void)
{
	t_run_cases("muldiv", cases, sizeof(cases) / sizeof(cases[0]), 24);
	return t_done("t_muldiv");
}
