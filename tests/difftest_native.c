/*
 * difftest: the native run.  The instruction runs in a JIT copy of
 * difftest_jit.S with all 16 GPRs and rflags (and, for the addressing
 * forms, the fs and gs bases) loaded from a save area; a fault (#DE from
 * DIV, #GP from a misaligned CMPXCHG16B or a non-canonical address, a
 * page fault next to a map image, a jump to where no code is) is caught
 * on an alternate signal stack and left with siglongjmp.
 */
#define _GNU_SOURCE	/* REG_RIP */
#include <asm/prctl.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "difftest.h"
#include "difftest_jit.h"

extern const unsigned char dt_jit_tmpl[], dt_jit_after[], dt_jit_land[],
	dt_jit_tmpl_end[];
void dt_jit_sigentry(int sig, siginfo_t *si, void *uc);

uint8_t *dt_scratch;

/* for dt_jit_sigentry: the case's bases are set; glibc's are these */
__attribute__((visibility("hidden"))) volatile uint64_t dt_seg_dirty;
__attribute__((visibility("hidden"))) uint64_t dt_seg_host[2];

static uint8_t *dt_jit;			/* the JIT mapping */
static bool dt_jit_wx;			/* code page must be flipped RW <-> RX */
static sigjmp_buf dt_jmp;
static volatile sig_atomic_t dt_in_native;
static volatile int dt_sig, dt_sicode;
static volatile uint64_t dt_sig_rip, dt_sig_addr, dt_sig_rflags;
static volatile uint64_t dt_sig_gpr[16];
static unsigned char dt_altstack[64 * 1024] __attribute__((aligned(16)));

#define DT_DATA(off)	(dt_jit + DT_JIT_DATA + (off))

/* ucontext's order of the GPRs, in map order */
static const int dt_greg[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* reached through dt_jit_sigentry, which puts glibc's fs and gs bases back */
__attribute__((visibility("hidden"))) void dt_on_fault(int sig, siginfo_t *si, void *uc_);

void dt_on_fault(int sig, siginfo_t *si, void *uc_)
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
	dt_sig_rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
	for (unsigned i = 0; i < 16; i++)
		dt_sig_gpr[i] = (uint64_t)uc->uc_mcontext.gregs[dt_greg[i]];
	siglongjmp(dt_jmp, 1);
}

/*
 * At DT_JIT_ADDR if that is free, else anywhere below 2^31 (MAP_32BIT),
 * where displacements and 32-bit addresses reach it.
 */
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
		p = mmap(NULL, DT_JIT_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
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
	if (mprotect(dt_jit + DT_JIT_GUARD_LO, DT_JIT_PAGE, PROT_NONE) ||
	    mprotect(dt_jit + DT_JIT_GUARD_HI, DT_JIT_PAGE, PROT_NONE))
		return -errno;
	memcpy(dt_jit, dt_jit_tmpl, tlen);
	dt_scratch = dt_jit + DT_JIT_SCRATCH;
	/* glibc's fs base (its thread pointer) and gs base, for after a case's */
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &dt_seg_host[0]) ||
	    syscall(SYS_arch_prctl, ARCH_GET_GS, &dt_seg_host[1]))
		return -errno;
	memcpy(DT_DATA(DT_D_HOSTFS), &dt_seg_host[0], 8);
	memcpy(DT_DATA(DT_D_HOSTGS), &dt_seg_host[1], 8);

	ss.ss_sp = dt_altstack;
	ss.ss_size = sizeof(dt_altstack);
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dt_jit_sigentry;
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

uint64_t dt_native_image(enum dt_img img)
{
	switch (img) {
	case DT_IMG_LO:
		return (uint64_t)(uintptr_t)(dt_jit + DT_JIT_IMG_LO);
	case DT_IMG_HI:
		return (uint64_t)(uintptr_t)(dt_jit + DT_JIT_IMG_HI);
	default:
		return dt_native_buffer();
	}
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
	const struct dt_native_in in = {
		.gpr = gpr, .rflags = rflags, .img = img, .buf = dt_native_buffer(),
	};

	dt_native_run_in(code, &in, out);
}

/* Is addr in one of the guard pages (a fault there is the access's own)? */
static bool dt_in_guard(uint64_t addr)
{
	uint64_t lo = (uint64_t)(uintptr_t)(dt_jit + DT_JIT_GUARD_LO);
	uint64_t hi = (uint64_t)(uintptr_t)(dt_jit + DT_JIT_GUARD_HI);

	return addr - lo < DT_JIT_PAGE || addr - hi < DT_JIT_PAGE;
}

