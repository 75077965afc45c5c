/*
 * libregmap passes every fault that is not a map access to what the
 * program had before, the way the kernel would have: the program's own
 * SIGSEGV/SIGBUS handler (SA_SIGINFO or not, its sa_mask, SA_NODEFER,
 * SA_RESETHAND, changes it makes to the ucontext), SIG_IGN and SIG_DFL.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check_lib.h"

static sigjmp_buf jb;
static volatile sig_atomic_t calls, last_code, segv_blocked, usr1_blocked;
static void *volatile last_addr;

static void say(const char *s)
{
	if (write(STDERR_FILENO, s, strlen(s)) < 0)
		_exit(3);
}

static void record_mask(void)
{
	sigset_t now;

	sigprocmask(SIG_SETMASK, NULL, &now);
	segv_blocked = sigismember(&now, SIGSEGV);
	usr1_blocked = sigismember(&now, SIGUSR1);
}

static void on_fault_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	calls++;
	last_code = si->si_code;
	last_addr = si->si_addr;
	record_mask();
	say("handled\n");
	if (si->si_code > 0)
		siglongjmp(jb, 1);
}

static void on_fault_plain(int sig)
{
	(void)sig;
	calls++;
	record_mask();
	say("handled\n");
	siglongjmp(jb, 1);
}

static void install(int sig, void *fn, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (flags & SA_SIGINFO)
		sa.sa_sigaction = fn;
	else
		sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaddset(&sa.sa_mask, SIGUSR1);
	CHILD_ASSERT(sigaction(sig, &sa, NULL) == 0);
}

static void touch(void *p)
{
	*(volatile char *)p = 1;
}

static void map_works(void)
{
	uint64_t v;

	__asm__ __volatile__("movq $40, %%r9\n\taddq $2, 0x48\n\tmovq %%r9, %0"
			     : "=r"(v) : : "r9", "cc");
	CHILD_ASSERT(v == 42);
	say("map-ok\n");
}

static void child_siginfo(void *arg)
{
	void *page = lib_noaccess_page();

	install(SIGSEGV, on_fault_info, SA_SIGINFO | (arg ? SA_NODEFER : 0));
	CHILD_ASSERT(regmap_map_registers() == 0);
	if (!sigsetjmp(jb, 1))
		touch(page);
	CHILD_ASSERT(calls == 1 && last_addr == page && last_code == SEGV_ACCERR);
	CHILD_ASSERT(segv_blocked == !arg && usr1_blocked);
	map_works();
	/* a sent SIGSEGV is delivered to the handler, not emulated */
	raise(SIGSEGV);
	CHILD_ASSERT(calls == 2 && last_code == SI_TKILL);
}

START_TEST(test_own_handler_siginfo)
{
	ck_assert_exit0(lib_child(child_siginfo, NULL, NULL, 0));
	ck_assert_exit0(lib_child(child_siginfo, (void *)1, NULL, 0));	/* SA_NODEFER */
}
END_TEST

static void child_plain(void *arg)
{
	void *page = lib_noaccess_page();

	(void)arg;
	install(SIGSEGV, on_fault_plain, 0);
	CHILD_ASSERT(regmap_map_registers() == 0);
	if (!sigsetjmp(jb, 1))
		touch(page);
	CHILD_ASSERT(calls == 1 && segv_blocked && usr1_blocked);
	map_works();
}

START_TEST(test_own_handler_plain)
{
	ck_assert_exit0(lib_child(child_plain, NULL, NULL, 0));
}
END_TEST

static void child_resethand(void *arg)
{
	void *page = lib_noaccess_page();

	(void)arg;
	install(SIGSEGV, on_fault_info, SA_SIGINFO | SA_RESETHAND);
	CHILD_ASSERT(regmap_map_registers() == 0);
	if (!sigsetjmp(jb, 1))
		touch(page);
	CHILD_ASSERT(calls == 1);
	map_works();
	touch(page);		/* the handler was one-shot: this kills */
	say("survived\n");
}

START_TEST(test_own_handler_resethand)
{
	char err[256];
	int st = lib_child(child_resethand, NULL, err, sizeof(err));

	ck_assert_killed(st, SIGSEGV);
	ck_assert_str_eq(err, "handled\nmap-ok\n");
}
END_TEST

/* A handler that repairs the fault by skipping the instruction in the ucontext. */
static void on_fault_skip(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig; (void)si;
	calls++;
	uc->uc_mcontext.gregs[REG_RIP] += 3;	/* movq (%rax), %rcx */
	uc->uc_mcontext.gregs[REG_RCX] = 1234;
}

