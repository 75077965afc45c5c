/*
 * t_nullptr: the register map is page 0, so a member of a null pointer
 * (p->b with p == NULL and b at offset 8) lands in it.  First a map
 * access at a constant address, which is the map in every mode
 * ("constant: ok"); then p->b through a null pointer, compiled as
 * [rdx+8] with rdx = 0.  With regmap's default addressing that is rcx,
 * set to 0x1234 around the load ("p->b = 0x1234", exit 0); with
 * --map-addressing=absolute (REGMAP_MAP_ADDRESSING=absolute in-process)
 * it is a real fault, as without regmap: the program dies of SIGSEGV.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "t_map.h"

struct pair {
	uint64_t a, b;
};

/* p->b, as the compiler emits it: the base register plus the member's offset */
__attribute__((noinline)) uint64_t load_b(const struct pair *p)
{
	uint64_t v;

	__asm__ volatile("movq %c2(%1), %0"
			 : "=a"(v) : "d"(p), "i"(offsetof(struct pair, b)), "c"(0x1234ull)
			 : "memory");
	return v;
}

int main(void)
{
	const struct pair *volatile p = NULL;

	if (t_map_roundtrip(42) != 42)
		return 3;
	printf("constant: ok\n");
	fflush(stdout);
	printf("p->b = 0x%" PRIx64 "\n", load_b(p));
	return 0;
}