static void dt_native_fault(const struct dt_native_in *in, uint64_t addr,
			    struct dt_native *out)
{
	out->signo = dt_sig;
	out->si_code = dt_sicode;
	out->fault_rip = dt_sig_rip;
	out->fault_addr = dt_sig_addr;
	if (in->faults_ok && dt_sig == SIGSEGV && dt_sig_rip != addr &&
	    dt_sig_rip == dt_sig_addr && !dt_in_guard(dt_sig_addr) &&
	    (dt_sicode == SEGV_MAPERR || dt_sicode == SEGV_ACCERR)) {
		/* the instruction jumped where no code is: its registers are the result */
		out->fault = DT_FAULT_NONE;
		out->jumped = true;
		for (unsigned i = 0; i < 16; i++)
			out->gpr[i] = dt_sig_gpr[i];
		/* the kernel's RF (resume flag) is not the program's */
		out->rflags = dt_sig_rflags & ~0x10000ull;
	} else if (dt_sig_rip != addr) {
		out->fault = DT_FAULT_OTHER;
	} else if (dt_sig == SIGFPE) {
		out->fault = DT_FAULT_DE;
	} else if ((dt_sig == SIGSEGV || dt_sig == SIGBUS) && dt_sicode == SI_KERNEL) {
		/* #GP, or #SS (SIGBUS) for a non-canonical address based on rsp or rbp */
		out->fault = DT_FAULT_GP;
	} else if (in->faults_ok && dt_sig == SIGSEGV && dt_in_guard(dt_sig_addr) &&
		   (dt_sicode == SEGV_MAPERR || dt_sicode == SEGV_ACCERR)) {
		out->fault = DT_FAULT_PF;
	} else {
		out->fault = DT_FAULT_OTHER;
	}
}

void dt_native_run_in(const struct dt_code *code, const struct dt_native_in *in,
		      struct dt_native *out)
{
	uint64_t addr = dt_native_insn_addr(code->len), segerr, segset = in->segs;
	void (*entry)(void) = (void (*)(void))(void *)dt_jit;
	uint8_t *buf = (uint8_t *)(uintptr_t)in->buf;

	dt_code_prot(PROT_READ | PROT_WRITE);
	memcpy((void *)(uintptr_t)addr, code->b, code->len);
	dt_code_prot(PROT_READ | PROT_EXEC);
	memcpy(DT_DATA(DT_D_IN), in->gpr, 16 * sizeof(uint64_t));
	memcpy(DT_DATA(DT_D_INFLAGS), &in->rflags, sizeof(in->rflags));
	memcpy(DT_DATA(DT_D_INSN), &addr, sizeof(addr));
	memset(DT_DATA(DT_D_LANDED), 0, sizeof(uint64_t));
	memcpy(DT_DATA(DT_D_SEGSET), &segset, 8);
	memcpy(DT_DATA(DT_D_FS), &in->fs_base, 8);
	memcpy(DT_DATA(DT_D_GS), &in->gs_base, 8);
	memset(DT_DATA(DT_D_SEGERR), 0, 8);
	memcpy(buf, in->img, REGMAP_MAP_SIZE);

	memset(out, 0, offsetof(struct dt_native, buf));
	if (sigsetjmp(dt_jmp, 0) == 0) {
		dt_seg_dirty = segset;
		dt_in_native = 1;
		entry();
		dt_in_native = 0;
		dt_seg_dirty = 0;
		memcpy(out->gpr, DT_DATA(DT_D_OUT), sizeof(out->gpr));
		memcpy(&out->rflags, DT_DATA(DT_D_OUTFLAGS), sizeof(out->rflags));
		out->landed = *DT_DATA(DT_D_LANDED) != 0;
	} else {
		dt_seg_dirty = 0;
		dt_native_fault(in, addr, out);
	}
	memcpy(&segerr, DT_DATA(DT_D_SEGERR), 8);
	if (segerr)
		out->fault = DT_FAULT_OTHER;	/* arch_prctl() refused a base */
	memcpy(out->buf, buf, REGMAP_MAP_SIZE);
	memcpy(out->scratch, dt_scratch, DT_SCRATCH_SIZE);
}
