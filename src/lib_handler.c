/*
 * The fault handler: turn the faulting thread's ucontext into a struct
 * regmap_cpu, emulate the instruction at rip, and write the result back so
 * that sigreturn resumes the thread after it.  Whatever is not a map
 * access goes to lib_chain().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "lib_internal.h"
#include "rewrite.h"

#define LIB_RFLAGS_RF	0x10000ull

/* gregs[] index of each map register (the ucontext order is not the map's). */
const uint8_t lib_greg[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void lib_uc_to_cpu(const ucontext_t *uc, struct regmap_cpu *cpu)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	int i;

	for (i = 0; i < 16; i++)
		cpu->gpr[i] = g[lib_greg[i]];
	cpu->rip = g[REG_RIP];
	/*
	 * The kernel saves a fault's flags with RF set (so that the
	 * instruction is not trapped twice by a breakpoint); the program
	 * never sees RF (pushfq clears it in the image), so neither does a
	 * read of the map.
	 */
	cpu->rflags = g[REG_EFL] & ~LIB_RFLAGS_RF;
	cpu->fs_base = 0;
	cpu->gs_base = 0;
}

static void lib_cpu_to_uc(const struct regmap_cpu *cpu, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	int i;

	for (i = 0; i < 16; i++)
		g[lib_greg[i]] = cpu->gpr[i];
	g[REG_RIP] = cpu->rip;
	/* sigreturn lets only the user-modifiable bits through */
	g[REG_EFL] = cpu->rflags;
}

/*
 * fs/gs bases are needed only with an fs:/gs: override (a legacy prefix,
 * so it is among the bytes before the opcode); the signal handler runs
 * with the interrupted thread's bases, so reading ours reads its.
 */
static void lib_seg_bases(const uint8_t *code, size_t len, struct regmap_cpu *cpu)
{
	unsigned long v;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (code[i]) {
		case 0x64:
			if (lib_state.have_fsgsbase)
				__asm__ __volatile__("rdfsbase %0" : "=r"(cpu->fs_base));
			else if (syscall(SYS_arch_prctl, ARCH_GET_FS, &v) == 0)
				cpu->fs_base = v;
			continue;
		case 0x65:
			if (lib_state.have_fsgsbase)
				__asm__ __volatile__("rdgsbase %0" : "=r"(cpu->gs_base));
			else if (syscall(SYS_arch_prctl, ARCH_GET_GS, &v) == 0)
				cpu->gs_base = v;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			continue;
		}
		break;
	}
}

/*
 * Could this be an access to the map?  Signals sent with kill(), tgkill()
 * or sigqueue() (si_code <= 0) never are (regmap(7)), a page fault is one
 * only in page 0, and a #GP (SI_KERNEL) does not say where it was.
 */
static bool lib_candidate(int sig, const siginfo_t *si)
{
	if (si->si_code <= 0 || sig == SIGFPE)
		return false;
	if (sig == SIGBUS)
		return si->si_code != BUS_MCEERR_AO;
	switch (si->si_code) {
	case SEGV_MAPERR:
	case SEGV_ACCERR:
	case SEGV_PKUERR:
		return (uintptr_t)si->si_addr < LIB_PAGE_SIZE;
	}
	return true;
}

/*
 * Vector and x87 instructions need the thread's vector state: the signal
 * frame's fpstate, an XSAVE area that sigreturn loads back, so the
 * emulator updates it in place.  The emulator's vector path may not be
 * built in (weak references): then they are unsupported, as are frames
 * without XSAVE layout.
 */
#pragma weak regmap_emu_xstate_sigframe

static enum regmap_emu_status lib_execute_x(const struct regmap_emu_insn *insn,
					    struct regmap_cpu *cpu, ucontext_t *uc,
					    const struct regmap_emu_mem *ops)
{
	struct regmap_xstate xs;

	if (!regmap_emu_xstate_sigframe || !uc->uc_mcontext.fpregs ||
	    regmap_emu_xstate_sigframe(&xs, uc->uc_mcontext.fpregs) < 0)
		return REGMAP_EMU_UNSUPPORTED;
	return regmap_emu_execute_x(insn, cpu, &xs, ops, NULL);
}

/*
 * The instruction's other memory operand failed: the fault the CPU would
 * have raised there, with its address and code (a read-only stack:
 * SEGV_ACCERR at the address that failed), not the map access's.
 */
static void lib_mem_failed(const struct lib_mem *m, uint64_t addr, ucontext_t *uc)
{
	siginfo_t fi;
	int sig, code;

	if (lib_mem_fault(m, &sig, &code, &addr) < 0) {
		sig = SIGSEGV;
		code = lib_mem_segv_code(addr);
	}
	memset(&fi, 0, sizeof(fi));
	fi.si_signo = sig;
	fi.si_code = code;
	fi.si_addr = (void *)(uintptr_t)addr;
	lib_chain(sig, &fi, uc);
}

/*
 * The instruction raises SIGFPE.  Inside a SIGFPE delivery already (a
 * divide error of native code moved back to its site, lib_rewrite.c),
 * it goes to the program's handler from here: queued, it would come back
 * to this handler at the same site and be moved back again, forever.
 */
