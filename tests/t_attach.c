/*
 * Target for tests/run_attach.sh: a program that runs before regmap-run
 * attaches to it, with files in DIR as the hand-shake.
 *
 *   t_attach serve DIR    DIR/ready; wait for DIR/go; 1000 map round
 *                         trips (checked); DIR/served; wait for
 *                         DIR/fault, then one more map access, which must
 *                         now fault (caught): DIR/faulted, exit 0.
 *   t_attach rewritten DIR  DIR/ready; wait for DIR/go; 1000 map round
 *                         trips (checked); DIR/served; wait for
 *                         DIR/detached, then 1000 more through the same
 *                         instructions, which regmap-run rewrote into
 *                         native code while attached: they must be right
 *                         without it (a fault kills the target).
 *   t_attach threads DIR  keep creating threads (DIR/ready after the
 *                         first ones) until DIR/go appears: threads are
 *                         being created while regmap-run attaches.  Then
 *                         every thread, old and new, uses the map; exit 0
 *                         if all of them got their own registers back.
 *   t_attach signals DIR  DIR/ready; wait for DIR/go; then map round
 *                         trips without pause until one faults (the
 *                         detach), while a second thread sends the main
 *                         thread NSIG_SENT queued real-time signals
 *                         (DIR/sending once it has started): none may be
 *                         lost or doubled by the detach.
 *   t_attach idle DIR     three more threads; DIR/ready; wait for
 *                         DIR/quit; exit 0.
 *   t_attach forks DIR    DIR/ready; wait for DIR/go; fork two children,
 *                         each makes one map round trip (checked; the
 *                         second starts a thread first) and DIR/childN;
 *                         then DIR/forked; all wait for DIR/quit; exit 0
 *                         if every child did.
 *   t_attach zombie DIR   fork a child that exits at once and is never
 *                         reaped; DIR/zpid holds its pid; wait for DIR/quit.
 *
 * Exit codes: 0 ok, 2 usage, 3 a map access gave a wrong value, 4 an
 * access did not fault after the detach, 5 threads failed, 6 signals
 * lost or doubled.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_map.h"

#define MAX_THREADS	48

#define NSIG_SENT	3000

static const char *dir;
static sigjmp_buf env;
static atomic_int go, bad;
static volatile sig_atomic_t received;
static pthread_t main_thread;

static void path_of(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void touch(const char *name)
{
	char p[4096];
	FILE *f;

	path_of(name, p, sizeof(p));
	f = fopen(p, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
}

static int exists(const char *name)
{
	char p[4096];

	path_of(name, p, sizeof(p));
	return access(p, F_OK) == 0;
}

static void nap(void)
{
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
}

static void wait_for(const char *name)
{
	while (!exists(name))
		nap();
}

/* one copy of its map sites for every caller (t_attach rewritten runs them twice) */
static __attribute__((noinline)) int roundtrips(int n, uint64_t seed)
{
	for (int i = 0; i < n; i++) {
		uint64_t v = seed * 1000003u + i;

		if (t_map_roundtrip(v) != v || t_map_add(v, 7) != v + 7)
			return 3;
	}
	return 0;
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

static int serve(void)
{
	struct sigaction sa;
	int ret;

	touch("ready");
	wait_for("go");
	ret = roundtrips(1000, 1);
	if (ret)
		return ret;
	touch("served");
	wait_for("fault");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(env, 1) == 0) {
		t_map_roundtrip(42);
		return 4;	/* still served: nobody detached */
	}
	touch("faulted");
	return 0;
}

static int rewritten(void)
{
	int ret;

	touch("ready");
	wait_for("go");
	ret = roundtrips(1000, 1);
	if (ret)
		return ret;
	touch("served");
	wait_for("detached");
	return roundtrips(1000, 2);
}

static void *worker(void *arg)
{
	while (!atomic_load(&go))
		nap();
	if (roundtrips(200, (uintptr_t)arg))
		atomic_fetch_add(&bad, 1);
	return NULL;
}

