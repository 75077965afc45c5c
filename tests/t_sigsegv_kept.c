/*
 * t_sigsegv_kept MODE: the program's SIGSEGV action and mask after a map
 * access made while SIGSEGV is blocked or ignored are what they were, as
 * with the register form the access stands for:
 *
 *   handler      a SIGUSR1 handler with a full sa_mask does
 *                imul rax, [0x10], 7: inside, SIGSEGV is still blocked;
 *                afterwards the program's SIGSEGV handler is still its
 *                own, and a real fault reaches it;
 *   procmask     the same with SIGSEGV blocked by sigprocmask();
 *   ignored      SIGSEGV ignored: still ignored after the access;
 *   fault        SIGSEGV blocked, then a real fault: the kernel forces it,
 *                the program dies of SIGSEGV (the runner expects 139);
 *   attach FILE  (regmap-run -p) write the pid to FILE, wait until
 *                FILE.go exists, then as "handler".
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int real_faults, fails;
static volatile uint64_t product;
static volatile int segv_blocked_inside;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	real_faults++;
	siglongjmp(jb, 1);
}

static uint64_t map_imul(uint64_t rdx)
{
	uint64_t rax;

	__asm__ volatile("imul $7, 0x10, %0" : "=r"(rax) : "d"(rdx) : "cc");
	return rax;
}

static void on_usr1(int sig)
{
	sigset_t cur;

	(void)sig;
	product = map_imul(6);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	segv_blocked_inside = sigismember(&cur, SIGSEGV);
}

static void expect(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		fails++;
}

/* A real fault (a page with no access): the program's handler must get it. */
static void real_fault(void)
{
	static char *page;

	if (!page)
		page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!sigsetjmp(jb, 1))
		*(volatile char *)page = 1;
}

static int handler_still_mine(void)
{
	struct sigaction cur;

	return sigaction(SIGSEGV, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == on_segv && sigismember(&cur.sa_mask, SIGUSR2);
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "handler";
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGSEGV, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);

	if (!strcmp(mode, "attach")) {
		char go[4096];
		FILE *f;

		if (argc < 3)
			return 2;
		snprintf(go, sizeof(go), "%s.go", argv[2]);
		f = fopen(argv[2], "w");
		if (!f)
			return 2;
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		while (access(go, F_OK))
			usleep(10000);
		mode = "handler";
	}
	if (!strcmp(mode, "handler")) {
		raise(SIGUSR1);
		expect("imul in a handler with a full sa_mask", product == 42);
		expect("SIGSEGV blocked inside that handler", segv_blocked_inside);
		expect("the SIGSEGV handler afterwards", handler_still_mine());
		real_fault();
		expect("a real fault reaches it", real_faults == 1);
	} else if (!strcmp(mode, "procmask")) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		product = map_imul(6);
		expect("imul with SIGSEGV blocked", product == 42);
		sigprocmask(SIG_BLOCK, NULL, &set);
		expect("SIGSEGV still blocked", sigismember(&set, SIGSEGV));
		expect("the SIGSEGV handler afterwards", handler_still_mine());
		sigemptyset(&set);
		sigaddset(&set, SIGSEGV);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		real_fault();
		expect("a real fault reaches it", real_faults == 1);
	} else if (!strcmp(mode, "ignored")) {
		struct sigaction cur;

		signal(SIGSEGV, SIG_IGN);
		raise(SIGUSR1);
		expect("imul in a handler with a full sa_mask", product == 42);
		expect("SIGSEGV still ignored",
		       sigaction(SIGSEGV, NULL, &cur) == 0 && cur.sa_handler == SIG_IGN);
	} else if (!strcmp(mode, "fault")) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		fflush(stdout);
		real_fault();
		printf("FAIL survived a real fault with SIGSEGV blocked (%d in the handler)\n",
		       real_faults);
		return 1;
	} else {
		fprintf(stderr, "usage: t_sigsegv_kept handler|procmask|ignored|fault|attach FILE\n");
		return 2;
	}
	printf("t_sigsegv_kept %s: %s\n", mode, fails ? "FAILED" : "ok");
	return fails != 0;
}
