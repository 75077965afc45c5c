/*
 * Check tests of sup_inject_syscall() (supervisor/inject.c): system calls
 * run in the stopped threads of a real multi-threaded target, from the
 * stops the supervisor meets: an interrupted thread busy in user code, an
 * interrupted thread blocked in read(), the signal-delivery-stop of a
 * real fault and of a queued signal; seccomp filters that deny or trap
 * the call; a target killed while the call runs.
 *
 * The target checks that it went on unharmed (every register of a busy
 * loop, the interrupted read, the queued signal's siginfo and handler
 * mask, its own signal handlers) and exits 0 if so.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup_internal.h"

/* rt_sigaction's struct on x86-64 */
struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

/* ---- the target ---- */

/* Spins with a known value in every register but rsp until *flag; 0 if none changed. */
int spin_regs(volatile int *flag);
__asm__(
	".text\n"
	".globl spin_regs\n"
	".type spin_regs, @function\n"
	"spin_regs:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	mov $0x10101010, %rax\n	mov $-0x20202020, %rcx\n	mov $0x30303030, %rdx\n"
	"	mov $-0x40404040, %rbx\n	mov $0x50505050, %rbp\n	mov $-0x60606060, %rsi\n"
	"	mov $0x08080808, %r8\n	mov $-0x09090909, %r9\n	mov $0x0a0a0a0a, %r10\n"
	"	mov $-0x0b0b0b0b, %r11\n	mov $0x0c0c0c0c, %r12\n	mov $-0x0d0d0d0d, %r13\n"
	"	mov $0x0e0e0e0e, %r14\n	mov $-0x0f0f0f0f, %r15\n"
	"1:	cmp $0x10101010, %rax\n	jne 2f\n	cmp $-0x20202020, %rcx\n	jne 2f\n"
	"	cmp $0x30303030, %rdx\n	jne 2f\n	cmp $-0x40404040, %rbx\n	jne 2f\n"
	"	cmp $0x50505050, %rbp\n	jne 2f\n	cmp $-0x60606060, %rsi\n	jne 2f\n"
	"	cmp $0x08080808, %r8\n	jne 2f\n	cmp $-0x09090909, %r9\n	jne 2f\n"
	"	cmp $0x0a0a0a0a, %r10\n	jne 2f\n	cmp $-0x0b0b0b0b, %r11\n	jne 2f\n"
	"	cmp $0x0c0c0c0c, %r12\n	jne 2f\n	cmp $-0x0d0d0d0d, %r13\n	jne 2f\n"
	"	cmp $0x0e0e0e0e, %r14\n	jne 2f\n	cmp $-0x0f0f0f0f, %r15\n	jne 2f\n"
	"	cmpl $0, (%rdi)\n	je 1b\n"
	"	xor %eax, %eax\n	jmp 3f\n"
	"2:	mov $1, %eax\n"
	"3:	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	".size spin_regs, . - spin_regs\n");

struct target_info {
	pid_t pid, spin_tid, read_tid, fault_tid;
	uint64_t guard;
};

enum {
	BAD_SPIN = 1, BAD_READ = 2, BAD_USR1 = 4, BAD_SEGV = 8, BAD_SYS = 16,
	BAD_SYS_ACTION = 32, BAD_USR1_ACTION = 64,
};

static volatile int stop_spin, go_fault, usr1_count, usr1_ok, segv_count, sys_count;
static volatile pid_t tids[3];
static int data_pipe[2], ctl_pipe[2], rep_pipe[2];
static char *guard;
static ssize_t read_n;
static char read_buf[16];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	(void)sig;
	(void)uc;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	usr1_count++;
	usr1_ok = si->si_code == SI_QUEUE && si->si_value.sival_int == 42 &&
		  sigismember(&cur, SIGUSR2);
}

static void on_sys(int sig)
{
	(void)sig;
	sys_count++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_count++;
	mprotect((void *)((uintptr_t)si->si_addr & ~4095ul), 4096, PROT_READ | PROT_WRITE);
}

static void *spin_thread(void *arg)
{
	(void)arg;
	tids[0] = gettid();
	return (void *)(intptr_t)spin_regs(&stop_spin);
}

static void *read_thread(void *arg)
{
	(void)arg;
	tids[1] = gettid();
	read_n = read(data_pipe[0], read_buf, sizeof(read_buf));
	return NULL;
}

static void *fault_thread(void *arg)
{
	(void)arg;
	tids[2] = gettid();
	while (!go_fault)
		usleep(1000);
	*(volatile char *)guard = 7;
	return NULL;
}

