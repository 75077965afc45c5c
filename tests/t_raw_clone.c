/*
 * t_raw_clone thread|process|fork: map accesses in threads and processes
 * made without the C library, running at the same time as others:
 *
 *   thread   clone(CLONE_VM | CLONE_THREAD | ...) without CLONE_SETTLS:
 *            a thread that shares the creator's TLS;
 *   process  clone(CLONE_VM | SIGCHLD): a process sharing the memory;
 *   fork     the fork system call (no pthread_atfork handlers), then a
 *            raw thread in the child next to the child's first thread.
 *
 * Each worker writes values into rbx through the map and reads them back,
 * and pushes rdx through the map, many times; every one must see its own
 * registers, whatever stack its signal handler ran on.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS	20000
#define STACK	(256 * 1024)

/* clone(flags, a new stack) running fn(arg) there, then exit(0) of that task */
long raw_clone(unsigned long flags, char *stack_top, void (*fn)(void *), void *arg);
__asm__(
	".text\n"
	".globl raw_clone\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	and $-16, %rsi\n"
	"	sub $16, %rsi\n"
	"	mov %rdx, (%rsi)\n"
	"	mov %rcx, 8(%rsi)\n"
	"	mov $56, %eax\n"		/* SYS_clone(flags, newsp, ptid, ctid, tls) */
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	call *%rax\n"
	"	mov $60, %eax\n"		/* exit: this task only */
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	ud2\n"
	"1:	ret\n"
	".size raw_clone, . - raw_clone\n");

struct work {
	volatile int go, done;
	volatile uint64_t errors, rounds;
	uint64_t seed;
};

/* Round trips through rbx and pushes of rdx via the map; no C library inside. */
static void work(void *arg)
{
	struct work *w = arg;

	while (!w->go)
		__asm__ volatile("pause");
	for (uint64_t i = 0; i < ROUNDS; i++) {
		uint64_t v = w->seed + i, back, pushed;

		__asm__ volatile("movq %1, 0x18\n\tmovq 0x18, %0" : "=&r"(back) : "r"(v) : "rbx");
		__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq 0x10\n\tpop %0\n\t"
				 "lea 128(%%rsp), %%rsp" : "=r"(pushed) : "d"(v) : "memory");
		if (back != v || pushed != v)
			w->errors++;
		w->rounds++;
	}
	w->done = 1;
}

/* A process of its own: it must not outlive the test if that is killed. */
static void work_process(void *arg)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(SYS_prctl), "D"(PR_SET_PDEATHSIG),
			 "S"(SIGKILL) : "rcx", "r11", "memory");
	(void)ret;
	work(arg);
}

static int report(const char *who, const struct work *w)
{
	printf("%s: %llu rounds, %llu wrong\n", who, (unsigned long long)w->rounds,
	       (unsigned long long)w->errors);
	return w->rounds != ROUNDS || w->errors;
}

/* a raw thread (or sharing process) next to this one, both at work */
static int pair(unsigned long flags, struct work *w)
{
	char *stack = malloc(STACK);
	long pid;
	int st, bad;

	if (!stack)
		return 2;
	w[0].seed = 0x1000000000ull;
	w[1].seed = 0x2000000000ull;
	pid = raw_clone(flags, stack + STACK, flags & SIGCHLD ? work_process : work, &w[1]);
	if (pid < 0) {
		printf("clone: error %ld\n", -pid);
		return 2;
	}
	w[0].go = w[1].go = 1;
	work(&w[0]);
	if (flags & SIGCHLD)
		while (waitpid((pid_t)pid, &st, __WALL) < 0)
			;
	else
		while (!w[1].done)
			sched_yield();
	bad = report("first", &w[0]) | report("raw clone", &w[1]);
	return bad;
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "thread";
	unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			       CLONE_THREAD | CLONE_SYSVSEM;
	struct work *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	int bad;

	if (w == MAP_FAILED)
		return 2;
	/* this thread's map first: its signal stack is set up before any clone */
	__asm__ volatile("movq 0x18, %%rax" : : : "rax");
	if (!strcmp(mode, "thread")) {
		bad = pair(thread, w);
	} else if (!strcmp(mode, "process")) {
		bad = pair(CLONE_VM | SIGCHLD, w);
	} else if (!strcmp(mode, "fork")) {
		long pid = syscall(SYS_fork);
		int st;

		if (pid == 0)
			_exit(pair(thread, w));
		if (pid < 0 || waitpid((pid_t)pid, &st, 0) != pid)
			return 2;
		bad = !WIFEXITED(st) || WEXITSTATUS(st);
		if (WIFSIGNALED(st))
			printf("the forked child died of signal %d\n", WTERMSIG(st));
	} else {
		fprintf(stderr, "usage: t_raw_clone thread|process|fork\n");
		return 2;
	}
	printf("t_raw_clone %s: %s\n", mode, bad ? "FAILED" : "ok");
	return bad;
}
