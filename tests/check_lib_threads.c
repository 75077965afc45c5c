/*
 * libregmap and threads: threads created before and after
 * regmap_map_registers() all use the map at once, each sees only its own
 * registers, each gets an alternate signal stack, and a dead thread's
 * stack is given to the next thread that needs one (all with
 * native-speed sites off: each thread must trap).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check_lib.h"

#define NBEFORE	3
#define NAFTER	3
#define NITER	5000

struct worker {
	pthread_t th;
	pthread_barrier_t *start;	/* NULL: map already enabled */
	uint64_t seed;
	uint64_t got;
	int altstack;			/* had an alternate stack afterwards */
	void *ss_sp;
	pid_t tid;
};

/*
 * Set r14 to seed through the map, add 1 to it NITER times through the
 * map, read it back from the register: seed + NITER unless another
 * thread's registers leaked in.
 */
static void *worker_run(void *p)
{
	struct worker *w = p;
	stack_t ss;

	if (w->start)
		pthread_barrier_wait(w->start);
	__asm__ __volatile__("movq %1, 0x70\n\t"
			     "movl %2, %%ecx\n"
			     "1:\taddq $1, 0x70\n\t"
			     "decl %%ecx\n\t"
			     "jnz 1b\n\t"
			     "movq %%r14, %0"
			     : "=r"(w->got) : "r"(w->seed), "i"(NITER) : "rcx", "r14", "cc", "memory");
	w->altstack = sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE);
	w->ss_sp = ss.ss_sp;
	w->tid = gettid();
	return NULL;
}

static void start(struct worker *w, pthread_barrier_t *b, uint64_t seed, size_t stack)
{
	pthread_attr_t attr;

	w->start = b;
	w->seed = seed;
	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	if (stack)
		ck_assert_int_eq(pthread_attr_setstacksize(&attr, stack), 0);
	ck_assert_int_eq(pthread_create(&w->th, &attr, worker_run, w), 0);
	pthread_attr_destroy(&attr);
}

START_TEST(test_threads_before_and_after)
{
	struct worker w[NBEFORE + NAFTER] = { 0 };
	pthread_barrier_t b;
	int i;

	ck_assert_int_eq(pthread_barrier_init(&b, NULL, NBEFORE + 1), 0);
	for (i = 0; i < NBEFORE; i++)
		start(&w[i], &b, 0x1000000ull * (i + 1), i == 0 ? 64 * 1024 : 0);
	ck_assert_int_eq(regmap_map_registers(), 0);
	pthread_barrier_wait(&b);
	for (i = NBEFORE; i < NBEFORE + NAFTER; i++)
		start(&w[i], NULL, 0x1000000ull * (i + 1), i == NBEFORE ? 64 * 1024 : 0);
	for (i = 0; i < NBEFORE + NAFTER; i++) {
		ck_assert_int_eq(pthread_join(w[i].th, NULL), 0);
		ck_assert_msg(w[i].got == w[i].seed + NITER, "thread %d: %#llx, want %#llx", i,
			      (unsigned long long)w[i].got,
			      (unsigned long long)(w[i].seed + NITER));
		ck_assert_msg(w[i].altstack, "thread %d has no alternate signal stack", i);
	}
	pthread_barrier_destroy(&b);
}
END_TEST

/* Wait (no time limit of our own: Check's timeout applies) until tid is gone. */
static void wait_gone(pid_t tid)
{
	struct timespec ms = { 0, 1000000 };

	while (syscall(SYS_tgkill, getpid(), tid, 0) == 0 || errno != ESRCH)
		nanosleep(&ms, NULL);
}

START_TEST(test_altstack_reused)
{
	struct worker a = { 0 }, b = { 0 };

	ck_assert_int_eq(regmap_map_registers(), 0);
	start(&a, NULL, 1, 0);
	ck_assert_int_eq(pthread_join(a.th, NULL), 0);
	ck_assert(a.altstack && a.got == 1 + NITER);
	wait_gone(a.tid);
	start(&b, NULL, 2, 0);
	ck_assert_int_eq(pthread_join(b.th, NULL), 0);
	ck_assert(b.altstack && b.got == 2 + NITER);
	ck_assert_ptr_eq(b.ss_sp, a.ss_sp);
}
END_TEST

START_TEST(test_own_altstack_kept)
{
	static char mine[64 * 1024];
	stack_t ss = { .ss_sp = mine, .ss_size = sizeof(mine) };
	uint64_t v;

	ck_assert_int_eq(sigaltstack(&ss, NULL), 0);
	ck_assert_int_eq(regmap_map_registers(), 0);
	__asm__ __volatile__("movq $5, %%r15\n\tsubq $2, 0x78\n\tmovq %%r15, %0"
			     : "=r"(v) : : "r15", "cc");
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(sigaltstack(NULL, &ss), 0);
	ck_assert_ptr_eq(ss.ss_sp, mine);
}
END_TEST

/*
 * Signals arriving while libregmap's handler runs start the program's
 * handlers on top of it; those may use the map too (a nested fault that
 * must not find SIGSEGV blocked).  Another thread sends SIGUSR1 to this
 * one NSTORM times, each time waiting for the handler, while this thread
 * does map accesses without pause.
 */
#define NSTORM	3000
static atomic_int storm_seen, storm_bad, storm_done;
static pthread_t storm_target;

static void on_storm(int sig)
{
	uint64_t v;

	(void)sig;
	__asm__ __volatile__("movq $99, %%r10\n\taddq $1, 0x50\n\tmovq %%r10, %0"
			     : "=r"(v) : : "r10", "cc");
	if (v != 100)
		storm_bad++;
	storm_seen++;
}

static void *storm_sender(void *arg)
{
	int i;

	(void)arg;
	for (i = 1; i <= NSTORM; i++) {
		pthread_kill(storm_target, SIGUSR1);
		while (atomic_load(&storm_seen) < i)
			sched_yield();
	}
	storm_done = 1;
	return NULL;
}

START_TEST(test_signal_storm)
{
	struct sigaction sa = { .sa_handler = on_storm, .sa_flags = SA_RESTART };
	pthread_t t;
	uint64_t n = 0, v, bad = 0;

	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	ck_assert_int_eq(regmap_map_registers(), 0);
	storm_target = pthread_self();
	ck_assert_int_eq(pthread_create(&t, NULL, storm_sender, NULL), 0);
	while (!storm_done) {
		__asm__ __volatile__("movq %1, %%r13\n\tsubq $1, 0x68\n\tmovq %%r13, %0"
				     : "=r"(v) : "r"(n + 1) : "r13", "cc");
		bad += v != n++;
	}
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_uint_eq(bad, 0);
	ck_assert_int_eq(storm_bad, 0);
	ck_assert_int_eq(storm_seen, NSTORM);
}
END_TEST

/*
 * Every thread here must take the trapping path (that is what gives it an
 * alternate stack): with native-speed sites the first thread would
 * rewrite the loop and the others would never trap.  Rewriting with
 * threads is tested by tests/t_rewrite_threads.c.
 */
static void no_rewrite(void)
{
	regmap_set_rewrite(0);
}

TCase *lib_tcase_threads(void)
{
	TCase *tc = tcase_create("threads");

	/* checked: runs in each test's own child process, before the test */
	tcase_add_checked_fixture(tc, no_rewrite, NULL);

	tcase_add_test(tc, test_threads_before_and_after);
	tcase_add_test(tc, test_altstack_reused);
	tcase_add_test(tc, test_own_altstack_kept);
	tcase_add_test(tc, test_signal_storm);
	tcase_set_timeout(tc, 120);
	return tc;
}
