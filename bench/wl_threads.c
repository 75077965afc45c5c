/*
 * wl_threads.c: BENCH_THREADS threads doing map loads at once.
 *
 * Each thread warms up on its own, waits at a barrier with the others,
 * then runs the load loop; the measured time runs from the first
 * thread's start to the last thread's end, so it is the wall time of
 * BENCH_THREADS * n accesses however the threads were placed.
 * With kind 2 the threads compute without touching the map: what CPU
 * placement costs a parallel program that rarely uses the map.
 */
#include <pthread.h>
#include <stdint.h>

#include "bench.h"

struct bench_thread {
	pthread_t thread;
	pthread_barrier_t *go;
	uint64_t n, warmup;
	int kind;
	int ok;
	uint64_t start, end;
};

/* kind: 0 native loads, 1 map loads, 2 CPU-bound with no map access */
static uint64_t run_kind(int kind, uint64_t n)
{
	switch (kind) {
	case 0:
		return bench_loads_native(n);
	case 1:
		return bench_loads_map(n);
	}
	bench_zero(n);
	return n * (n + 1) / 2;
}

static void *bench_thread_main(void *arg)
{
	struct bench_thread *t = arg;
	uint64_t sum;

	t->ok = run_kind(t->kind, t->warmup) == t->warmup * (t->warmup + 1) / 2;
	pthread_barrier_wait(t->go);
	t->start = bench_now_ns();
	sum = run_kind(t->kind, t->n);
	t->end = bench_now_ns();
	t->ok &= sum == t->n * (t->n + 1) / 2;
	return NULL;
}

/* Returns 0, or -1 if a thread could not start or computed a wrong sum. */
int bench_threads(uint64_t n, int kind, uint64_t warmup, uint64_t *ns)
{
	struct bench_thread t[BENCH_THREADS];
	pthread_barrier_t go;
	uint64_t first = UINT64_MAX, last = 0;
	int i, ret = 0;

	if (pthread_barrier_init(&go, NULL, BENCH_THREADS))
		return -1;
	for (i = 0; i < BENCH_THREADS; i++) {
		t[i] = (struct bench_thread){ .go = &go, .n = n, .warmup = warmup, .kind = kind };
		if (pthread_create(&t[i].thread, NULL, bench_thread_main, &t[i]))
			return -1;	/* the barrier never opens: exit() ends it */
	}
	for (i = 0; i < BENCH_THREADS; i++) {
		pthread_join(t[i].thread, NULL);
		if (!t[i].ok)
			ret = -1;
		if (t[i].start < first)
			first = t[i].start;
		if (t[i].end > last)
			last = t[i].end;
	}
	pthread_barrier_destroy(&go);
	*ns = last - first;
	return ret;
}
