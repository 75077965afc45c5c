/*
 * t_mov: the data-movement family on the map (MOV, MOVZX, MOVSX(D),
 * MOVBE, MOVNTI), including partial, unaligned and straddling accesses,
 * and the special slots rip (0x80), rflags (0x88) and rsp (0x20).
 * Exit status 0 when every result equals the CPU's (t_harness.h).
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "t_harness.h"

T_INSN(store64, "movq %%rdx, 0x8(%%r8)")
T_INSN(load64, "movq 0x10(%%r8), %%rcx")
T_INSN(store32, "movl %%edx, 0x8(%%r8)")
T_INSN(load32, "movl 0x10(%%r8), %%ecx")
T_INSN(store16, "movw %%dx, 0x8(%%r8)")
T_INSN(store8_high, "movb %%dl, 0x9(%%r8)")
T_INSN(load8, "movb 0x1f(%%r8), %%cl")
T_INSN(store_imm, "movq $-5, 0x18(%%r8)")
T_INSN(store_imm8, "movb $0xa5, 0x3b(%%r8)")
T_INSN(straddle_store, "movq %%rdx, 0xc(%%r8)")
T_INSN(straddle_load, "movq 0x4(%%r8), %%rsi")
T_INSN(self_store, "movq %%rcx, 0x8(%%r8)")
T_INSN(overlap_store, "movq %%rcx, 0x4(%%r8)")
T_INSN(movzb, "movzbl 0x9(%%r8), %%esi")
T_INSN(movzw, "movzwq 0x1e(%%r8), %%rsi")
T_INSN(movsb, "movsbq 0x1f(%%r8), %%rsi")
T_INSN(movsw, "movswl 0x36(%%r8), %%eax")
T_INSN(movsl, "movslq 0x34(%%r8), %%rax")
T_INSN(movnti, "movnti %%rdx, 0x38(%%r8)")
T_INSN(movbe_load, "movbe 0x10(%%r8), %%rax")
T_INSN(movbe_store, "movbe %%eax, 0x9(%%r8)")

static const struct t_case cases[] = {
	T_CASE(store64),
	T_CASE(load64),
	T_CASE(store32),
	T_CASE(load32),
	T_CASE(store16),
	T_CASE(store8_high),
	T_CASE(load8),
	T_CASE(store_imm),
	T_CASE(store_imm8),
	T_CASE(straddle_store),
	T_CASE(straddle_load),
	T_CASE(self_store),
	T_CASE(overlap_store),
	T_CASE(movzb),
	T_CASE(movzw),
	T_CASE(movsb),
	T_CASE(movsw),
	T_CASE(movsl),
	T_CASE(movnti),
};

static const struct t_case movbe_cases[] = {
	T_CASE(movbe_load),
	T_CASE(movbe_store),
};

/* rip reads as the address of the next instruction */
static void check_rip(void)
{
	uint64_t got, want;

	__asm__ volatile("movq 0x80, %0\n1:\n\tleaq 1b(%%rip), %1"
			 : "=&r"(got), "=r"(want));
	t_expect("mov from [0x80] (rip)", got, want);
}

/* rflags reads as the live flags; a write sets the user-modifiable ones */
static void check_rflags(void)
{
	uint64_t got, want, after;

	__asm__ volatile("stc\n\tmovq 0x88, %0\n\tpushfq\n\tpopq %1"
			 : "=&r"(got), "=r"(want) : : "cc");
	t_expect("mov from [0x88] (rflags) after stc", got, want);
	__asm__ volatile("clc\n\tmovq $0x2c3, 0x88\n\tpushfq\n\tpopq %0"
			 : "=r"(after) : : "cc");
	t_expect("mov to [0x88]: CF ZF SF set", after & 0x8d5, 0xc1);
}

/* a write to [0x20] moves the stack pointer */
static void check_rsp(void)
{
	uint64_t before, after;

	__asm__ volatile(
		"movq %%rsp, %0\n\t"
		"leaq -256(%%rsp), %%rax\n\t"
		"movq %%rax, 0x20\n\t"		/* rsp -= 256 through the map */
		"movq %%rsp, %1\n\t"
		"movq %0, %%rsp"		/* put it back */
		: "=&r"(before), "=&r"(after) : : "rax", "memory");
	t_expect("mov to [0x20] (rsp)", after, before - 256);
}

/* a write to [0x80] jumps */
static void check_rip_write(void)
{
	uint64_t skipped = 1;

	__asm__ volatile(
		"leaq 1f(%%rip), %%rax\n\t"
		"movq %%rax, 0x80\n\t"
		"movq $0, %0\n"			/* jumped over */
		"1:"
		: "+r"(skipped) : : "rax", "memory");
	t_expect("mov to [0x80] (rip) jumps", skipped, 1);
}

/*
 * gs: adds the gs base: with the base set to G, gs:[rcx] with rcx = 0x10 - G
 * is the map's rdx.  (gs, unlike fs, is not glibc's thread pointer.)
 */
static void check_gs(void)
{
	const uint64_t base = 0x5eed00001000ull;
	uint64_t old, got = 0;

	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &old) ||
	    syscall(SYS_arch_prctl, ARCH_SET_GS, base)) {
		t_skip("gs", "arch_prctl() cannot set the gs base here");
		return;
	}
	__asm__ volatile("movq %%gs:(%%rcx), %0" : "=r"(got) : "c"(0x10 - base), "d"(0x6565ull));
	syscall(SYS_arch_prctl, ARCH_SET_GS, old);
	t_expect("mov from gs:[rcx] = [0x10] (rdx)", got, 0x6565);
}

int main(void)
{
	unsigned a, b, c, d;

	t_run_cases("mov", cases, sizeof(cases) / sizeof(cases[0]), 32);
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_MOVBE))
		t_run_cases("movbe", movbe_cases, 2, 32);
	else
		t_skip("movbe", "this CPU has no MOVBE");
	check_rip();
	check_rflags();
	check_rsp();
	check_rip_write();
	check_gs();
	return t_done("t_mov");
}
