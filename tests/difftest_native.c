/*
 * difftest: the native run.  The instruction runs in a JIT copy of
 * difftest_jit.S with all 16 GPRs and rflags loaded from a save area; a
 * fault (#DE from DIV, #GP from a misaligned CMPXCHG16B) is caught on an
 * alternate signal stack and left with siglongjmp.
 */
#define _GNU_SOURCE	/* REG_RIP */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "difftest.h"
#include "difftest_jit.h"

extern const unsigned char dt_jit_tmpl[], dt_jit_after[], dt_jit_land[],
	dt_jit_tmpl_end[];

uint8_t *dt_scratch;

static uint8_t *dt_jit;			/* the JIT mapping */
static bool dt_jit_wx;			/* code page must be flipped RW <-> RX */
static sigjmp_buf dt_jmp;
static volatile sig_atomic_t dt_in_native;
static volatile int dt_sig, dt_sicode;
static volatile uint64_t dt_sig_rip, dt_sig_addr;
static unsigned char dt_altstack[64 * 1024] __attribute__((aligned(16)));

#define DT_DATA(off)	(dt_jit + DT_JIT_DATA + (off))

static void dt_on_fault(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	if (!dt_in_native) {
		/* a bug in difftest itself: let the default action report it */
		signal(sig, SIG_DFL);
		return;
	}
	dt_in_native = 0;
	dt_sig = sig;
	dt_sicode = si->si_code;
	dt_sig_addr = (uint64_t)(uintptr_t)si->si_addr;
	dt_sig_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(dt_jmp, 1);
}

/* At DT_JIT_ADDR if that is free, else anywhere. */
static void *dt_map(int prot, bool *fixed)
{
	void *p = mmap((void *)(uintptr_t)DT_JIT_ADDR, DT_JIT_SIZE, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	*fixed = p == (void *)(uintptr_t)DT_JIT_ADDR;
	if (p != MAP_FAILED && !*fixed) {
		/* an old kernel took the address as a hint only */
		munmap(p, DT_JIT_SIZE);
		p = MAP_FAILED;
	}
	if (p == MAP_FAILED)
		p = mmap(NULL, DT_JIT_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p;
}

int dt_native_init(bool *fixed)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
	size_t tlen = (size_t)(dt_jit_tmpl_end - dt_jit_tmpl);
	struct sigaction sa;
	stack_t ss;

	if (tlen > DT_JIT_PAGE)
		return -E2BIG;
	dt_jit = dt_map(PROT_READ | PROT_WRITE | PROT_EXEC, fixed);
	if (dt_jit == MAP_FAILED) {
		/* W^X policy: write the code page RW, run it RX */
		dt_jit_wx = true;
		dt_jit = dt_map(PROT_READ | PROT_WRITE, fixed);
		if (dt_jit == MAP_FAILED)
			return -errno;
	} else if (mprotect(dt_jit + DT_JIT_DATA, DT_JIT_SIZE - DT_JIT_DATA,
			    PROT_READ | PROT_WRITE)) {
		return -errno;
	}
	memcpy(dt_jit, dt_jit_tmpl, tlen);
	dt_scratch = dt_jit + DT_JIT_SCRATCH;

	ss.ss_sp = dt_altstack;
	ss.ss_size = sizeof(dt_altstack);
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dt_on_fault;
	/* NODEFER: siglongjmp(…, 0-mask) leaves the signal unblocked */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}

uint64_t dt_native_insn_addr(unsigned len)
{
	return (uint64_t)(uintptr_t)(dt_jit + (dt_jit_after - dt_jit_tmpl)) - len;
}

uint64_t dt_native_buffer(void)
{
	return (uint64_t)(uintptr_t)DT_DATA(DT_D_BUF);
}

uint64_t dt_native_landing(void)
{
	return (uint64_t)(uintptr_t)(dt_jit + (dt_jit_land - dt_jit_tmpl));
}

static void dt_code_prot(int prot)
{
	if (dt_jit_wx && mprotect(dt_jit, DT_JIT_PAGE, prot))
		abort();
}

void dt_native_run(const struct dt_code *code, const uint64_t gpr[16],
		   uint64_t rflags, const uint8_t img[REGMAP_MAP_SIZE],
		   struct dt_native *out)
{
	uint64_t addr = dt_native_insn_addr(code->len);
	void (*entry)(void) = (void (*)(void))(void *)dt_jit;

	dt_code_prot(PROT_READ | PROT_WRITE);
	memcpy((void *)(uintptr_t)addr, code->b, code->len);
	dt_code_prot(PROT_READ | PROT_EXEC);
	memcpy(DT_DATA(DT_D_IN), gpr, 16 * sizeof(uint64_t));
	memcpy(DT_DATA(DT_D_INFLAGS), &rflags, sizeof(rflags));
	memcpy(DT_DATA(DT_D_INSN), &addr, sizeof(addr));
	memset(DT_DATA(DT_D_LANDED), 0, sizeof(uint64_t));
	memcpy(DT_DATA(DT_D_BUF), img, REGMAP_MAP_SIZE);

	memset(out, 0, offsetof(struct dt_native, buf));
	if (sigsetjmp(dt_jmp, 0) == 0) {
		dt_in_native = 1;
		entry();
		dt_in_native = 0;
		memcpy(out->gpr, DT_DATA(DT_D_OUT), sizeof(out->gpr));
		memcpy(&out->rflags, DT_DATA(DT_D_OUTFLAGS), sizeof(out->rflags));
		out->landed = *DT_DATA(DT_D_LANDED) != 0;
	} else {
		out->signo = dt_sig;
		out->si_code = dt_sicode;
		out->fault_rip = dt_sig_rip;
		out->fault_addr = dt_sig_addr;
		if (dt_sig_rip != addr)
			out->fault = DT_FAULT_OTHER;
		else if (dt_sig == SIGFPE)
			out->fault = DT_FAULT_DE;
		else if (dt_sig == SIGSEGV && dt_sicode == SI_KERNEL)
			out->fault = DT_FAULT_GP;
		else
			out->fault = DT_FAULT_OTHER;
	}
	memcpy(out->buf, DT_DATA(DT_D_BUF), REGMAP_MAP_SIZE);
	memcpy(out->scratch, dt_scratch, DT_SCRATCH_SIZE);
}
