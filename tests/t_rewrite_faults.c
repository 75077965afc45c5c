/*
 * t_rewrite_faults: a native-speed site that faults behaves as the
 * emulated instruction does: the same signal, si_code and address, with
 * rip at the site and rsp as it was there, whether the site was
 * rewritten in place (the native instruction faults at the site) or
 * through a stub (the fault inside the stub is moved back to the site:
 * doc/REWRITE.md section 4).  Each site first runs once normally, so it
 * is rewritten (with "on"), then faults.
 *
 *	t_rewrite_faults on|off
 *
 * Cases: a division by zero (in place, and in a stub), a PUSH onto a
 * stack that cannot be written (in place, and in a stub), a CALL onto
 * that stack (in place: its NOP comes first, the call faults past the
 * site), and a stub whose own frame below the red zone cannot be
 * written while the instruction itself is fine: it completes, no signal.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "t_harness.h"
#include "t_rewrite.h"

extern const unsigned char t_site_div_inplace[], t_site_div_stub[], t_site_push_inplace[],
	t_site_push_stub[], t_site_call_inplace[], t_site_frame_stub[];

static sigjmp_buf back;
static volatile sig_atomic_t got_sig;
static volatile int got_code;
static volatile uint64_t got_rip, got_rsp, got_addr;
static uint64_t site_rsp;	/* rsp at the site, stored by the case itself */
static unsigned char *bad_top;	/* top of an inaccessible page, a good page above */

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uint64_t)(uintptr_t)si->si_addr;
	got_rip = uc->uc_mcontext.gregs[REG_RIP];
	got_rsp = uc->uc_mcontext.gregs[REG_RSP];
	siglongjmp(back, 1);
}

/* divq [0x18]: rdx:rax / rbx, in place (div rbx) */
T_SITE_FN uint64_t div_inplace(uint64_t divisor)
{
	uint64_t q;

	__asm__ volatile("mov %2, %%rbx\n\txor %%edx, %%edx\n\tmov %%rsp, %1\n\t"
			 ".globl t_site_div_inplace\nt_site_div_inplace:\tdivq 0x18"
			 : "=a"(q), "=m"(site_rsp) : "r"(divisor), "0"(100) : "rbx", "rdx", "cc");
	return q;
}

/* divl [0x1c]: edx:eax / rbx's top half, in a stub */
T_SITE_FN uint64_t div_stub(uint64_t divisor)
{
	uint64_t q;

	__asm__ volatile("mov %2, %%rbx\n\tshl $32, %%rbx\n\txor %%edx, %%edx\n\t"
			 "mov %%rsp, %1\n\t"
			 ".globl t_site_div_stub\nt_site_div_stub:\tdivl 0x1c"
			 : "=a"(q), "=m"(site_rsp) : "r"(divisor), "0"(100) : "rbx", "rdx", "cc");
	return q;
}

/*
 * The stack forms run on stack: the thread's own (below its red zone),
 * or bad_top, under which nothing can be written.  They come back with
 * the value pushed (or the return address) popped.
 */
T_SITE_FN uint64_t push_inplace(unsigned char *stack)
{
	uint64_t v;

	__asm__ volatile("mov %%rsp, %%r12\n\tmov %2, %%rsp\n\tmov %%rsp, %1\n\t"
			 "mov $0x5a5a, %%ebx\n\t"
			 ".globl t_site_push_inplace\nt_site_push_inplace:\tpushq 0x18\n\t"
			 "popq %0\n\tmov %%r12, %%rsp"
			 : "=r"(v), "=m"(site_rsp) : "r"(stack) : "rbx", "r12", "memory");
	return v;
}

T_SITE_FN uint64_t push_stub(unsigned char *stack)
{
	uint64_t v;

	__asm__ volatile("mov %%rsp, %%r12\n\tmov %2, %%rsp\n\tmov %%rsp, %1\n\t"
			 "mov $0x11, %%eax\n\tmov $0x22, %%ecx\n\t"
			 ".globl t_site_push_stub\nt_site_push_stub:\tpushq 0x04\n\t"
			 "popq %0\n\tmov %%r12, %%rsp"
			 : "=r"(v), "=m"(site_rsp) : "r"(stack) : "rax", "rcx", "r12", "memory");
	return v;
}

T_SITE_FN uint64_t call_inplace(unsigned char *stack)
{
	uint64_t v;

	__asm__ volatile("mov %%rsp, %%r12\n\tmov %2, %%rsp\n\tmov %%rsp, %1\n\t"
			 "lea 2f(%%rip), %%rdx\n\t"
			 ".globl t_site_call_inplace\nt_site_call_inplace:\tcall *0x10\n\t"
			 "ud2\n2:\tpopq %0\n\tmov %%r12, %%rsp"
			 : "=r"(v), "=m"(site_rsp) : "r"(stack) : "rdx", "r12", "memory");
	return v;
}

/* movl [0x14], ecx (a stub) with rsp 64 bytes above bad memory: the red zone is too */
T_SITE_FN uint64_t frame_stub(unsigned char *stack)
{
	uint64_t v;

	__asm__ volatile("mov %%rsp, %%r12\n\tmov %2, %%rsp\n\tmov %%rsp, %1\n\t"
			 "mov $0x33, %%edx\n\tmov $0x44, %%ecx\n\t"
			 ".globl t_site_frame_stub\nt_site_frame_stub:\tmovl %%ecx, 0x14\n\t"
			 "mov %%rdx, %0\n\tmov %%r12, %%rsp"
			 : "=r"(v), "=m"(site_rsp) : "r"(stack) : "rcx", "rdx", "r12", "memory");
	return v;
}

