/*
 * t_x87_fip: after an x87 load from the map, fnstenv shows the x87
 * instruction pointer, data pointer and opcode as the CPU would keep
 * them for that instruction: the fld's own address, the map address
 * (0x8) and its opcode.  What the CPU keeps comes from the same load run
 * natively from real memory right before: where the CPU keeps a field,
 * the map's must be the map instruction's (AMD keeps all three although
 * its XSAVE saves them only with an exception pending).
 *
 * On AMD the kernel's save of the state at a context switch loses all
 * three (regmap(7)), natively as under regmap, so one measurement of
 * either side can show zeros where the CPU keeps them: a field counts as
 * kept if any of TRIALS native runs shows it, and the map run is tried up
 * to TRIALS times for one in which every field is right.  A loss only
 * ever gives zeros, never another instruction's values.
 */
#define _GNU_SOURCE
#include <stdbool.h>
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

#define TRIALS	20

static const double one = 1.0;

/* fld qword [rax]: dd 00, FOP 0x500; *at: its address */
static void fld_native(struct x87_env *e, uint64_t *at)
{
	__asm__ volatile("fninit\n\t"
			 "lea 1f(%%rip), %1\n"
			 "1:\tfldl (%2)\n\t"
			 "fnstenv %0\n\t"
			 "fninit"
			 : "=m"(*e), "=&r"(*at) : "a"(&one) : "memory");
}

/* fld qword [0x8] (rcx's bits, 1.0): dd 04 25 08 00 00 00, FOP 0x504 */
static void fld_map(struct x87_env *e, uint64_t *at)
{
	uint64_t rcx = 0x3ff0000000000000ull;

	__asm__ volatile("fninit\n\t"
			 "lea 1f(%%rip), %1\n"
			 "1:\tfldl 0x8\n\t"
			 "fnstenv %0\n\t"
			 "fninit"
			 : "=m"(*e), "=&r"(*at) : "c"(rcx) : "memory");
}

static unsigned fop(const struct x87_env *e)
{
	return e->fop_fcs >> 16 & 0x7ff;
}

int main(void)
{
	struct x87_env nat, map;
	uint64_t at_nat, at_map;
	bool keep_fip = false, keep_fdp = false, keep_fop = false, right = false;
	unsigned trials;

	for (unsigned i = 0; i < TRIALS; i++) {
		fld_native(&nat, &at_nat);
		keep_fip |= nat.fip == (uint32_t)at_nat;
		keep_fdp |= nat.fdp == (uint32_t)(uintptr_t)&one;
		keep_fop |= fop(&nat) == 0x500;
	}
	printf("native: fip %s, fdp %s, fop %s (in %d runs)\n",
	       keep_fip ? "the fld" : "not the fld", keep_fdp ? "its operand" : "not its operand",
	       keep_fop ? "0x500" : "not the fld's", TRIALS);
	/* where the CPU does not keep a field, the map's is as the last native run's */
	for (trials = 1; trials <= TRIALS && !right; trials++) {
		fld_map(&map, &at_map);
		right = map.fip == (keep_fip ? (uint32_t)at_map : nat.fip) &&
			(!keep_fdp || map.fdp == 8) &&
			fop(&map) == (keep_fop ? 0x504 : fop(&nat));
	}
	printf("map: %u run%s\n", trials - 1, trials > 2 ? "s (the others lost to a context switch)" : "");
	if (keep_fip)
		expect("map fip", map.fip, (uint32_t)at_map);
	else
		expect("map fip (as native)", map.fip, nat.fip);
	if (keep_fdp)
		expect("map fdp", map.fdp, 8);
	if (keep_fop)
		expect("map fop", fop(&map), 0x504);
	else
		expect("map fop (as native)", fop(&map), fop(&nat));
	printf("t_x87_fip: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}
