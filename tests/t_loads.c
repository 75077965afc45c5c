/*
 * t_loads [N]: N (default 100000) loads from the map, each checked
 * against the register it reads; prints the time per load, which is the
 * cost of one emulated access (the native load is under a nanosecond).
 * Exit status 0 when every load was right.  No timing is asserted.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char *argv[])
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	uint64_t wrong = 0;
	struct timespec t0, t1;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		uint64_t got, want = (uint64_t)i * 0x10001;

		__asm__ volatile("movq 0x10, %0" : "=r"(got) : "d"(want));
		wrong += got != want;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("t_loads: %ld map loads, %" PRIu64 " wrong, %.0f ns per load\n",
	       n, wrong, n ? ns / n : 0);
	return wrong ? 1 : 0;
}
