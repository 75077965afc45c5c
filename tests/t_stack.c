/*
 * t_stack: PUSH, POP, CALL and JMP with a map operand.  The stack itself
 * is real memory; push [0x20] pushes the old rsp, pop [0x20] leaves the
 * popped value in rsp, call/jmp [0x80] see rip as the next instruction.
 * Exit status 0 when the results equal the CPU's (t_harness.h).
 */
#include <stdint.h>
#include <stdio.h>

#include "t_harness.h"

T_INSN(push_q, "pushq 0x8(%%r8)\n\tpopq %%rsi")
T_INSN(push_w, "pushw 0x11(%%r8)\n\tpopw %%si")
T_INSN(push_straddle, "pushq 0x14(%%r8)\n\tpopq %%rdi")
T_INSN(pop_q, "pushq %%rdx\n\tpopq 0x8(%%r8)")
T_INSN(pop_straddle, "pushq %%rsi\n\tpopq 0xc(%%r8)")
T_INSN(pop_w, "pushw %%dx\n\tpopw 0x3a(%%r8)")
T_INSN(call_m, "callq *0x8(%%r8)\n\tud2\n"
	       "t_call_target:\n\tpopq %%rsi\n\t"
	       "leaq t_call_target(%%rip), %%rdx\n\tsubq %%rdx, %%rsi")
T_INSN(jmp_m, "jmpq *0x10(%%r8)\n\tmovq $1, %%rsi\nt_jmp_target:")

/* the targets are labels in the asm above; the image must hold them too */
extern const char t_call_target[], t_jmp_target[];

static void prep_call(struct t_regs *in)
{
	in->r[1] = (uint64_t)(uintptr_t)t_call_target;
}

static void prep_jmp(struct t_regs *in)
{
	in->r[2] = (uint64_t)(uintptr_t)t_jmp_target;
}

static const struct t_case cases[] = {
	T_CASE(push_q), T_CASE(push_w), T_CASE(push_straddle), T_CASE(pop_q),
	T_CASE(pop_straddle), T_CASE(pop_w), T_CASE_PREP(call_m, prep_call), T_CASE_PREP(jmp_m, prep_jmp),
};

/* the asm below moves rsp: step over the compiler's red zone first */
#define SAFE(text) "lea -128(%%rsp), %%rsp\n\t" text "\n\tlea 128(%%rsp), %%rsp"

static void check_specials(void)
{
	uint64_t a, b, fl;

	__asm__ volatile(SAFE("movq %%rsp, %0\n\tpushq 0x20\n\tpopq %1")
			 : "=&r"(a), "=&r"(b) : : "memory");
	t_expect("push [0x20] pushes the old rsp", b, a);

	__asm__ volatile(SAFE("movq %%rsp, %%rbx\n\t"
			      "leaq -64(%%rsp), %0\n\t"
			      "pushq %0\n\t"
			      "popq 0x20\n\t"		/* rsp = the popped value */
			      "movq %%rsp, %1\n\t"
			      "movq %%rbx, %%rsp")
			 : "=&r"(a), "=&r"(b) : : "rbx", "memory");
	t_expect("pop [0x20] leaves the popped value in rsp", b, a);

	__asm__ volatile(SAFE("callq *0x80\n1:\tpopq %0\n\tleaq 1b(%%rip), %1")
			 : "=&r"(a), "=&r"(b) : : "memory");
	t_expect("call [0x80] pushes and jumps to the next instruction", a, b);

	__asm__ volatile(SAFE("movq $0, %0\n\tjmpq *0x80\n\tmovq $1, %0")
			 : "=&r"(a) : : "memory");
	t_expect("jmp [0x80] goes to the next instruction", a, 1);

	__asm__ volatile(SAFE("stc\n\tpushq 0x88\n\tpopq %0\n\tpushfq\n\tpopq %1")
			 : "=&r"(a), "=&r"(b) : : "cc", "memory");
	t_expect("push [0x88] pushes rflags", a, b);

	__asm__ volatile(SAFE("clc\n\tpushq $0x2c3\n\tpopq 0x88\n\tpushfq\n\tpopq %0")
			 : "=&r"(fl) : : "cc", "memory");
	t_expect("pop [0x88] sets CF ZF SF", fl & 0x8d5, 0xc1);
}

int main(void)
{
	t_run_cases("stack", cases, sizeof(cases) / sizeof(cases[0]), 24);
	check_specials();
	return t_done("t_stack");
}
