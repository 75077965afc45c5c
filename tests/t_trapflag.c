/*
 * t_trapflag [steps|blocked|ignored]: single-stepping with TF across map
 * accesses traps where the CPU traps.
 *
 *   steps    the same block of instructions runs twice with TF set: on
 *            the map (r8 = 0) and on a buffer imaging the registers
 *            (r8 = buffer, so the CPU runs every instruction itself).
 *            The SIGTRAP handler records each trap (rip, si_code,
 *            si_addr); the two runs must trap at the same places, after
 *            every instruction and after each iteration of a rep movsb.
 *   blocked  SIGTRAP blocked, then a map access with TF set: the CPU's
 *            trap is forced, so the program dies of SIGTRAP right after
 *            the access, before the next instruction (which would mark a
 *            shared page).
 *   ignored  the same with SIGTRAP ignored.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_TRAPS	64

struct trap {
	uint64_t off;		/* rip - start of the block */
	int code;
	int addr_ok;		/* si_addr == rip */
};

static struct trap traps[MAX_TRAPS];
static volatile int ntraps;
static uint64_t block_start;

extern char tf_block[], tf_block_end[];

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t rip = uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	if (ntraps < MAX_TRAPS) {
		traps[ntraps].off = rip - block_start;
		traps[ntraps].code = si->si_code;
		traps[ntraps].addr_ok = (uint64_t)si->si_addr == rip;
	}
	ntraps++;
}

/*
 * The block: TF on, instructions whose memory operands are OFF(%r8), TF
 * off.  rsi points at the source of the string move (map offset 0x40 or
 * the buffer's), rdi at a real destination, rcx = 3; rbx and r9..r11 are
 * free.  The map run and the buffer run differ only in r8 (and rsi).
 */
static void run_block(uint64_t base, uint64_t src, void *dst)
{
	register uint64_t r8 __asm__("r8") = base;

	__asm__ volatile(
		"lea -128(%%rsp), %%rsp\n\t"
		"lea 3f(%%rip), %%r9\n\t"
		"mov %%r9, 0x48(%%r8)\n\t"	/* buffer run: r9's slot for the jmp */
		"mov $3, %%ecx\n\t"
		"pushfq\n\t"
		"orq $0x100, (%%rsp)\n\t"
		"popfq\n\t"
		".globl tf_block\n"
		"tf_block:\n\t"
		"nop\n\t"
		"mov 0x10(%%r8), %%rax\n\t"	/* load: rdx */
		"add %%rax, 0x18(%%r8)\n\t"	/* read-modify-write: rbx */
		"mov 0x80(%%r8), %%r10\n\t"	/* rip's slot */
		"orq $0, 0x88(%%r8)\n\t"	/* rflags' slot, TF stays */
		"rep movsb\n\t"			/* three iterations, the source on the map */
		"jmp *0x48(%%r8)\n\t"		/* through r9's slot */
		"ud2\n"
		"3:\n\t"
		"nop\n\t"
		"pushfq\n\t"
		"andq $~0x100, (%%rsp)\n\t"
		"popfq\n"
		".globl tf_block_end\n"
		"tf_block_end:\n\t"
		"lea 128(%%rsp), %%rsp"
		: "+r"(r8), "+S"(src), "+D"(dst)
		: : "rax", "rbx", "rcx", "rdx", "r9", "r10", "r11", "cc", "memory");
}

static int steps(void)
{
	static struct trap on_map[MAX_TRAPS];
	_Alignas(16) uint8_t img[0x90];
	uint8_t dst[8];
	int n_map, fails = 0;

	block_start = (uint64_t)(uintptr_t)tf_block;
	ntraps = 0;
	run_block(0, 0x40, dst);
	n_map = ntraps;
	memcpy(on_map, traps, sizeof(traps));

	memset(img, 0x5a, sizeof(img));
	ntraps = 0;
	run_block((uint64_t)(uintptr_t)img, (uint64_t)(uintptr_t)img + 0x40, dst);

	printf("native: %d traps, on the map: %d\n", ntraps, n_map);
	if (ntraps < 12) {
		printf("FAIL the native run trapped only %d times\n", ntraps);
		return 1;
	}
	for (int i = 0; i < ntraps || i < n_map; i++) {
		const struct trap *a = &traps[i], *b = &on_map[i];

		if (i >= MAX_TRAPS)
			break;
		if (i >= ntraps || i >= n_map || a->off != b->off || a->code != b->code ||
		    a->addr_ok != b->addr_ok) {
			printf("FAIL trap %d: native +%#llx code %d%s, on the map +%#llx code %d%s\n",
			       i, i < ntraps ? (unsigned long long)a->off : 0ull,
			       i < ntraps ? a->code : 0,
			       i < ntraps && !a->addr_ok ? " (si_addr not rip)" : "",
			       i < n_map ? (unsigned long long)b->off : 0ull,
			       i < n_map ? b->code : 0,
			       i < n_map && !b->addr_ok ? " (si_addr not rip)" : "");
			fails++;
		}
	}
	printf("t_trapflag steps: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}

/* A map access with TF set and SIGTRAP blocked or ignored: the trap kills. */
static int forced(int ignore)
{
	volatile uint8_t *mark = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	if (mark == MAP_FAILED)
		return 2;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		sigset_t set;

		if (ignore) {
			signal(SIGTRAP, SIG_IGN);
		} else {
			sigemptyset(&set);
			sigaddset(&set, SIGTRAP);
			sigprocmask(SIG_BLOCK, &set, NULL);
		}
		__asm__ volatile(
			"lea -128(%%rsp), %%rsp\n\t"
			"pushfq\n\t"
			"orq $0x100, (%%rsp)\n\t"
			"popfq\n\t"
			"mov 0x10, %%rax\n\t"		/* traps right after this */
			"movb $1, (%0)\n\t"
			"pushfq\n\t"
			"andq $~0x100, (%%rsp)\n\t"
			"popfq\n\t"
			"lea 128(%%rsp), %%rsp"
			: : "r"(mark) : "rax", "cc", "memory");
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTRAP || *mark) {
		printf("FAIL %s SIGTRAP: the child %s %d, %s the next instruction\n",
		       ignore ? "ignored" : "blocked", WIFSIGNALED(st) ? "died of signal" :
		       "exited with", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
		       *mark ? "after" : "before");
		return 1;
	}
	printf("t_trapflag %s: ok (killed by SIGTRAP before the next instruction)\n",
	       ignore ? "ignored" : "blocked");
	return 0;
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "steps";
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, NULL);
	if (!strcmp(mode, "steps"))
		return steps();
	if (!strcmp(mode, "blocked") || !strcmp(mode, "ignored")) {
		signal(SIGTRAP, SIG_DFL);
		return forced(!strcmp(mode, "ignored"));
	}
	fprintf(stderr, "usage: t_trapflag [steps|blocked|ignored]\n");
	return 2;
}