static void child_skip(void *arg)
{
	void *page = lib_noaccess_page();
	uint64_t v = 0;

	(void)arg;
	install(SIGSEGV, on_fault_skip, SA_SIGINFO);
	CHILD_ASSERT(regmap_map_registers() == 0);
	__asm__ __volatile__(".byte 0x48, 0x8b, 0x08" : "=c"(v) : "a"(page) : "memory");
	CHILD_ASSERT(calls == 1 && v == 1234);
	map_works();
}

START_TEST(test_own_handler_edits_context)
{
	ck_assert_exit0(lib_child(child_skip, NULL, NULL, 0));
}
END_TEST

static void child_ignored(void *arg)
{
	void *page = lib_noaccess_page();

	signal(SIGSEGV, arg ? SIG_IGN : SIG_DFL);
	CHILD_ASSERT(regmap_map_registers() == 0);
	map_works();
	if (arg) {
		raise(SIGSEGV);		/* ignored, as without regmap */
		say("kill-ignored\n");
		touch(page);		/* a real fault cannot be ignored */
	} else {
		raise(SIGSEGV);
	}
	say("survived\n");
}

START_TEST(test_sig_ign_and_dfl)
{
	char err[256];
	int st;

	st = lib_child(child_ignored, (void *)1, err, sizeof(err));
	ck_assert_killed(st, SIGSEGV);
	ck_assert_str_eq(err, "map-ok\nkill-ignored\n");
	st = lib_child(child_ignored, NULL, err, sizeof(err));
	ck_assert_killed(st, SIGSEGV);
	ck_assert_str_eq(err, "map-ok\n");
}
END_TEST

static void child_dfl_fault(void *arg)
{
	(void)arg;
	CHILD_ASSERT(regmap_map_registers() == 0);
	touch(lib_noaccess_page());
}

START_TEST(test_sig_dfl_fault)
{
	ck_assert_killed(lib_child(child_dfl_fault, NULL, NULL, 0), SIGSEGV);
}
END_TEST

/*
 * A handler installed after regmap_map_registers() (as in main() under
 * regmap-run --in-process): libregmap stays installed, the program sees
 * and changes its own action, and gets its real faults.
 */
static void child_after(void *arg)
{
	void *page = lib_noaccess_page();
	struct sigaction q;

	(void)arg;
	CHILD_ASSERT(regmap_map_registers() == 0);
	install(SIGSEGV, on_fault_info, SA_SIGINFO);
	CHILD_ASSERT(regmap_mode() == REGMAP_MODE_IN_PROCESS);
	CHILD_ASSERT(sigaction(SIGSEGV, NULL, &q) == 0);
	CHILD_ASSERT(q.sa_sigaction == on_fault_info && (q.sa_flags & SA_SIGINFO));
	if (!sigsetjmp(jb, 1))
		touch(page);
	CHILD_ASSERT(calls == 1 && last_addr == page);
	map_works();
	/* signal() too: it returns the program's handler and sets the default */
	CHILD_ASSERT((void *)signal(SIGSEGV, SIG_DFL) == (void *)on_fault_info);
	map_works();
	touch(page);
	say("survived\n");
}

START_TEST(test_own_handler_after_map)
{
	char err[256];

	ck_assert_killed(lib_child(child_after, NULL, err, sizeof(err)), SIGSEGV);
	ck_assert_str_eq(err, "handled\nmap-ok\nmap-ok\n");
}
END_TEST

/* SIGBUS: an access beyond the end of a file mapping. */
static void child_sigbus(void *arg)
{
	int fd = memfd_create("regmap-test", MFD_CLOEXEC);
	char *p;

	CHILD_ASSERT(fd >= 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_ASSERT(p != MAP_FAILED);
	if (arg)
		install(SIGBUS, on_fault_info, SA_SIGINFO);
	CHILD_ASSERT(regmap_map_registers() == 0);
	if (!sigsetjmp(jb, 1))
		touch(p);
	CHILD_ASSERT(calls == 1 && last_addr == p && last_code == BUS_ADRERR);
	map_works();
}

START_TEST(test_sigbus)
{
	ck_assert_exit0(lib_child(child_sigbus, (void *)1, NULL, 0));
	ck_assert_killed(lib_child(child_sigbus, NULL, NULL, 0), SIGBUS);
}
END_TEST

TCase *lib_tcase_chain(void)
{
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, test_own_handler_siginfo);
	tcase_add_test(tc, test_own_handler_plain);
	tcase_add_test(tc, test_own_handler_resethand);
	tcase_add_test(tc, test_own_handler_edits_context);
	tcase_add_test(tc, test_own_handler_after_map);
	tcase_add_test(tc, test_sig_ign_and_dfl);
	tcase_add_test(tc, test_sig_dfl_fault);
	tcase_add_test(tc, test_sigbus);
	return tc;
}
