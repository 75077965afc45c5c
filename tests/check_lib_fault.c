/*
 * libregmap: faults of emulated instructions reach the program as the
 * CPU would have raised them.  A divide error on the map is SIGFPE
 * (FPE_INTDIV, at the instruction); an access partly outside the map or
 * beyond it is the SIGSEGV it was; an instruction regmap cannot emulate
 * prints one line and then is the SIGSEGV it was; a misaligned
 * cmpxchg16b is a #GP's SIGSEGV.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check_lib.h"

/* Instruction sites, as global labels so the tests know their addresses. */
extern const char site_div[], site_idiv[], site_lfs[], site_partial[], site_beyond[], site_cx16[];

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig, got_code;
static void *volatile got_addr;
static volatile uint64_t got_rip;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_rip = uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(jb, 1);
}

static void install(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	CHILD_ASSERT(sigaction(sig, &sa, NULL) == 0);
}

/* The faulting instructions; each is reached at most once per child. */
static __attribute__((noinline)) void run_site(int which)
{
	switch (which) {
	case 0:	/* 1 / rcx with rcx = 0 */
		__asm__ __volatile__("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n"
				     "site_div:\tdivq 0x8" : : : "rax", "rcx", "rdx", "cc");
		break;
	case 1:	/* INT64_MIN / -1 overflows */
		__asm__ __volatile__("movq $-1, %%rcx\n\tmovabsq $0x8000000000000000, %%rax\n\tcqo\n"
				     "site_idiv:\tidivq 0x8" : : : "rax", "rcx", "rdx", "cc");
		break;
	case 2:	/* a far pointer load: a segment register cannot be emulated */
		__asm__ __volatile__("site_lfs:\tlfs 0x8, %%eax" : : : "rax", "memory");
		break;
	case 3:	/* bytes 0x8c..0x93: partly outside the map */
		__asm__ __volatile__("site_partial:\tmovq 0x8c, %%rax" : : : "rax");
		break;
	case 4:	/* page 0, but beyond the map */
		__asm__ __volatile__("site_beyond:\tmovq 0x100, %%rax" : : : "rax");
		break;
	case 5:	/* cmpxchg16b needs 16-byte alignment: #GP */
		__asm__ __volatile__("site_cx16:\tcmpxchg16b 0x8" : : : "rax", "rdx", "memory", "cc");
		break;
	}
}

struct scenario {
	int site;
	int handler;		/* signal to install on_signal for, or 0 */
	int how;		/* 1: SIGFPE ignored, 2: SIGFPE blocked */
};

static void child_site(void *arg)
{
	const struct scenario *sc = arg;
	sigset_t set;

	if (sc->handler)
		install(sc->handler);
	if (sc->how == 1)
		signal(SIGFPE, SIG_IGN);
	if (sc->how == 2) {
		sigemptyset(&set);
		sigaddset(&set, SIGFPE);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	CHILD_ASSERT(regmap_map_registers() == 0);
	if (!sigsetjmp(jb, 1))
		run_site(sc->site);
	fprintf(stderr, "sig=%d code=%d addr=%p rip=%#llx\n", (int)got_sig, (int)got_code,
		got_addr, (unsigned long long)got_rip);
}

/* Run a scenario whose handler must run; the child prints what it got. */
static void expect_handled(int site, int sig, int code, const void *addr, const void *rip)
{
	struct scenario sc = { site, sig, 0 };
	char err[1024], want[128];

	ck_assert_exit0(lib_child(child_site, &sc, err, sizeof(err)));
	snprintf(want, sizeof(want), "sig=%d code=%d addr=%p rip=%#llx\n", sig, code, addr,
		 (unsigned long long)(uintptr_t)rip);
	ck_assert_ptr_nonnull(strstr(err, want));
}

START_TEST(test_divide_error)
{
	struct scenario sc = { 0, 0, 0 };

	expect_handled(0, SIGFPE, FPE_INTDIV, site_div, site_div);
	expect_handled(1, SIGFPE, FPE_INTDIV, site_idiv, site_idiv);
	ck_assert_killed(lib_child(child_site, &sc, NULL, 0), SIGFPE);
	sc.how = 1;
	ck_assert_killed(lib_child(child_site, &sc, NULL, 0), SIGFPE);
	sc.how = 2;
	ck_assert_killed(lib_child(child_site, &sc, NULL, 0), SIGFPE);
}
END_TEST

START_TEST(test_unsupported)
{
	struct scenario sc = { 2, 0, 0 };
	char err[1024], addr[32];

	ck_assert_killed(lib_child(child_site, &sc, err, sizeof(err)), SIGSEGV);
	snprintf(addr, sizeof(addr), " at %p ", (void *)site_lfs);
	ck_assert_ptr_nonnull(strstr(err, "regmap: cannot emulate `lfs"));
	ck_assert_ptr_nonnull(strstr(err, addr));
	ck_assert_ptr_nonnull(strstr(err, "(unsupported instruction on the register map)\n"));
	/* one line */
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	/* with a handler: the message, then the handler gets the fault as it was */
	expect_handled(2, SIGSEGV, SEGV_MAPERR, (void *)8, site_lfs);
}
END_TEST

START_TEST(test_partial_and_beyond)
{
	struct scenario sc = { 3, 0, 0 };
	char err[1024];

	ck_assert_killed(lib_child(child_site, &sc, err, sizeof(err)), SIGSEGV);
	ck_assert_str_eq(err, "");
	sc.site = 4;
	ck_assert_killed(lib_child(child_site, &sc, err, sizeof(err)), SIGSEGV);
	ck_assert_str_eq(err, "");
	expect_handled(3, SIGSEGV, SEGV_MAPERR, (void *)0x8c, site_partial);
	expect_handled(4, SIGSEGV, SEGV_MAPERR, (void *)0x100, site_beyond);
}
END_TEST

START_TEST(test_general_protection)
{
	struct scenario sc = { 5, 0, 0 };

	ck_assert_killed(lib_child(child_site, &sc, NULL, 0), SIGSEGV);
	expect_handled(5, SIGSEGV, SI_KERNEL, NULL, site_cx16);
}
END_TEST

TCase *lib_tcase_fault(void)
{
	TCase *tc = tcase_create("fault");

	tcase_add_test(tc, test_divide_error);
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_partial_and_beyond);
	tcase_add_test(tc, test_general_protection);
	return tc;
}
