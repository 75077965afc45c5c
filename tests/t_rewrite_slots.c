/*
 * t_rewrite_slots: constant-address sites on the special slots and the
 * stack forms, which native-speed sites rewrite into their own shapes
 * (regmap(7)): reads and writes of rip (0x80), rsp (0x20) and rflags
 * (0x88), and PUSH, POP, CALL and JMP through the map.  Each runs five
 * times (the first traps, the others run natively) and must give what
 * regmap(7) says every time, checked against values the CPU gives
 * directly (lea of a label, mov from rsp, pushfq); then each site must be
 * rewritten ("on") or left alone ("off").
 *
 *	t_rewrite_slots on|off
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "t_harness.h"
#include "t_rewrite.h"

#define ROUNDS	5

/* a global label at the site, so the target can look at its bytes */
#define SITE_AT(name)	".globl t_site_" #name "\nt_site_" #name ":\n\t"
/* the red zone is the compiler's: the stack forms run below it */
#define BELOW		"lea -128(%%rsp), %%rsp\n\t"
#define BACK		"lea 128(%%rsp), %%rsp\n\t"

extern const unsigned char t_site_rip_read[], t_site_rip_hi[], t_site_rsp_read[],
	t_site_rsp_word[], t_site_rsp_low_write[], t_site_flags_read[], t_site_flags_write[],
	t_site_push_flags[], t_site_push_rip[], t_site_push_reg[], t_site_pop_reg[],
	t_site_push_odd[], t_site_pop_odd[], t_site_call_reg[], t_site_jmp_reg[],
	t_site_rip_write[], t_site_call_rip[], t_site_rip_add[];

static void check(const char *what, int round, uint64_t got, uint64_t want)
{
	char name[96];

	snprintf(name, sizeof(name), "%s (run %d)", what, round + 1);
	t_expect(name, got, want);
}

/* rip: the address of the next instruction, a constant of the site */
T_SITE_FN void rip_reads(int round)
{
	uint64_t got, want, hi, want_hi;

	__asm__ volatile("lea 1f(%%rip), %1\n\t" SITE_AT(rip_read) "movq 0x80, %0\n1:"
			 : "=r"(got), "=&r"(want));
	check("mov r64, [0x80]", round, got, want);
	__asm__ volatile("lea 1f(%%rip), %1\n\tshr $32, %1\n\t" SITE_AT(rip_hi)
			 "movl 0x84, %k0\n1:" : "=r"(hi), "=&r"(want_hi));
	check("mov r32, [0x84]", round, hi, want_hi);
}

/* rsp, as the instruction starts */
T_SITE_FN void rsp_forms(int round)
{
	uint64_t got, want;

	__asm__ volatile("mov %%rsp, %1\n\t" SITE_AT(rsp_read) "movq 0x20, %0"
			 : "=r"(got), "=&r"(want));
	check("mov r64, [0x20]", round, got, want);
	__asm__ volatile("mov %%rsp, %1\n\tshr $16, %1\n\tmovzwq %w1, %1\n\txor %0, %0\n\t"
			 SITE_AT(rsp_word) "movw 0x22, %w0" : "=&r"(got), "=&r"(want));
	check("mov r16, [0x22]", round, got, want);
	/* rsp's low half written through the map: 64 bytes lower, then back */
	__asm__ volatile(BELOW "mov %%rsp, %1\n\tsub $64, %1\n\tmov %1, %%rcx\n\t"
			 SITE_AT(rsp_low_write) "movl %%ecx, 0x20\n\t"
			 "mov %%rsp, %0\n\tlea 64(%%rsp), %%rsp\n\t" BACK
			 : "=&r"(got), "=&r"(want) : : "rcx", "memory");
	/* a borrow out of the low half is not the map's business: none here */
	if ((want >> 32) == ((want + 64) >> 32))
		check("mov [0x20], r32 (rsp - 64)", round, got, want);
}

/* rflags: what pushfq shows; written, the user bits change */
T_SITE_FN void flags_forms(int round)
{
	uint64_t got, want, set, after;
	/* CF PF ZF SF and OF on; TF, AC, ID, DF left alone */
	const uint64_t on = 0x8c5, user = 0x8d5;

	__asm__ volatile("stc\n\tpushfq\n\tpopq %1\n\t" SITE_AT(flags_read) "movq 0x88, %0"
			 : "=r"(got), "=&r"(want) : : "cc");
	check("mov r64, [0x88]", round, got, want);
	__asm__ volatile(BELOW "pushfq\n\tpopq %1\n\tmov %1, %%rdx\n\tand $~0x8d5, %%rdx\n\t"
			 "or %2, %%rdx\n\t" SITE_AT(flags_write) "movq %%rdx, 0x88\n\t"
			 "pushfq\n\tpopq %0\n\t" BACK
			 : "=&r"(after), "=&r"(set) : "r"(on) : "rdx", "cc", "memory");
	check("mov [0x88], r64", round, after, (set & ~user) | on);
	__asm__ volatile(BELOW "clc\n\tpushfq\n\tpopq %1\n\t" SITE_AT(push_flags) "pushq 0x88\n\t"
			 "popq %0\n\t" BACK : "=r"(got), "=&r"(want) : : "cc", "memory");
	check("push [0x88]", round, got, want);
}

