/*
 * t_sigstorm: signals arriving while the thread is stopped for map
 * accesses must all be delivered.
 *
 *   - a 50 us interval timer sends SIGALRM all the time (a storm);
 *   - a second thread sends SIGUSR1 to the main thread N times, each time
 *     waiting until the handler has counted it (a lost signal stalls);
 *   - it also queues N real-time signals with values 1..N (these queue,
 *     so count and sum must be exact).
 * The main thread does map accesses all along and checks each one; the
 * handlers use the map too.  Exit status 0 when nothing was lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "t_map.h"

#define N	2000

static atomic_uint usr1_count, rt_count, alarm_count, handler_wrong;
static atomic_ullong rt_sum;
static atomic_int sender_done;
static pthread_t main_thread;
static const char *failure;

static void on_usr1(int sig)
{
	(void)sig;
	if (t_map_roundtrip(0x5151) != 0x5151)
		handler_wrong++;
	usr1_count++;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarm_count++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (t_map_add(si->si_value.sival_int, 0) != (uint64_t)si->si_value.sival_int)
		handler_wrong++;
	rt_sum += si->si_value.sival_int;
	rt_count++;
}

static int wait_until(atomic_uint *v, unsigned at_least)
{
	time_t deadline = time(NULL) + 30;

	while (*v < at_least)
		if (time(NULL) > deadline)
			return -1;
	return 0;
}

static void *sender(void *arg)
{
	(void)arg;
	for (unsigned i = 1; i <= N && !failure; i++) {
		union sigval v = { .sival_int = (int)i };

		pthread_kill(main_thread, SIGUSR1);
		if (wait_until(&usr1_count, i))
			failure = "a SIGUSR1 was lost";
		while (pthread_sigqueue(main_thread, SIGRTMIN, v) && errno == EAGAIN)
			;	/* the queue is full: let the handler catch up */
	}
	if (!failure && wait_until(&rt_count, N))
		failure = "a real-time signal was lost";
	sender_done = 1;
	return NULL;
}

int main(void)
{
	struct itimerval storm = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	pthread_t t;
	uint64_t accesses = 0, wrong = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);

	/* only the main thread takes the signals */
	main_thread = pthread_self();
	{
		sigset_t block;

		sigemptyset(&block);
		sigaddset(&block, SIGALRM);
		pthread_sigmask(SIG_BLOCK, &block, NULL);
		if (pthread_create(&t, NULL, sender, NULL)) {
			printf("FAIL pthread_create\n");
			return 1;
		}
		pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	}
	setitimer(ITIMER_REAL, &storm, NULL);
	while (!sender_done) {
		uint64_t v = accesses * 0x9e3779b97f4a7c15ull;

		wrong += t_map_roundtrip(v) != v;
		accesses += 2;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_join(t, NULL);

	printf("t_sigstorm: %" PRIu64 " map accesses, %u SIGALRM, %u SIGUSR1, %u SIGRTMIN\n",
	       accesses, alarm_count, usr1_count, rt_count);
	if (failure)
		printf("FAIL %s\n", failure);
	if (wrong || handler_wrong)
		printf("FAIL %" PRIu64 " wrong map values in the loop, %u in handlers\n",
		       wrong, handler_wrong);
	if (rt_count != N || rt_sum != (uint64_t)N * (N + 1) / 2)
		printf("FAIL real-time signals: %u received (sum %llu), expected %d (sum %llu)\n",
		       rt_count, (unsigned long long)rt_sum, N,
		       (unsigned long long)N * (N + 1) / 2);
	if (!alarm_count)
		printf("FAIL the timer's SIGALRM never arrived\n");
	return failure || wrong || handler_wrong || rt_count != N ||
	       rt_sum != (uint64_t)N * (N + 1) / 2 || !alarm_count ? 1 : 0;
}
