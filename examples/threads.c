/*
 * threads.c: every thread has its own registers, so every thread has its
 * own register map.
 *
 *	regmap-run ./examples/threads
 *
 * Each thread writes a value of its own into rbx through the map (slot
 * 0x18) and reads it back, through the map and from rbx itself, many
 * times while the other threads do the same with other values.  See
 * calc.c for why the map is only touched from inline assembly.
 *
 * Exit status 0 when no thread ever saw another thread's value.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS	4
#define ROUNDS		10000

struct worker {
	pthread_t thread;
	uint64_t id;
	uint64_t wrong;		/* rounds that saw a value that was not ours */
	uint64_t stack_in_map;	/* rsp as read through the map */
	uint64_t stack_real;	/* rsp as the thread knows it */
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (uint64_t i = 0; i < ROUNDS; i++) {
		uint64_t want = w->id << 32 | i, via_map, via_reg;

		__asm__ volatile(
			"movq %[v], 0x18\n\t"		/* rbx = want, through the map */
			"movq 0x18, %[m]\n\t"		/* read it back through the map */
			"movq %%rbx, %[r]"		/* and from the register itself */
			: [m] "=&r"(via_map), [r] "=&r"(via_reg)
			: [v] "r"(want)
			: "rbx", "memory");
		w->wrong += via_map != want || via_reg != want;
	}
	__asm__ volatile("movq 0x20, %0\n\tmovq %%rsp, %1"
			 : "=&r"(w->stack_in_map), "=r"(w->stack_real));
	return NULL;
}

int main(void)
{
	struct worker w[NTHREADS];
	int failures = 0;

	for (int i = 0; i < NTHREADS; i++) {
		w[i].id = i + 1;
		w[i].wrong = 0;
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			perror("threads: pthread_create");
			return 1;
		}
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].thread, NULL);
		printf("threads: thread %d: %" PRIu64 " wrong values in %d rounds, "
		       "rsp through the map %s\n", i + 1, w[i].wrong, ROUNDS,
		       w[i].stack_in_map == w[i].stack_real ? "is its own" : "IS NOT ITS OWN");
		failures += w[i].wrong != 0 || w[i].stack_in_map != w[i].stack_real;
	}
	printf("threads: %s\n", failures ? "FAILED" : "every thread saw only its own registers");
	return failures ? 1 : 0;
}
