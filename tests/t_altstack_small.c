/*
 * t_altstack_small: map accesses with an 8 KiB alternate signal stack
 * (SIGSTKSZ, what Rust's runtime installs), guarded below so that an
 * overflow faults instead of corrupting memory:
 *
 *   from ordinary code (the map's SIGSEGV arrives on that small stack);
 *   inside an SA_ONSTACK handler of the program, which already has a
 *   signal frame on it: a general-purpose access, a push through the map
 *   and an SSE access (whose frame carries the vector state).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define SMALL	8192

static volatile int in_handler, fails;

static void check(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		printf("FAIL %s: got %#llx, want %#llx\n", what, (unsigned long long)got,
		       (unsigned long long)want);
		fails++;
	}
}

/* a general-purpose access, a push through the map, an SSE access */
static void accesses(const char *where)
{
	uint64_t rdx = 0x1122334455667788ull, rbx = 40, pushed, lo, hi;

	__asm__ volatile("addq $2, 0x18" : "+b"(rbx) : : "cc", "memory");
	check("add qword ptr [0x18], 2", rbx, 42);
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq 0x10\n\tpop %0\n\tlea 128(%%rsp), %%rsp"
			 : "=r"(pushed) : "d"(rdx) : "memory");
	check("push qword ptr [0x10]", pushed, rdx);
	__asm__ volatile("movdqu 0x10, %%xmm0\n\tmovq %%xmm0, %0\n\tpsrldq $8, %%xmm0\n\t"
			 "movq %%xmm0, %1"
			 : "=r"(lo), "=r"(hi) : "d"(rdx), "b"(rbx) : "xmm0", "memory");
	check("movdqu xmm0, [0x10]: rdx", lo, rdx);
	check("movdqu xmm0, [0x10]: rbx", hi, rbx);
	printf("%s: %s\n", where, fails ? "FAILED" : "ok");
}

static void on_usr1(int sig)
{
	(void)sig;
	in_handler = 1;
	accesses("in an SA_ONSTACK handler");
}

int main(void)
{
	struct sigaction sa;
	stack_t ss;
	char *p;

	/* a guard page, then SIGSTKSZ bytes */
	p = mmap(NULL, 4096 + SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p, 4096, PROT_NONE))
		return 2;
	ss.ss_sp = p + 4096;
	ss.ss_size = SMALL;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	accesses("with an 8 KiB alternate stack");
	raise(SIGUSR1);
	if (!in_handler) {
		printf("FAIL the handler did not run\n");
		fails++;
	}
	printf("t_altstack_small: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}
