/*
 * t_gdb: the program the gdb tests (tests/run_gdb*.sh) debug under
 * regmap-run --gdb.  The map accesses are in assembly with global labels
 * at the instructions the tests stop at:
 *
 *   gdb_map_roundtrip(v)  rdx = v; gdb_map_load: mov rax, [0x10];
 *                         gdb_map_store: mov [0x18], rax; gdb_after_store:
 *                         returns rbx (== v)
 *   gdb_watch_demo()      rbx = 0x1111; calls gdb_watch_marker; then a
 *                         native mov rbx, 0x3333 (not a map access) and a
 *                         map store of 0x2222 to 0x18; gdb_watch_after: is
 *                         the instruction after that store
 *   gdb_thread_body(id)   r12 = 0xa000 + id, waits for the other thread,
 *                         calls gdb_thread_marker (thread id's kernel id
 *                         is in gdb_tids[id - 1])
 *
 * Modes (argv[1]):
 *   basic       marker, round trip, watch demo, gdb_c_map(42) (a map access
 *               in C); exit 42 if the results are right
 *   threads     two threads meet at gdb_thread_marker; exit 43
 *   crash       gdb_crash_caller -> gdb_crash: a store to an unmapped address
 *   fpe         a division by zero through the map (SIGFPE)
 *   spin FILE   creates FILE, then map accesses in a loop until gdb sets
 *               gdb_spin_stop; exit 44
 *   wait FILE   marker, then wait until FILE exists; exit 42
 *   fork, vfork a child calls gdb_marker (and exits 0), then the parent
 *               does; exit 45 / 46
 *   exec        marker, then execs itself in basic mode
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_map.h"

uint64_t gdb_map_roundtrip(uint64_t v);
uint64_t gdb_watch_demo(void);
void gdb_thread_body(uint64_t id);

volatile int gdb_ready_count;
volatile int gdb_tids[2];	/* threads mode: the kernel's ids of the two threads */
volatile int gdb_spin_stop;

__asm__(
	".text\n"
	".globl gdb_map_roundtrip\n"
	".type gdb_map_roundtrip, @function\n"
	"gdb_map_roundtrip:\n"
	"	push %rbx\n"
	"	mov %rdi, %rdx\n"
	".globl gdb_map_load\n"
	"gdb_map_load:\n"
	"	mov 0x10, %rax\n"		/* map load: rax = rdx */
	".globl gdb_map_store\n"
	"gdb_map_store:\n"
	"	mov %rax, 0x18\n"		/* map store: rbx = rax */
	".globl gdb_after_store\n"
	"gdb_after_store:\n"
	"	mov %rbx, %rax\n"
	"	pop %rbx\n"
	"	ret\n"
	".size gdb_map_roundtrip, .-gdb_map_roundtrip\n"

	".globl gdb_watch_marker\n"
	".type gdb_watch_marker, @function\n"
	"gdb_watch_marker:\n"
	"	ret\n"
	".size gdb_watch_marker, .-gdb_watch_marker\n"

	".globl gdb_watch_demo\n"
	".type gdb_watch_demo, @function\n"
	"gdb_watch_demo:\n"
	"	push %rbx\n"
	"	mov $0x1111, %rbx\n"
	"	call gdb_watch_marker\n"
	"	mov $0x3333, %rbx\n"		/* native: not a map access */
	"	mov $0x2222, %rax\n"
	".globl gdb_watch_store\n"
	"gdb_watch_store:\n"
	"	mov %rax, 0x18\n"		/* map store: rbx = 0x2222 */
	".globl gdb_watch_after\n"
	"gdb_watch_after:\n"
	"	mov %rbx, %rax\n"
	"	pop %rbx\n"
	"	ret\n"
	".size gdb_watch_demo, .-gdb_watch_demo\n"

	".globl gdb_thread_marker\n"
	".type gdb_thread_marker, @function\n"
	"gdb_thread_marker:\n"
	"	ret\n"
	".size gdb_thread_marker, .-gdb_thread_marker\n"

	/* r12 is the thread's own until it returns; nothing here changes it */
	".globl gdb_thread_body\n"
	".type gdb_thread_body, @function\n"
	"gdb_thread_body:\n"
	"	push %r12\n"
	"	mov $0xa000, %r12\n"
	"	add %rdi, %r12\n"
	"	lock incl gdb_ready_count(%rip)\n"
	"1:	cmpl $2, gdb_ready_count(%rip)\n"
	"	jb 1b\n"
	"	call gdb_thread_marker\n"
	"	pop %r12\n"
	"	ret\n"
	".size gdb_thread_body, .-gdb_thread_body\n");

