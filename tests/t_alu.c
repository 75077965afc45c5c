/*
 * t_alu: two- and one-operand arithmetic and logic on the map (ADD ADC
 * SUB SBB AND OR XOR CMP TEST, INC DEC NEG NOT), every operand size,
 * map as destination and as source, LOCK, straddling accesses.
 * Exit status 0 when results and flags equal the CPU's (t_harness.h).
 */
#include <stdio.h>

#include "t_harness.h"

T_INSN(add_mr, "addq %%rdx, 0x8(%%r8)")
T_INSN(add_rm, "addq 0x10(%%r8), %%rcx")
T_INSN(add_mi8, "addq $-3, 0x8(%%r8)")
T_INSN(add_mi32, "addl $0x12345678, 0x8(%%r8)")
T_INSN(add_byte, "addb %%dl, 0x9(%%r8)")
T_INSN(add_word, "addw $0x7fff, 0x1e(%%r8)")
T_INSN(adc_mr, "adcq %%rdx, 0x8(%%r8)")
T_INSN(adc_rm32, "adcl 0x10(%%r8), %%ecx")
T_INSN(sub_mr, "subq %%rdx, 0x8(%%r8)")
T_INSN(sub_rm, "subq 0x18(%%r8), %%rsi")
T_INSN(sbb_mr16, "sbbw %%dx, 0x8(%%r8)")
T_INSN(and_mr, "andq %%rdx, 0x8(%%r8)")
T_INSN(and_mi, "andl $0xff00ff00, 0xc(%%r8)")
T_INSN(or_mr, "orq %%rdx, 0x8(%%r8)")
T_INSN(or_rm8, "orb 0x31(%%r8), %%al")
T_INSN(xor_mr, "xorq %%rdx, 0x8(%%r8)")
T_INSN(xor_self, "xorq %%rcx, 0x8(%%r8)")
T_INSN(cmp_mr, "cmpq %%rdx, 0x8(%%r8)")
T_INSN(cmp_rm, "cmpq 0x10(%%r8), %%rcx")
T_INSN(cmp_mi8, "cmpb $0x80, 0x3f(%%r8)")
T_INSN(test_mr, "testq %%rdx, 0x8(%%r8)")
T_INSN(test_mi, "testl $0x80000001, 0x10(%%r8)")
T_INSN(inc_q, "incq 0x8(%%r8)")
T_INSN(inc_b, "incb 0x17(%%r8)")
T_INSN(dec_l, "decl 0x8(%%r8)")
T_INSN(neg_q, "negq 0x8(%%r8)")
T_INSN(neg_w, "negw 0x3a(%%r8)")
T_INSN(not_q, "notq 0x8(%%r8)")
T_INSN(not_b, "notb 0xf(%%r8)")
T_INSN(lock_add, "lock addq %%rdx, 0x8(%%r8)")
T_INSN(lock_inc, "lock incl 0x30(%%r8)")
T_INSN(straddle_add, "addq %%rsi, 0xc(%%r8)")
T_INSN(straddle_sub, "subl 0x1a(%%r8), %%edi")

static const struct t_case cases[] = {
	T_CASE(add_mr), T_CASE(add_rm), T_CASE(add_mi8), T_CASE(add_mi32),
	T_CASE(add_byte), T_CASE(add_word), T_CASE(adc_mr), T_CASE(adc_rm32),
	T_CASE(sub_mr), T_CASE(sub_rm), T_CASE(sbb_mr16), T_CASE(and_mr),
	T_CASE(and_mi), T_CASE(or_mr), T_CASE(or_rm8), T_CASE(xor_mr),
	T_CASE(xor_self), T_CASE(cmp_mr), T_CASE(cmp_rm), T_CASE(cmp_mi8),
	T_CASE(test_mr), T_CASE(test_mi), T_CASE(inc_q), T_CASE(inc_b),
	T_CASE(dec_l), T_CASE(neg_q), T_CASE(neg_w), T_CASE(not_q),
	T_CASE(not_b), T_CASE(lock_add), T_CASE(lock_inc), T_CASE(straddle_add),
	T_CASE(straddle_sub),
};

int main(void)
{
	t_run_cases("alu", cases, sizeof(cases) / sizeof(cases[0]), 24);
	return t_done("t_alu");
}
