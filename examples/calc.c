/*
 * calc.c: arithmetic and jumps through the register map, from C.
 *
 *	regmap-run ./examples/calc
 *
 * How to touch the map from C.  To the C language, address 0x10 is no
 * object, so "*(uint64_t *)0x10" is undefined behaviour and the compiler
 * may assume it never happens: GCC turns such accesses into traps, drops
 * code after them, or deletes checks it thinks they imply.  Two ways
 * around that, both used below:
 *
 *   - inline assembly that names the map address in the instruction
 *     itself ("addq %rdx, 0x0" adds rdx to rax), with the registers it
 *     reads and writes given as asm operands, so the compiler knows;
 *   - for reads only, a volatile pointer built from an integer that the
 *     compiler cannot see through (map_read()).
 *
 * The Makefile also compiles this with -fno-delete-null-pointer-checks,
 * which tells GCC that address 0 may be valid.  Writing a register from
 * plain C is never safe: the compiler keeps its own values in registers.
 *
 * Exit status 0 when every result equals the one computed in plain C.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* Read the map slot at off (0x00 rax ... 0x80 rip, 0x88 rflags). */
static inline __attribute__((always_inline)) uint64_t map_read(uintptr_t off)
{
	volatile uint64_t *p = (volatile uint64_t *)off;

	__asm__("" : "+r"(p));	/* hide the constant from the optimiser */
	return *p;
}

/* a + b: rax = a, then "add rdx to the map slot of rax" */
static uint64_t map_add(uint64_t a, uint64_t b)
{
	__asm__ volatile("addq %%rdx, 0x0" : "+a"(a) : "d"(b) : "cc");
	return a;
}

/* a - b, the same way */
static uint64_t map_sub(uint64_t a, uint64_t b)
{
	__asm__ volatile("subq %%rdx, 0x0" : "+a"(a) : "d"(b) : "cc");
	return a;
}

/* a * b: multiply rax by rdx read from the map slot of rdx */
static uint64_t map_mul(uint64_t a, uint64_t b)
{
	__asm__ volatile("imulq 0x10, %%rax" : "+a"(a) : "d"(b) : "cc");
	return a;
}

/* a / b and a % b: divide rdx:rax by rcx read from its map slot */
static uint64_t map_divmod(uint64_t a, uint64_t b, uint64_t *rem)
{
	uint64_t hi = 0;

	__asm__ volatile("divq 0x8" : "+a"(a), "+d"(hi) : "c"(b) : "cc");
	*rem = hi;
	return a;
}

/*
 * a + b if add is true, a - b otherwise, choosing the code to run by
 * writing its address to the map slot of rip: a jump through the map.
 */
static uint64_t map_branch(uint64_t a, uint64_t b, int add)
{
	uint64_t take_add = add;

	__asm__ volatile(
		"leaq 2f(%%rip), %%rcx\n\t"
		"leaq 3f(%%rip), %%rsi\n\t"
		"testq %[add], %[add]\n\t"
		"cmovzq %%rsi, %%rcx\n\t"
		"movq %%rcx, 0x80\n\t"		/* rip = rcx: jump to 2 or 3 */
		"ud2\n"				/* never reached */
		"2:\n\t"
		"addq %%rdx, 0x0\n\t"
		"jmp 4f\n"
		"3:\n\t"
		"subq %%rdx, 0x0\n"
		"4:"
		: "+a"(a)
		: "d"(b), [add] "r"(take_add)
		: "rcx", "rsi", "cc", "memory");
	return a;
}

static int failures;

static void check(const char *what, uint64_t got, uint64_t want)
{
	printf("  %-28s = %" PRIu64 "%s\n", what, got, got == want ? "" : "   WRONG");
	if (got != want) {
		printf("    expected %" PRIu64 "\n", want);
		failures++;
	}
}

int main(void)
{
	uint64_t x, rem, q, sp_map, sp_real;
	char what[64];

	printf("calc: arithmetic through the register map\n");
	for (x = 0; x < 5; x++) {
		/* 3x^2 + 2x + 1, every operation on the map */
		uint64_t p = map_add(map_add(map_mul(map_mul(x, x), 3), map_mul(x, 2)), 1);

		snprintf(what, sizeof(what), "3*%" PRIu64 "^2 + 2*%" PRIu64 " + 1", x, x);
		check(what, p, 3 * x * x + 2 * x + 1);
	}
	check("1000 - 1", map_sub(1000, 1), 999);
	q = map_divmod(1000003, 97, &rem);
	check("1000003 / 97", q, 1000003 / 97);
	check("1000003 % 97", rem, 1000003 % 97);

	printf("calc: jumps through rip (map slot 0x80)\n");
	check("branch to add: 40 + 2", map_branch(40, 2, 1), 42);
	check("branch to sub: 40 - 2", map_branch(40, 2, 0), 38);

	/* the map's rsp slot is the live stack pointer */
	__asm__ volatile("movq %%rsp, %0" : "=r"(sp_real));
	sp_map = map_read(0x20);
	printf("calc: rsp read through the map: 0x%" PRIx64 " (%s)\n", sp_map,
	       sp_map == sp_real ? "matches" : "DIFFERS");
	failures += sp_map != sp_real;

	printf("calc: %s\n", failures ? "FAILED" : "all results correct");
	return failures ? 1 : 0;
}
