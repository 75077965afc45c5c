/*
 * t_threads: 8 threads, each doing 100,000 map accesses with values of
 * its own; every thread must only ever see its own registers.
 * Exit status 0 on success.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "t_map.h"

#define NTHREADS	8
#define ACCESSES	100000	/* per thread: a write and a read per round */

static uint64_t wrong[NTHREADS];

static void *work(void *arg)
{
	uint64_t id = (uintptr_t)arg;

	for (uint64_t i = 0; i < ACCESSES / 2; i++) {
		uint64_t want = (id + 1) << 48 | i;

		wrong[id] += t_map_roundtrip(want) != want;
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	uint64_t total = 0;

	for (uintptr_t i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i)) {
			printf("t_threads: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		total += wrong[i];
		if (wrong[i])
			printf("FAIL thread %d saw %" PRIu64 " wrong values\n", i, wrong[i]);
	}
	printf("t_threads: %d threads x %d accesses: %s\n", NTHREADS, ACCESSES,
	       total ? "FAILED" : "ok");
	return total ? 1 : 0;
}