__attribute__((noinline)) void gdb_marker(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void gdb_crash(void)
{
	*(volatile long *)0x12345678 = 1;
}

__attribute__((noinline)) void gdb_crash_caller(void)
{
	gdb_crash();
	__asm__ volatile("" ::: "memory");	/* a call, not a jump: bt shows this frame */
}

volatile uint64_t gdb_c_result;

/* a map access in C (an addition on rax's slot), for stepping by lines */
__attribute__((noinline)) void gdb_c_map(uint64_t x)
{
	x = t_map_add(x, 5);
	gdb_c_result = x;
}

static void *thread(void *arg)
{
	gdb_tids[(uintptr_t)arg - 1] = (int)syscall(SYS_gettid);
	gdb_thread_body((uintptr_t)arg);
	return NULL;
}

static int basic(void)
{
	int bad = 0;

	gdb_marker();
	bad |= gdb_map_roundtrip(0x1234) != 0x1234;
	bad |= gdb_watch_demo() != 0x2222;
	gdb_c_map(42);
	bad |= gdb_c_result != 47;
	return bad ? 1 : 42;
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "basic";

	if (!strcmp(mode, "basic"))
		return basic();
	if (!strcmp(mode, "threads")) {
		pthread_t t[2];

		for (uintptr_t i = 0; i < 2; i++)
			if (pthread_create(&t[i], NULL, thread, (void *)(i + 1)))
				return 1;
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		return 43;
	}
	if (!strcmp(mode, "hot")) {
		/* gdb_map_load and gdb_map_store run natively after this loop */
		uint64_t sum = 0, a, b;

		for (uint64_t i = 0; i < 1000; i++)
			sum += gdb_map_roundtrip(i);
		gdb_marker();
		a = gdb_map_roundtrip(0x77);
		b = gdb_map_roundtrip(0x88);
		return sum == 999 * 1000 / 2 && a == 0x77 && b == 0x88 ? 47 : 1;
	}
	if (!strcmp(mode, "crash")) {
		gdb_crash_caller();
		return 1;
	}
	if (!strcmp(mode, "fpe")) {
		uint64_t x = 7;

		/* rdx:rax / [0x0] with rax = 0: a divide error raised by the emulator */
		__asm__ volatile("xor %%eax, %%eax\n\txor %%edx, %%edx\n\tdivq 0x0"
				 : "+r"(x) : : "rax", "rdx");
		return 1;
	}
	if (!strcmp(mode, "spin") && argc > 2) {
		uint64_t n = 0;
		FILE *f = fopen(argv[2], "w");

		if (f)
			fclose(f);
		while (!gdb_spin_stop)
			n = t_map_add(n, 1);
		return n ? 44 : 1;
	}
	if (!strcmp(mode, "fork") || !strcmp(mode, "vfork")) {
		bool v = mode[0] == 'v';
		pid_t pid = v ? vfork() : fork();
		int st;

		/* the child runs through gdb_marker: gdb's breakpoint is not its */
		if (pid == 0) {
			gdb_marker();
			_exit(v || gdb_map_roundtrip(9) == 9 ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
		gdb_marker();
		return v ? 46 : 45;
	}
	if (!strcmp(mode, "exec")) {
		/* the same program again, as "basic": gdb follows into it */
		char *args[] = { argv[0], "basic", NULL };

		gdb_marker();
		execv("/proc/self/exe", args);
		return 1;
	}
	if (!strcmp(mode, "wait") && argc > 2) {
		gdb_marker();
		while (access(argv[2], F_OK))
			usleep(1000);
		return gdb_map_roundtrip(7) == 7 ? 42 : 1;
	}
	fprintf(stderr, "usage: t_gdb basic|threads|hot|crash|fpe|spin FILE|wait FILE|fork|vfork\n");
	return 2;
}
