/*
 * t_shift: shifts and rotates on the map (SHL SHR SAR ROL ROR RCL RCR
 * by 1, by an immediate and by cl; SHLD SHRD), several sizes.
 * Exit status 0 when results and flags equal the CPU's (t_harness.h).
 */
#include <stdio.h>

#include "t_harness.h"

T_INSN(shl_1, "shlq $1, 0x10(%%r8)")
T_INSN(shl_imm, "shlq $5, 0x10(%%r8)")
T_INSN(shl_cl, "shlq %%cl, 0x10(%%r8)")
T_INSN(shl_cl_self, "shlq %%cl, 0x8(%%r8)")
T_INSN(shr_imm32, "shrl $7, 0x10(%%r8)")
T_INSN(shr_cl8, "shrb %%cl, 0x11(%%r8)")
T_INSN(sar_1, "sarq $1, 0x10(%%r8)")
T_INSN(sar_cl16, "sarw %%cl, 0x16(%%r8)")
T_INSN(rol_imm, "rolq $13, 0x10(%%r8)")
T_INSN(rol_cl8, "rolb %%cl, 0x10(%%r8)")
T_INSN(ror_1, "rorl $1, 0x14(%%r8)")
T_INSN(ror_cl, "rorq %%cl, 0x18(%%r8)")
T_INSN(rcl_1, "rclq $1, 0x10(%%r8)")
T_INSN(rcl_cl8, "rclb %%cl, 0x10(%%r8)")
T_INSN(rcr_imm16, "rcrw $3, 0x10(%%r8)")
T_INSN(rcr_cl, "rcrq %%cl, 0x18(%%r8)")
T_INSN(shld_imm, "shldq $12, %%rdx, 0x18(%%r8)")
T_INSN(shld_cl, "shldq %%cl, %%rdx, 0x18(%%r8)")
T_INSN(shrd_imm32, "shrdl $9, %%esi, 0x10(%%r8)")
T_INSN(shrd_cl16, "shrdw %%cl, %%di, 0x10(%%r8)")

static const struct t_case cases[] = {
	T_CASE(shl_1), T_CASE(shl_imm), T_CASE(shl_cl), T_CASE(shl_cl_self),
	T_CASE(shr_imm32), T_CASE(shr_cl8), T_CASE(sar_1), T_CASE(sar_cl16),
	T_CASE(rol_imm), T_CASE(rol_cl8), T_CASE(ror_1), T_CASE(ror_cl),
	T_CASE(rcl_1), T_CASE(rcl_cl8), T_CASE(rcr_imm16), T_CASE(rcr_cl),
	T_CASE(shld_imm), T_CASE(shld_cl), T_CASE(shrd_imm32), T_CASE(shrd_cl16),
};

int main(void)
{
	t_run_cases("shift", cases, sizeof(cases) / sizeof(cases[0]), 24);
	return t_done("t_shift");
}
