/*
 * t_x87_fip: after an x87 load from the map, fnstenv shows the x87
 * instruction pointer, data pointer and opcode as the CPU would keep
 * them for that instruction: the fld's own address, the map address
 * (0x8) and its opcode.  What the CPU keeps comes from the same load run
 * natively from real memory right before: where the CPU keeps a field,
 * the map's must be the map instruction's (AMD keeps all three although
 * its XSAVE saves them only with an exception pending).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* FNSTENV's 28-byte environment (the 32-bit format, also in 64-bit mode) */
struct x87_env {
	uint32_t fcw, fsw, ftw, fip, fop_fcs, fdp, fds;
};

static int fails;

static void expect(const char *what, uint32_t got, uint32_t want)
{
	printf("%-20s %#x (want %#x)\n", what, got, want);
	if (got != want) {
		printf("FAIL %s\n", what);
		fails++;
	}
}

int main(void)
{
	static const double one = 1.0;
	struct x87_env nat, map;
	uint64_t at_nat, at_map, rcx = 0x3ff0000000000000ull;	/* 1.0 */
	unsigned nat_fop, map_fop;

	/* fld qword [rax]: dd 00, FOP 0x500 */
	__asm__ volatile("fninit\n\t"
			 "lea 1f(%%rip), %1\n"
			 "1:\tfldl (%2)\n\t"
			 "fnstenv %0\n\t"
			 "fninit"
			 : "=m"(nat), "=&r"(at_nat) : "a"(&one) : "memory");
	/* fld qword [0x8] (rcx's bits): dd 04 25 08 00 00 00, FOP 0x504 */
	__asm__ volatile("fninit\n\t"
			 "lea 1f(%%rip), %1\n"
			 "1:\tfldl 0x8\n\t"
			 "fnstenv %0\n\t"
			 "fninit"
			 : "=m"(map), "=&r"(at_map) : "c"(rcx) : "memory");
	nat_fop = nat.fop_fcs >> 16 & 0x7ff;
	map_fop = map.fop_fcs >> 16 & 0x7ff;

	printf("native: fip %s, fdp %s, fop %#x\n",
	       nat.fip == (uint32_t)at_nat ? "the fld" : "not the fld",
	       nat.fdp == (uint32_t)(uintptr_t)&one ? "its operand" : "not its operand", nat_fop);
	if (nat.fip == (uint32_t)at_nat)
		expect("map fip", map.fip, (uint32_t)at_map);
	else
		expect("map fip (as native)", map.fip, nat.fip);
	if (nat.fdp == (uint32_t)(uintptr_t)&one)
		expect("map fdp", map.fdp, 8);
	if (nat_fop == 0x500)
		expect("map fop", map_fop, 0x504);
	else
		expect("map fop (as native)", map_fop, nat_fop);
	printf("t_x87_fip: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}