/* getppid denied with EPERM, getuid trapped (SIGSYS), in the calling thread only */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static __attribute__((noreturn)) void target(void)
{
	struct sigaction sa, cur;
	struct target_info ti;
	pthread_t th[3];
	sigset_t usr1;
	void *spin_ret;
	int bad = 0;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = on_segv;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGSYS, on_sys);
	guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* only the main thread takes SIGUSR1 */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_create(&th[0], NULL, spin_thread, NULL);
	pthread_create(&th[1], NULL, read_thread, NULL);
	pthread_create(&th[2], NULL, fault_thread, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	while (!tids[0] || !tids[1] || !tids[2])
		usleep(1000);
	if (install_filter())
		_exit(100);
	ti = (struct target_info){ getpid(), tids[0], tids[1], tids[2], (uintptr_t)guard };
	if (write(rep_pipe[1], &ti, sizeof(ti)) != sizeof(ti))
		_exit(101);

	while (read(ctl_pipe[0], &c, 1) == 1 && c != 'q')
		if (c == 'f')
			go_fault = 1;
	stop_spin = 1;
	pthread_join(th[0], &spin_ret);
	pthread_join(th[1], NULL);
	pthread_join(th[2], NULL);
	if (spin_ret)
		bad |= BAD_SPIN;
	if (read_n != 8 || memcmp(read_buf, "8 bytes!", 8))
		bad |= BAD_READ;
	if (usr1_count != 1 || !usr1_ok)
		bad |= BAD_USR1;
	if (segv_count || guard[0] != 7)
		bad |= BAD_SEGV;
	if (sys_count)
		bad |= BAD_SYS;
	if (sigaction(SIGSYS, NULL, &cur) || cur.sa_handler != on_sys)
		bad |= BAD_SYS_ACTION;
	if (sigaction(SIGUSR1, NULL, &cur) || cur.sa_sigaction != on_usr1 ||
	    !sigismember(&cur.sa_mask, SIGUSR2))
		bad |= BAD_USR1_ACTION;
	_exit(bad);
}

/* ---- the tracer side ---- */

static struct sup_session sess;
static pid_t child;

static pid_t start_target(struct target_info *ti)
{
	struct sup_config cfg = { .cpu = SUP_CPU_NONE };
	struct sup_attach_error ae;
	unsigned n;

	ck_assert_int_eq(pipe(data_pipe), 0);
	ck_assert_int_eq(pipe(ctl_pipe), 0);
	ck_assert_int_eq(pipe(rep_pipe), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		target();
	}
	ck_assert_int_eq(read(rep_pipe[0], ti, sizeof(*ti)), sizeof(*ti));
	ck_assert_int_eq(sup_session_init(&sess, &cfg), 0);
	ck_assert_int_eq(sup_attach(&sess, child, &n, &ae), 0);
	ck_assert_uint_eq(n, 4);
	return child;
}

/* Stop tid with PTRACE_INTERRUPT; return the wait status of its stop. */
static int interrupt(pid_t tid)
{
	int st;

	ck_assert_int_eq(ptrace(PTRACE_INTERRUPT, tid, NULL, NULL), 0);
	ck_assert_int_eq(waitpid(tid, &st, __WALL), tid);
	ck_assert(WIFSTOPPED(st));
	ck_assert_int_eq(st >> 16, PTRACE_EVENT_STOP);
	return st;
}

static long inject(pid_t tid, long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	const long args[6] = { a0, a1, a2, a3, a4, a5 };
	long ret = 0x5a5a;

	ck_assert_int_eq(sup_inject_syscall(&sess, tid, nr, args, &ret), 0);
	return ret;
}

static bool mapped(pid_t pid, uint64_t addr)
{
	struct sup_mapping m;

	return sup_proc_find_mapping(pid, addr, &m) == 0;
}

static void regs_equal(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0);
}

/* Let every traced thread run to the end; return the target's exit status. */
static int finish_target(void)
{
	int st, status = -1;
	pid_t t;

	ck_assert_int_eq(write(ctl_pipe[1], "q", 1), 1);
	while ((t = waitpid(-1, &st, __WALL)) > 0) {
		if (WIFSTOPPED(st)) {
			int sig = st >> 16 ? 0 : WSTOPSIG(st);

			ptrace(PTRACE_CONT, t, NULL, (void *)(long)sig);
		} else if (t == child) {
			status = st;
		}
	}
	sup_session_free(&sess);
	return status;
}