/* PUSH and POP through the map: the stack is real memory */
T_SITE_FN void stack_forms(int round)
{
	uint64_t got, want, v = 0x1122334455667788ull + round;

	__asm__ volatile(BELOW "lea 1f(%%rip), %1\n\t" SITE_AT(push_rip) "pushq 0x80\n1:\t"
			 "popq %0\n\t" BACK : "=r"(got), "=&r"(want) : : "memory");
	check("push [0x80]", round, got, want);
	__asm__ volatile(BELOW "mov %1, %%rbx\n\t" SITE_AT(push_reg) "pushq 0x18\n\t"
			 "popq %0\n\t" BACK : "=r"(got) : "r"(v) : "rbx", "memory");
	check("push [0x18]", round, got, v);
	__asm__ volatile(BELOW "pushq %1\n\t" SITE_AT(pop_reg) "popq 0x18\n\tmov %%rbx, %0\n\t"
			 BACK : "=r"(got) : "r"(v) : "rbx", "memory");
	check("pop [0x18]", round, got, v);
	/* bytes 4..11: rax's top half and rcx's bottom half */
	__asm__ volatile(BELOW "mov %1, %%rax\n\tmov %2, %%rcx\n\t" SITE_AT(push_odd)
			 "pushq 0x04\n\tpopq %0\n\t" BACK
			 : "=r"(got) : "r"(v), "r"(~v) : "rax", "rcx", "memory");
	check("push [0x04]", round, got, (v >> 32) | (~v << 32));
	__asm__ volatile(BELOW "mov %2, %%rax\n\tmov %2, %%rcx\n\tpushq %3\n\t" SITE_AT(pop_odd)
			 "popq 0x04\n\tmov %%rax, %0\n\tmov %%rcx, %1\n\t" BACK
			 : "=r"(got), "=r"(want) : "r"(v), "r"(~v) : "rax", "rcx", "memory");
	check("pop [0x04] (rax)", round, got, (v & 0xffffffffull) | (~v << 32));
	check("pop [0x04] (rcx)", round, want, (v & ~0xffffffffull) | (~v >> 32));
}

/* CALL and JMP through the map, and writes of rip */
T_SITE_FN void jump_forms(int round)
{
	uint64_t got, want;

	/* call: the return address is the next instruction's */
	__asm__ volatile(BELOW "lea 2f(%%rip), %%rdx\n\tlea 1f(%%rip), %1\n\t"
			 SITE_AT(call_reg) "call *0x10\n1:\tud2\n2:\tpopq %0\n\t" BACK
			 : "=r"(got), "=&r"(want) : : "rdx", "memory");
	check("call [0x10]", round, got, want);
	__asm__ volatile("lea 2f(%%rip), %%rdx\n\tmov $1, %0\n\t" SITE_AT(jmp_reg)
			 "jmp *0x10\n\tmov $0, %0\n2:" : "=&r"(got) : : "rdx");
	check("jmp [0x10]", round, got, 1);
	__asm__ volatile("lea 2f(%%rip), %%rdx\n\tmov $1, %0\n\t" SITE_AT(rip_write)
			 "movq %%rdx, 0x80\n\tmov $0, %0\n2:" : "=&r"(got) : : "rdx");
	check("mov [0x80], r64", round, got, 1);
	__asm__ volatile(BELOW "lea 1f(%%rip), %1\n\t" SITE_AT(call_rip) "call *0x80\n1:\t"
			 "popq %0\n\t" BACK : "=r"(got), "=&r"(want) : : "memory");
	check("call [0x80]", round, got, want);
	/* rip + 4: over the two ud2 that follow */
	__asm__ volatile("mov $0, %0\n\t" SITE_AT(rip_add) "addq $4, 0x80\n\t"
			 "ud2\n\tud2\n\tmov $1, %0" : "=&r"(got) : : "cc");
	check("add [0x80], 4", round, got, 1);
}

#define SITE(fn, want) { #fn, t_site_##fn, want, { 0 } }

static struct t_site sites[] = {
	SITE(rip_read, T_RW_INPLACE), SITE(rip_hi, T_RW_INPLACE), SITE(rsp_read, T_RW_INPLACE),
	SITE(rsp_word, T_RW_STUB), SITE(rsp_low_write, T_RW_STUB),
	SITE(flags_read, T_RW_STUB), SITE(flags_write, T_RW_STUB),
	SITE(push_flags, T_RW_INPLACE), SITE(push_rip, T_RW_INPLACE),
	SITE(push_reg, T_RW_INPLACE), SITE(pop_reg, T_RW_INPLACE),
	SITE(push_odd, T_RW_STUB), SITE(pop_odd, T_RW_STUB),
	SITE(call_reg, T_RW_INPLACE), SITE(jmp_reg, T_RW_INPLACE),
	SITE(rip_write, T_RW_ANY), SITE(call_rip, T_RW_INPLACE), SITE(rip_add, T_RW_STUB),
};

int main(int argc, char **argv)
{
	int on = t_rw_mode(argc, argv);
	unsigned n = sizeof(sites) / sizeof(sites[0]);

	if (on < 0)
		return 2;
	t_sites_save(sites, n);
	for (int round = 0; round < ROUNDS; round++) {
		rip_reads(round);
		rsp_forms(round);
		flags_forms(round);
		stack_forms(round);
		jump_forms(round);
	}
	t_failures += t_sites_check(sites, n, on);
	return t_done("rewrite slots");
}