/* Run fn(arg); 0 if it returned (its value in *v), else the signal. */
static int attempt(uint64_t (*fn)(void *), void *arg, uint64_t *v)
{
	got_sig = 0;
	if (sigsetjmp(back, 1))
		return got_sig;
	*v = fn(arg);
	return 0;
}

static void expect_fault(const char *what, uint64_t (*fn)(void *), void *arg, int sig,
			 int code, const unsigned char *site, uint64_t addr)
{
	uint64_t v = 0;
	char name[128];

	snprintf(name, sizeof(name), "%s: signal", what);
	if (!t_expect(name, attempt(fn, arg, &v), sig))
		return;
	snprintf(name, sizeof(name), "%s: si_code", what);
	t_expect(name, got_code, code);
	snprintf(name, sizeof(name), "%s: rip at the site", what);
	t_expect(name, got_rip, (uint64_t)(uintptr_t)site);
	snprintf(name, sizeof(name), "%s: rsp as at the site", what);
	t_expect(name, got_rsp, site_rsp);
	snprintf(name, sizeof(name), "%s: si_addr", what);
	t_expect(name, got_addr, addr);
}

static uint64_t div_inplace_v(void *d) { return div_inplace((uintptr_t)d); }
static uint64_t div_stub_v(void *d) { return div_stub((uintptr_t)d); }
static uint64_t push_inplace_v(void *s) { return push_inplace(s); }
static uint64_t push_stub_v(void *s) { return push_stub(s); }
static uint64_t call_inplace_v(void *s) { return call_inplace(s); }
static uint64_t frame_stub_v(void *s) { return frame_stub(s); }

int main(int argc, char **argv)
{
	static unsigned char altstack[64 * 1024];
	_Alignas(16) static unsigned char good[8192];
	unsigned char *good_top = good + sizeof(good) - 256;
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	struct t_site sites[] = {
		{ "div in place", t_site_div_inplace, T_RW_INPLACE, { 0 } },
		{ "div in a stub", t_site_div_stub, T_RW_STUB, { 0 } },
		{ "push in place", t_site_push_inplace, T_RW_INPLACE, { 0 } },
		{ "push in a stub", t_site_push_stub, T_RW_STUB, { 0 } },
		{ "call in place", t_site_call_inplace, T_RW_INPLACE, { 0 } },
		{ "store in a stub", t_site_frame_stub, T_RW_STUB, { 0 } },
	};
	int on = t_rw_mode(argc, argv);
	unsigned char *pages;
	uint64_t v;

	if (on < 0)
		return 2;
	t_sites_save(sites, sizeof(sites) / sizeof(sites[0]));
	/* two pages: the lower one inaccessible */
	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages, 4096, PROT_NONE)) {
		printf("FAIL: mmap/mprotect\n");
		return 1;
	}
	bad_top = pages + 4096;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) || sigaction(SIGFPE, &sa, NULL) || sigaction(SIGSEGV, &sa, NULL)) {
		printf("FAIL: sigaltstack/sigaction\n");
		return 1;
	}

	/* each runs fine once: the first trap rewrites it */
	t_expect("div in place", attempt(div_inplace_v, (void *)3, &v) ? ~0ull : v, 33);
	t_expect("div in a stub", attempt(div_stub_v, (void *)3, &v) ? ~0ull : v, 33);
	t_expect("push in place", attempt(push_inplace_v, good_top, &v) ? ~0ull : v, 0x5a5a);
	t_expect("push in a stub", attempt(push_stub_v, good_top, &v) ? ~0ull : v,
		 0x2200000000ull);
	t_expect("call in place", attempt(call_inplace_v, good_top, &v) ? ~0ull : v,
		 (uint64_t)(uintptr_t)t_site_call_inplace + 7);
	t_expect("store in a stub", attempt(frame_stub_v, good_top, &v) ? ~0ull : v,
		 0x4400000033ull);

	/* then they fault as the instruction does */
	expect_fault("div in place by 0", div_inplace_v, (void *)0, SIGFPE, FPE_INTDIV,
		     t_site_div_inplace, (uint64_t)(uintptr_t)t_site_div_inplace);
	expect_fault("div in a stub by 0", div_stub_v, (void *)0, SIGFPE, FPE_INTDIV,
		     t_site_div_stub, (uint64_t)(uintptr_t)t_site_div_stub);
	expect_fault("push in place, bad stack", push_inplace_v, bad_top, SIGSEGV, SEGV_ACCERR,
		     t_site_push_inplace, (uint64_t)(uintptr_t)bad_top - 8);
	expect_fault("push in a stub, bad stack", push_stub_v, bad_top, SIGSEGV, SEGV_ACCERR,
		     t_site_push_stub, (uint64_t)(uintptr_t)bad_top - 8);
	expect_fault("call in place, bad stack", call_inplace_v, bad_top, SIGSEGV, SEGV_ACCERR,
		     t_site_call_inplace, (uint64_t)(uintptr_t)bad_top - 8);
	/* the instruction needs no stack: it completes, whatever the stub's frame */
	t_expect("store in a stub, bad frame: signal", attempt(frame_stub_v, bad_top + 64, &v),
		 0);
	t_expect("store in a stub, bad frame", got_sig ? ~0ull : v, 0x4400000033ull);

	t_failures += t_sites_check(sites, sizeof(sites) / sizeof(sites[0]), on);
	return t_done("rewrite faults");
}