static void lib_fpe(int sig, ucontext_t *uc, int code)
{
	siginfo_t fi;

	if (sig != SIGFPE) {
		lib_raise_sigfpe(uc, code);
		return;
	}
	memset(&fi, 0, sizeof(fi));
	fi.si_signo = SIGFPE;
	fi.si_code = code;
	fi.si_addr = (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	lib_chain(SIGFPE, &fi, uc);
}

/* The heavy part, in its own frame so the first fault of a thread stays small. */
static __attribute__((noinline)) void lib_emulate(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct regmap_emu_insn insn;
	struct regmap_emu_result res;
	struct regmap_emu_mem ops;
	struct regmap_cpu cpu;
	struct lib_mem m;
	uint8_t code[REGMAP_EMU_MAX_INSN];
	uint64_t rip = uc->uc_mcontext.gregs[REG_RIP];
	enum regmap_emu_status st;
	uint64_t tf = 0;
	size_t len;
	int decoded;

	lib_mem_init(&m, uc);
	lib_mem_ops(&ops, &m);
	len = lib_read_code(&m, rip, code, sizeof(code));
	/* a site being or having been rewritten: the instruction that faulted */
	len = lib_rw_orig(rip, code, len);
	if (!len) {
		lib_chain(sig, si, uc);
		return;
	}
	st = lib_decode_cached(&insn, rip, code, len);
	/* an unsupported instruction still decodes far enough to be named */
	decoded = st == REGMAP_EMU_OK || st == REGMAP_EMU_UNSUPPORTED;
	/* REGMAP_MAP_ADDRESSING=absolute: [rdx+8] is not the map, whatever rdx is */
	if (decoded && lib_state.map_absolute && !regmap_emu_insn_const_addr(&insn)) {
		lib_chain(sig, si, uc);
		return;
	}
	/* execute an unsupported one too: it says whether it touches the map */
	if (decoded) {
		lib_uc_to_cpu(uc, &cpu);
		tf = cpu.rflags;
		lib_seg_bases(code, len, &cpu);
		if (regmap_emu_insn_needs_xstate(&insn))
			st = lib_execute_x(&insn, &cpu, uc, &ops);
		else
			st = regmap_emu_execute(&insn, &cpu, &ops, &res);
	}
	switch (st) {
	case REGMAP_EMU_OK:
		lib_cpu_to_uc(&cpu, uc);
		if (regmap_emu_insn_const_addr(&insn))
			lib_rw_consider(rip, &insn, code, tf);
		/*
		 * TF was set when the instruction started: the CPU traps after
		 * it, before the next one runs (sigreturn would let the next
		 * one run first and trap after that).
		 */
		if (tf & REGMAP_FLAGS_TF)
			lib_raise_forced(uc, SIGTRAP, TRAP_TRACE, cpu.rip);
		return;
	case REGMAP_EMU_FAULT_DE:
		lib_fpe(sig, uc, FPE_INTDIV);
		return;
	case REGMAP_EMU_FAULT_GP:
		lib_raise_gp(uc);
		return;
	case REGMAP_EMU_FAULT_XM:
	case REGMAP_EMU_FAULT_MF:
		/* which exception it was is not reported: the kernel's "unknown" code */
		lib_fpe(sig, uc, FPE_FLTUNK);
		return;
	case REGMAP_EMU_MEM_FAULT:
		lib_mem_failed(&m, res.fault_addr, uc);
		return;
	case REGMAP_EMU_UNSUPPORTED:
		/*
		 * A #GP (SI_KERNEL) at an instruction regmap does not emulate
		 * is that instruction's own (cli, hlt, in, a far ret...): an
		 * access to page 0 page-faults.  Not the map's business.
		 */
		if (si->si_code != SI_KERNEL)
			lib_report_unsupported(&insn, decoded, rip);
		break;
	default:
		break;
	}
	lib_chain(sig, si, uc);
}

/*
 * The entry the kernel calls.  A program may run with the alignment-check
 * flag (AC) set, and the kernel leaves it set in a signal handler: then
 * every misaligned access of the handler, the emulator's included, would
 * raise SIGBUS into this very handler, forever.  So AC is cleared before
 * any C code runs.  The program's own flags are in the ucontext (sigreturn
 * restores them); a handler of the program that lib_chain() calls gets
 * AC back as the kernel would have left it.
 */
__asm__(
	".text\n"
	".globl lib_on_fault_entry\n"
	".hidden lib_on_fault_entry\n"
	".type lib_on_fault_entry, @function\n"
	"lib_on_fault_entry:\n"
	"	.cfi_startproc\n"
	"	pushfq\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	andq $~0x40000, (%rsp)\n"
	"	popfq\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	jmp lib_on_fault\n"
	"	.cfi_endproc\n"
	".size lib_on_fault_entry, . - lib_on_fault_entry\n");

void lib_on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	int saved_errno = errno;
	struct regmap_rw_fixup fix;
	bool planted;
	stack_t ss;

	if (lib_mem_fixup(sig, si, uc))
		return;
	/* a fault inside a rewritten site's native code: as if the site trapped */
	planted = lib_rw_planted(si, uc, &fix);
	if (!planted && !lib_candidate(sig, si)) {
		lib_chain(sig, si, uc);
	} else if ((uc->uc_stack.ss_flags & SS_DISABLE) && lib_altstack_ensure(&ss) > 0) {
		/*
		 * First map access of a thread with no alternate stack: it has
		 * one now (in uc_stack too, or sigreturn would put back the
		 * old setting).  Return without emulating; the instruction
		 * faults again and this time the handler runs on the new stack.
		 */
		uc->uc_stack = ss;
	} else {
		if (planted)
			lib_rw_rewind(uc, &fix);
		lib_emulate(sig, si, uc);
	}
	errno = saved_errno;
}