START_TEST(test_interrupted_threads)
{
	struct ksigaction act, old, now;
	struct user_regs_struct before, after;
	struct target_info ti;
	pid_t pid = start_target(&ti);
	long page, st;

	/* a thread busy in user code */
	interrupt(ti.spin_tid);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, ti.spin_tid, NULL, &before), 0);
	ck_assert_int_eq(inject(ti.spin_tid, SYS_getpid, 0, 0, 0, 0, 0, 0), pid);
	ck_assert_int_eq(inject(ti.spin_tid, SYS_gettid, 0, 0, 0, 0, 0, 0), ti.spin_tid);
	page = inject(ti.spin_tid, SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(page > 0 && !(page & 4095));
	ck_assert(mapped(pid, page));

	/* rt_sigaction with its structs in the new page */
	ck_assert_int_eq(inject(ti.spin_tid, SYS_rt_sigaction, SIGUSR1, 0, page, 8, 0, 0), 0);
	ck_assert_int_eq(sup_mem_read(&ti.spin_tid, page, &old, sizeof(old)), 0);
	ck_assert_uint_eq(old.handler, (uintptr_t)on_usr1);
	ck_assert_uint_eq(old.mask, 1ull << (SIGUSR2 - 1));
	act = old;
	act.handler = (uintptr_t)SIG_IGN;
	ck_assert_int_eq(sup_mem_write(&ti.spin_tid, page + 64, &act, sizeof(act)), 0);
	ck_assert_int_eq(inject(ti.spin_tid, SYS_rt_sigaction, SIGUSR1, page + 64, page + 128,
				8, 0, 0), 0);
	ck_assert_int_eq(sup_mem_read(&ti.spin_tid, page + 128, &now, sizeof(now)), 0);
	ck_assert_uint_eq(now.handler, (uintptr_t)on_usr1);
	ck_assert_int_eq(inject(ti.spin_tid, SYS_rt_sigaction, SIGUSR1, page, page + 128,
				8, 0, 0), 0);
	ck_assert_int_eq(sup_mem_read(&ti.spin_tid, page + 128, &now, sizeof(now)), 0);
	ck_assert_uint_eq(now.handler, (uintptr_t)SIG_IGN);
	/* the target's errors are results */
	ck_assert_int_eq(inject(ti.spin_tid, SYS_rt_sigaction, SIGUSR1, 0, page, 3, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(inject(ti.spin_tid, SYS_munmap, page, 4096, 0, 0, 0, 0), 0);
	ck_assert(!mapped(pid, page));
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, ti.spin_tid, NULL, &after), 0);
	regs_equal(&before, &after);
	ck_assert_int_eq(ptrace(PTRACE_CONT, ti.spin_tid, NULL, NULL), 0);

	/* a thread blocked in read(): the read goes on afterwards */
	interrupt(ti.read_tid);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, ti.read_tid, NULL, &before), 0);
	ck_assert_int_eq((long)before.orig_rax, SYS_read);
	ck_assert_int_eq(inject(ti.read_tid, SYS_getpid, 0, 0, 0, 0, 0, 0), pid);
	ck_assert_int_eq(ptrace(PTRACE_GETREGS, ti.read_tid, NULL, &after), 0);
	regs_equal(&before, &after);
	ck_assert_int_eq(ptrace(PTRACE_CONT, ti.read_tid, NULL, NULL), 0);
	ck_assert_int_eq(write(data_pipe[1], "8 bytes!", 8), 8);

	/* a queued signal's delivery-stop, in a thread with a seccomp filter */
	ck_assert_int_eq(sigqueue(pid, SIGUSR1, (union sigval){ .sival_int = 42 }), 0);
	{
		siginfo_t si;
		int w;

		ck_assert_int_eq(waitpid(pid, &w, __WALL), pid);
		ck_assert(WIFSTOPPED(w) && WSTOPSIG(w) == SIGUSR1 && !(w >> 16));
		ck_assert_int_eq(inject(pid, SYS_getppid, 0, 0, 0, 0, 0, 0), -EPERM);
		ck_assert_int_eq(inject(pid, SYS_getuid, 0, 0, 0, 0, 0, 0), -ENOSYS);
		ck_assert_int_eq(inject(pid, SYS_getpid, 0, 0, 0, 0, 0, 0), pid);
		ck_assert_int_eq(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si), 0);
		ck_assert_int_eq(si.si_signo, SIGUSR1);
		ck_assert_int_eq(si.si_code, SI_QUEUE);
		ck_assert_int_eq(si.si_value.sival_int, 42);
		ck_assert_int_eq(ptrace(PTRACE_CONT, pid, NULL, (void *)SIGUSR1), 0);
	}

	/* a real fault's delivery-stop: the call makes the page writable, no handler runs */
	ck_assert_int_eq(write(ctl_pipe[1], "f", 1), 1);
	{
		siginfo_t si;
		int w;

		ck_assert_int_eq(waitpid(ti.fault_tid, &w, __WALL), ti.fault_tid);
		ck_assert(WIFSTOPPED(w) && WSTOPSIG(w) == SIGSEGV && !(w >> 16));
		ck_assert_int_eq(inject(ti.fault_tid, SYS_mprotect, ti.guard, 4096,
					PROT_READ | PROT_WRITE, 0, 0, 0), 0);
		ck_assert_int_eq(ptrace(PTRACE_GETSIGINFO, ti.fault_tid, NULL, &si), 0);
		ck_assert_int_eq(si.si_signo, SIGSEGV);
		ck_assert_uint_eq((uintptr_t)si.si_addr, ti.guard);
		ck_assert_int_eq(ptrace(PTRACE_CONT, ti.fault_tid, NULL, NULL), 0);
	}

	st = finish_target();
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target: status %#lx", st);
}
END_TEST

