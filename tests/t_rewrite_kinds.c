/*
 * t_rewrite_kinds: general-purpose instructions with a constant map
 * address, which regmap rewrites into native code after their first
 * trap (regmap(7), NATIVE-SPEED SITES), give the CPU's results and flags
 * on every execution: the first (emulated) and all later ones (native,
 * in place or through a stub).  Each runs on many inputs beside its twin
 * on a buffer imaging the registers (t_harness.h).  Then each site must
 * have been rewritten into the expected kind ("on") or left alone ("off").
 *
 *	t_rewrite_kinds on|off
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>

#include "t_harness.h"
#include "t_rewrite.h"

/* in place: the register form and a NOP */
T_INSN_CONST(load64, "movq ", "0x10", ", %%rcx")
T_INSN_CONST(store64, "movq %%rdx, ", "0x08", "")
T_INSN_CONST(load32, "movl ", "0x18", ", %%ecx")
T_INSN_CONST(store16, "movw %%dx, ", "0x08", "")
T_INSN_CONST(load8_bh, "movb ", "0x19", ", %%cl")
T_INSN_CONST(store8_sil, "movb %%dl, ", "0x30", "")
T_INSN_CONST(add_rmw, "addq %%rdx, ", "0x00", "")
T_INSN_CONST(sub_imm, "subq $7, ", "0x38", "")
T_INSN_CONST(xor_load32, "xorl ", "0x10", ", %%eax")
T_INSN_CONST(imul3, "imulq $-3, ", "0x18", ", %%rax")
T_INSN_CONST(shl_cl, "shlq %%cl, ", "0x30", "")
T_INSN_CONST(rol16, "rolw $3, ", "0x38", "")
T_INSN_CONST(xchg64, "xchgq %%rcx, ", "0x18", "")
T_INSN_CONST(xadd64, "xaddq %%rsi, ", "0x00", "")
T_INSN_CONST(cmpxchg64, "lock cmpxchgq %%rcx, ", "0x18", "")
T_INSN_CONST(movzx_dh, "movzbl ", "0x11", ", %%esi")
T_INSN_CONST(movsx16, "movswq ", "0x18", ", %%rax")
T_INSN_CONST(setc, "setc ", "0x00", "")
T_INSN_CONST(cmovz, "cmovzq ", "0x08", ", %%rax")
T_INSN_CONST(bts_imm, "btsq $5, ", "0x18", "")
T_INSN_CONST(div64, "divq ", "0x18", "")
T_INSN_CONST(self_xchg, "xchgq %%rcx, ", "0x08", "")
/* with a stub: no register form does it */
T_INSN_CONST(store32, "movl %%edx, ", "0x08", "")
T_INSN_CONST(store32_hi, "movl %%edx, ", "0x14", "")
T_INSN_CONST(straddle_load, "movq ", "0x0c", ", %%rsi")
T_INSN_CONST(straddle_store, "movq %%rdx, ", "0x34", "")
T_INSN_CONST(store8_1, "movb %%dl, ", "0x31", "")
T_INSN_CONST(add32_rmw, "addl %%esi, ", "0x04", "")
T_INSN_CONST(and16_odd, "andw $0x0ff0, ", "0x13", "")
T_INSN_CONST(neg32, "negl ", "0x10", "")
T_INSN_CONST(xchg32, "xchgl %%ecx, ", "0x18", "")
T_INSN_CONST(cmpxchg32, "cmpxchgl %%esi, ", "0x3a", "")
T_INSN_CONST(sar_cl_odd, "sarq %%cl, ", "0x0b", "")
T_INSN_CONST(div32_odd, "divl ", "0x1c", "")

/* divisor (rbx) not 0, quotient fits: rdx below the divisor */
static void div_prep(struct t_regs *in)
{
	in->r[3] |= 1;
	in->r[2] %= in->r[3];
}

/* divisor rbx's upper half; edx below it (rax is never the divisor's register) */
static void div32_prep(struct t_regs *in)
{
	in->r[3] |= 1ull << 32;
	in->r[2] = (uint32_t)in->r[2] % (uint32_t)(in->r[3] >> 32);
}

