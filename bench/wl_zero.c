/*
 * wl_zero.c: a CPU-bound program that never touches the map, for the
 * cost regmap-run adds when there is nothing to emulate (start-up,
 * ptrace's hooks, CPU placement).
 *
 * A xorshift generator with a data dependency through every step, so
 * the compiler cannot shorten the loop.
 */
#include <stdint.h>

#include "bench.h"

uint64_t bench_zero(uint64_t n)
{
	uint64_t x = 88172645463325252ull, acc = 0;

	while (n--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x >> 59;
	}
	return acc ^ x;
}
