/*
 * t_bit: bit tests and scans on the map (BT BTS BTR BTC with immediate
 * and register bit offsets, which address the map as a bit string and
 * can reach the neighbouring registers; BSF BSR TZCNT LZCNT POPCNT).
 * Exit status 0 when results and flags equal the CPU's (t_harness.h).
 */
#include <cpuid.h>
#include <stdint.h>

#include "t_harness.h"

T_INSN(bt_imm, "btq $37, 0x8(%%r8)")
T_INSN(bts_imm, "btsq $63, 0x8(%%r8)")
T_INSN(btr_imm32, "btrl $5, 0x10(%%r8)")
T_INSN(btc_imm16, "btcw $17, 0x12(%%r8)")
T_INSN(bt_reg, "btq %%rsi, 0x8(%%r8)")
T_INSN(bts_reg, "btsq %%rsi, 0x8(%%r8)")
T_INSN(btr_reg, "btrq %%rsi, 0x8(%%r8)")
T_INSN(btc_reg32, "btcl %%esi, 0x8(%%r8)")
T_INSN(lock_bts, "lock btsq %%rsi, 0x8(%%r8)")
T_INSN(bsf_q, "bsfq 0x10(%%r8), %%rcx")
T_INSN(bsr_l, "bsrl 0x10(%%r8), %%ecx")
T_INSN(bsf_w, "bsfw 0x1e(%%r8), %%si")
T_INSN(tzcnt_q, "tzcntq 0x10(%%r8), %%rcx")
T_INSN(lzcnt_q, "lzcntq 0x10(%%r8), %%rcx")
T_INSN(popcnt_q, "popcntq 0x10(%%r8), %%rcx")
T_INSN(popcnt_w, "popcntw 0x1b(%%r8), %%si")

/*
 * Register bit offsets from -64 to 127 around slot 0x8: they reach rax,
 * rcx, rdx and rbx, and stay inside the harness's image.  Sometimes make
 * the scanned value 0 (BSF/BSR leave the destination as it was).
 */
static void prep_bitoff(struct t_regs *in)
{
	in->r[6] = (int64_t)(in->r[6] % 192) - 64;
	if (in->r[7] % 5 == 0)
		in->r[2] = 0;
}

static const struct t_case cases[] = {
	T_CASE(bt_imm), T_CASE(bts_imm), T_CASE(btr_imm32), T_CASE(btc_imm16),
	T_CASE_PREP(bt_reg, prep_bitoff), T_CASE_PREP(bts_reg, prep_bitoff),
	T_CASE_PREP(btr_reg, prep_bitoff), T_CASE_PREP(btc_reg32, prep_bitoff),
	T_CASE_PREP(lock_bts, prep_bitoff),
	T_CASE_PREP(bsf_q, prep_bitoff), T_CASE_PREP(bsr_l, prep_bitoff),
	T_CASE_PREP(bsf_w, prep_bitoff),
	/*
	 * TZCNT and LZCNT run on every CPU: without BMI1 or LZCNT the same
	 * bytes are BSF and BSR, in the map run and the native run alike.
	 */
	T_CASE_PREP(tzcnt_q, prep_bitoff), T_CASE_PREP(lzcnt_q, prep_bitoff),
};

static const struct t_case popcnt_cases[] = {
	T_CASE_PREP(popcnt_q, prep_bitoff), T_CASE(popcnt_w),
};

int main(void)
{
	unsigned a, b, c, d;

	t_run_cases("bit", cases, sizeof(cases) / sizeof(cases[0]), 24);
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_POPCNT))
		t_run_cases("popcnt", popcnt_cases, 2, 24);
	else
		t_skip("popcnt", "this CPU has no POPCNT");
	return t_done("t_bit");
}