static const struct t_case cases[] = {
	T_CASE_CONST(load64), T_CASE_CONST(store64), T_CASE_CONST(load32),
	T_CASE_CONST(store16), T_CASE_CONST(load8_bh), T_CASE_CONST(store8_sil),
	T_CASE_CONST(add_rmw), T_CASE_CONST(sub_imm), T_CASE_CONST(xor_load32),
	T_CASE_CONST(imul3), T_CASE_CONST(shl_cl), T_CASE_CONST(rol16),
	T_CASE_CONST_WRITES(xchg64, 0x18, 8), T_CASE_CONST_WRITES(xadd64, 0x00, 8),
	T_CASE_CONST(cmpxchg64), T_CASE_CONST(movzx_dh), T_CASE_CONST(movsx16),
	T_CASE_CONST(setc), T_CASE_CONST(cmovz), T_CASE_CONST(bts_imm),
	T_CASE_CONST_PREP(div64, div_prep), T_CASE_CONST_WRITES(self_xchg, 0x08, 8),
	T_CASE_CONST(store32), T_CASE_CONST(store32_hi), T_CASE_CONST(straddle_load),
	T_CASE_CONST(straddle_store), T_CASE_CONST(store8_1), T_CASE_CONST(add32_rmw),
	T_CASE_CONST(and16_odd), T_CASE_CONST(neg32), T_CASE_CONST_WRITES(xchg32, 0x18, 4),
	T_CASE_CONST(cmpxchg32), T_CASE_CONST(sar_cl_odd),
	T_CASE_CONST_PREP(div32_odd, div32_prep),
};

#define SITE(fn, want) { #fn, t_site_##fn, want, { 0 } }

static struct t_site sites[] = {
	SITE(load64, T_RW_INPLACE), SITE(store64, T_RW_INPLACE), SITE(load32, T_RW_INPLACE),
	SITE(store16, T_RW_INPLACE), SITE(load8_bh, T_RW_INPLACE),
	SITE(store8_sil, T_RW_INPLACE), SITE(add_rmw, T_RW_INPLACE),
	SITE(sub_imm, T_RW_INPLACE), SITE(xor_load32, T_RW_INPLACE),
	SITE(imul3, T_RW_INPLACE), SITE(shl_cl, T_RW_INPLACE), SITE(rol16, T_RW_INPLACE),
	SITE(xchg64, T_RW_INPLACE), SITE(xadd64, T_RW_INPLACE),
	SITE(cmpxchg64, T_RW_INPLACE), SITE(movzx_dh, T_RW_INPLACE),
	SITE(movsx16, T_RW_INPLACE), SITE(setc, T_RW_INPLACE), SITE(cmovz, T_RW_INPLACE),
	SITE(bts_imm, T_RW_INPLACE), SITE(div64, T_RW_INPLACE),
	SITE(self_xchg, T_RW_INPLACE),
	SITE(store32, T_RW_STUB), SITE(store32_hi, T_RW_STUB),
	SITE(straddle_load, T_RW_STUB), SITE(straddle_store, T_RW_STUB),
	SITE(store8_1, T_RW_STUB), SITE(add32_rmw, T_RW_STUB), SITE(and16_odd, T_RW_STUB),
	SITE(neg32, T_RW_STUB), SITE(xchg32, T_RW_STUB), SITE(cmpxchg32, T_RW_STUB),
	SITE(sar_cl_odd, T_RW_STUB), SITE(div32_odd, T_RW_STUB),
};

int main(int argc, char **argv)
{
	int on = t_rw_mode(argc, argv);
	unsigned n = sizeof(sites) / sizeof(sites[0]);

	if (on < 0)
		return 2;
	t_sites_save(sites, n);
	/* the first execution traps; the other 199 run what regmap made of it */
	t_run_cases("rewrite kinds", cases, sizeof(cases) / sizeof(cases[0]), 200);
	t_failures += t_sites_check(sites, n, on);
	return t_done("rewrite kinds");
}