/* Other stops are refused, and nothing changes. */
START_TEST(test_refused_stops)
{
	struct target_info ti;
	const long args[6] = { 0 };
	long ret;
	int st;

	start_target(&ti);
	/* the syscall-enter-stop of the read, restarted after the interrupt */
	interrupt(ti.read_tid);
	ck_assert_int_eq(ptrace(PTRACE_SYSCALL, ti.read_tid, NULL, NULL), 0);
	ck_assert_int_eq(waitpid(ti.read_tid, &st, __WALL), ti.read_tid);
	ck_assert_int_eq(WSTOPSIG(st), SIGTRAP | 0x80);
	ck_assert_int_eq(sup_inject_syscall(&sess, ti.read_tid, SYS_getpid, args, &ret), -EBUSY);
	ck_assert_int_eq(ptrace(PTRACE_CONT, ti.read_tid, NULL, NULL), 0);
	ck_assert_int_eq(write(data_pipe[1], "8 bytes!", 8), 8);
	/* the rest of the target's checks need the queued signal */
	ck_assert_int_eq(sigqueue(ti.pid, SIGUSR1, (union sigval){ .sival_int = 42 }), 0);
	ck_assert_int_eq(write(ctl_pipe[1], "f", 1), 1);
	/* the fault goes to the target's own handler this time */
	st = finish_target();
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), BAD_SEGV);
}
END_TEST

/* ---- a target killed while the call runs ---- */

static void *killer(void *arg)
{
	struct timespec ts = { 0, 200 * 1000000 };

	nanosleep(&ts, NULL);
	kill(*(pid_t *)arg, SIGKILL);
	return NULL;
}

static void *sleeper(void *arg)
{
	*(volatile pid_t *)arg = gettid();
	for (;;)
		pause();
	return NULL;
}

static void killed_during_call(bool leader)
{
	struct sup_config cfg = { .cpu = SUP_CPU_NONE };
	struct sup_attach_error ae;
	struct timespec *ts;
	volatile pid_t *tid = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_t k;
	long args[6] = { 0 }, ret;
	unsigned n;
	pid_t pid, t;
	int st;

	ck_assert(tid != MAP_FAILED);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_create(&th, NULL, sleeper, (void *)tid);
		for (;;)
			pause();
	}
	while (!*tid)
		usleep(1000);
	ck_assert_int_eq(sup_session_init(&sess, &cfg), 0);
	ck_assert_int_eq(sup_attach(&sess, pid, &n, &ae), 0);
	t = leader ? pid : *tid;
	interrupt(t);
	/* a timespec of 60 s on the thread's stack, far below its red zone */
	{
		struct user_regs_struct r;
		struct timespec sixty = { 60, 0 };

		ck_assert_int_eq(ptrace(PTRACE_GETREGS, t, NULL, &r), 0);
		ts = (struct timespec *)(uintptr_t)(r.rsp - 1024);
		ck_assert_int_eq(sup_mem_write(&t, (uintptr_t)ts, &sixty, sizeof(sixty)), 0);
	}
	args[0] = (long)(uintptr_t)ts;
	pthread_create(&k, NULL, killer, &pid);
	ck_assert_int_eq(sup_inject_syscall(&sess, t, SYS_nanosleep, args, &ret), -ESRCH);
	pthread_join(k, NULL);
	while ((t = waitpid(-1, &st, __WALL)) > 0)
		;
	ck_assert_int_eq(errno, ECHILD);
	sup_session_free(&sess);
}

START_TEST(test_killed_thread)
{
	killed_during_call(false);
}
END_TEST

START_TEST(test_killed_leader)
{
	killed_during_call(true);
}
END_TEST

/* Can this process trace a child at all (Yama, containers)? */
static bool ptrace_allowed(void)
{
	pid_t pid = fork();
	int st, ok;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return ok;
}

int main(void)
{
	Suite *s = suite_create("sup_inject");
	TCase *tc = tcase_create("inject");
	SRunner *sr;
	int failed;

	if (!ptrace_allowed()) {
		printf("SKIP: this process may not trace its children\n");
		return 77;
	}
	tcase_add_test(tc, test_interrupted_threads);
	tcase_add_test(tc, test_refused_stops);
	tcase_add_test(tc, test_killed_thread);
	tcase_add_test(tc, test_killed_leader);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