static int threads(void)
{
	pthread_t t[MAX_THREADS];
	int n = 0;

	/* threads appear during the attach: one every few milliseconds */
	while (!exists("go")) {
		if (n < MAX_THREADS) {
			if (pthread_create(&t[n], NULL, worker, (void *)(uintptr_t)(n + 2)))
				return 5;
			n++;
		}
		if (n == 4)
			touch("ready");
		nap();
	}
	atomic_store(&go, 1);
	if (roundtrips(200, 1))
		atomic_fetch_add(&bad, 1);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("%d threads\n", n + 1);
	return atomic_load(&bad) ? 5 : 0;
}

static void on_rt(int sig)
{
	(void)sig;
	received++;
}

static void *sender(void *arg)
{
	struct timespec ts = { 0, 200000 };

	(void)arg;
	/* in bursts, so that the main thread often has signals pending */
	for (int i = 0; i < NSIG_SENT; i++) {
		if (i == 100)
			touch("sending");
		pthread_kill(main_thread, SIGRTMIN);
		if (i % 10 == 9)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *idler(void *arg)
{
	(void)arg;
	wait_for("quit");
	return NULL;
}

static int idle(void)
{
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, idler, NULL))
			return 5;
	touch("ready");
	wait_for("quit");
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int forked_child(int i)
{
	char name[16];
	pthread_t t;

	if (i == 1 && pthread_create(&t, NULL, idler, NULL))
		return 5;
	if (roundtrips(1, 99))
		return 3;
	snprintf(name, sizeof(name), "child%d", i);
	touch(name);
	wait_for("quit");
	if (i == 1)
		pthread_join(t, NULL);
	return 0;
}

static int forks(void)
{
	pid_t child[2];
	int st, ret = 0;

	touch("ready");
	wait_for("go");
	for (int i = 0; i < 2; i++) {
		child[i] = fork();
		if (child[i] < 0)
			return 5;
		if (child[i] == 0)
			_exit(forked_child(i));
	}
	wait_for("child0");
	wait_for("child1");
	touch("forked");
	wait_for("quit");
	for (int i = 0; i < 2; i++)
		if (waitpid(child[i], &st, 0) != child[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			ret = WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 3;
	return ret;
}

static int signals(void)
{
	struct sigaction sa;
	pthread_t t;
	volatile int ret = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_rt;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	main_thread = pthread_self();
	touch("ready");
	wait_for("go");
	if (pthread_create(&t, NULL, sender, NULL))
		return 5;
	if (sigsetjmp(env, 1) == 0) {
		for (uint64_t i = 0;; i++)
			if (t_map_roundtrip(i) != i) {
				ret = 3;
				break;
			}
	}
	/* the map is gone (or a value was wrong): wait for the sender */
	pthread_join(t, NULL);
	if (ret)
		return ret;
	if (received != NSIG_SENT) {
		fprintf(stderr, "t_attach: %d of %d signals received\n", (int)received,
			NSIG_SENT);
		return 6;
	}
	touch("faulted");
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc != 3)
		return 2;
	dir = argv[2];
	if (!strcmp(argv[1], "serve"))
		return serve();
	if (!strcmp(argv[1], "rewritten"))
		return rewritten();
	if (!strcmp(argv[1], "threads"))
		return threads();
	if (!strcmp(argv[1], "signals"))
		return signals();
	if (!strcmp(argv[1], "idle"))
		return idle();
	if (!strcmp(argv[1], "forks"))
		return forks();
	if (!strcmp(argv[1], "zombie")) {
		{
			pid_t child = fork();
			char p[4096];
			FILE *f;

			if (child == 0)
				_exit(0);
			path_of("zpid.tmp", p, sizeof(p));
			f = fopen(p, "w");
			if (!f)
				return 2;
			fprintf(f, "%d\n", (int)child);
			fclose(f);
			{
				char q[4096];

				path_of("zpid", q, sizeof(q));
				rename(p, q);
			}
		}
		touch("ready");
		wait_for("quit");
		return 0;
	}
	return 2;
}
