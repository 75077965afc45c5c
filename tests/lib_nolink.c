/*
 * lib_nolink.c: a dynamically linked program that uses the map but does
 * not link libregmap or call map_registers(): it works only when
 * something else serves the map (regmap-run, or regmap-run --in-process
 * preloading libregmap).  Prints "nolink: 42" and exits 0 if the map
 * gave the right answer.
 */
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	uint64_t v;

	/* r8 = 40 through the register, += 2 through the map, back through the register */
	__asm__ __volatile__("movq $40, %%r8\n\taddq $2, 0x40\n\tmovq %%r8, %0"
			     : "=r"(v) : : "r8", "cc");
	printf("nolink: %llu\n", (unsigned long long)v);
	return v == 42 ? 0 : 1;
}
