/*
 * t_world: a target for stopping the world again and again
 * (tests/world_stress.c): 6 threads use the map without pause, each
 * starts and joins short-lived threads that use the map too, and signals
 * whose handler uses the map arrive all along.
 *
 * Every map access is checked: an addition through the map (which would
 * come out wrong if it were emulated twice or not at all) and a round
 * trip through rbx with a value of the thread's own.  At the end it
 * prints "map instructions N", the exact number of map instructions it
 * executed, which the supervisor must have emulated, no more, no fewer.
 * Exit status 0 when every result was right.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "t_map.h"

#define NWORKERS	6
#define ROUNDS		3000	/* per worker: an addition and a round trip (3 instructions) */
#define SPAWN_EVERY	100	/* a short-lived thread every that many rounds */
#define CHILD_ROUNDS	20
#define SIGNAL_EVERY	250	/* a SIGUSR1 to itself every that many rounds */

static atomic_ullong instructions, wrong, handled;

static void count(uint64_t n)
{
	atomic_fetch_add(&instructions, n);
}

/* n rounds with values of id's own: 3 map instructions each */
static void rounds(uint64_t id, unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t v = id << 40 | i;

		sum = t_map_add(sum, v);
		if (t_map_roundtrip(v) != v)
			wrong++;
		count(3);
		if (sum != (uint64_t)(i + 1) * (id << 40) + (uint64_t)i * (i + 1) / 2) {
			wrong++;
			sum = (uint64_t)(i + 1) * (id << 40) + (uint64_t)i * (i + 1) / 2;
		}
	}
}

static void on_usr1(int sig)
{
	(void)sig;
	if (t_map_roundtrip(0x5151) != 0x5151)
		wrong++;
	count(2);
	handled++;
}

static void *child(void *arg)
{
	rounds((uintptr_t)arg, CHILD_ROUNDS);
	return NULL;
}

static void *worker(void *arg)
{
	uint64_t id = (uintptr_t)arg;

	for (unsigned r = 0; r < ROUNDS; r++) {
		rounds(id, 1);
		if (r % SPAWN_EVERY == 0) {
			pthread_t c;

			if (pthread_create(&c, NULL, child, (void *)(uintptr_t)(id * 1000 + r)) ||
			    pthread_join(c, NULL))
				wrong++;
		}
		if (r % SIGNAL_EVERY == 0)
			syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	}
	return NULL;
}

int main(void)
{
	pthread_t w[NWORKERS];
	struct sigaction sa = { .sa_handler = on_usr1 };
	unsigned signals = NWORKERS * ((ROUNDS + SIGNAL_EVERY - 1) / SIGNAL_EVERY);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (uintptr_t i = 0; i < NWORKERS; i++)
		if (pthread_create(&w[i], NULL, worker, (void *)(i + 1))) {
			printf("t_world: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);
	if (handled != signals) {
		printf("t_world: %llu of %u signals handled\n", (unsigned long long)handled,
		       signals);
		wrong++;
	}
	printf("map instructions %llu\n", (unsigned long long)instructions);
	printf("t_world: %s\n", wrong ? "FAILED" : "ok");
	return wrong ? 1 : 0;
}
