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

/* One fault, and what the handler does about it (lib_emulate()). */
struct lib_fault {
	int sig;
	siginfo_t *si;
	ucontext_t *uc;
	bool guarded;		/* a fault in its memory copies may come back (lib_mem.c) */
	int id;			/* the ID flag the thread gets, or -1: as it is */
	bool chain;		/* pass a fault on to the program (lib_chain()) ... */
	int chain_sig;		/* ... this one */
	siginfo_t chain_si;
};

static void lib_pass_on(struct lib_fault *f, int sig, int code, uint64_t addr)
{
	memset(&f->chain_si, 0, sizeof(f->chain_si));
	f->chain = true;
	f->chain_sig = sig;
	f->chain_si.si_signo = sig;
	f->chain_si.si_code = code;
	f->chain_si.si_addr = (void *)(uintptr_t)addr;
}

/*
 * The instruction's other memory operand failed: the fault the CPU would
 * have raised there, with its address and code (a read-only stack:
 * SEGV_ACCERR at the address that failed), not the map access's.
 */
static void lib_mem_failed(struct lib_fault *f, const struct lib_mem *m, uint64_t addr)
{
	int sig, code;

	if (lib_mem_fault(m, &sig, &code, &addr) < 0) {
		sig = SIGSEGV;
		code = lib_mem_segv_code(addr);
	}
	lib_pass_on(f, sig, code, addr);
}

/*
 * The instruction raises SIGFPE.  Inside a SIGFPE delivery already (a
 * divide error of native code moved back to its site, lib_rewrite.c),
 * it goes to the program's handler from here: queued, it would come back
 * to this handler at the same site and be moved back again, forever.
 */
static void lib_fpe(struct lib_fault *f, int code)
{
	if (f->sig != SIGFPE)
		lib_raise_sigfpe(f->uc, code);
	else
		lib_pass_on(f, SIGFPE, code, f->uc->uc_mcontext.gregs[REG_RIP]);
}

/*
 * The heavy part: decode and emulate, on libregmap's own stack where the
 * kernel put the handler on the program's (lib_on_fault()).  Sets f->id
 * to the ID flag the thread must have afterwards (0 or 1), or leaves -1
 * if nothing ran that could change the handler's own: sigreturn takes ID
 * not from the context but from the flags the handler has when it
 * returns, and the emulator's fastops load flags with popf.  A fault to
 * pass on to the program is left in f (f->chain): the program's handler
 * must run on the stack the kernel chose, not on ours.
 */
static void lib_emulate(void *arg)
{
	struct lib_fault *f = arg;
	ucontext_t *uc = f->uc;
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

	lib_mem_init(&m, uc, f->guarded);
	lib_mem_ops(&ops, &m);
	len = lib_read_code(&m, rip, code, sizeof(code));
	/* a site being or having been rewritten: the instruction that faulted */
	len = lib_rw_orig(rip, code, len);
	if (!len)
		goto chain;
	st = lib_decode_cached(&insn, rip, code, len);
	/* an unsupported instruction still decodes far enough to be named */
	decoded = st == REGMAP_EMU_OK || st == REGMAP_EMU_UNSUPPORTED;
	/* REGMAP_MAP_ADDRESSING=absolute: [rdx+8] is not the map, whatever rdx is */
	if (decoded && lib_state.map_absolute && !regmap_emu_insn_const_addr(&insn))
		goto chain;
	/* execute an unsupported one too: it says whether it touches the map */
	if (decoded) {
		lib_uc_to_cpu(uc, &cpu);
		tf = cpu.rflags;
		f->id = !!(tf & REGMAP_FLAGS_ID);
		lib_seg_bases(code, len, &cpu);
		if (regmap_emu_insn_needs_xstate(&insn))
			st = lib_execute_x(&insn, &cpu, uc, &ops);
		else
			st = regmap_emu_execute(&insn, &cpu, &ops, &res);
	}
	switch (st) {
	case REGMAP_EMU_OK:
		lib_cpu_to_uc(&cpu, uc);
		f->id = !!(cpu.rflags & REGMAP_FLAGS_ID);
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
		lib_fpe(f, FPE_INTDIV);
		return;
	case REGMAP_EMU_FAULT_GP:
		/* what the kernel reports for a #GP: SI_KERNEL, no address */
		lib_pass_on(f, SIGSEGV, SI_KERNEL, 0);
		return;
	case REGMAP_EMU_FAULT_XM:
	case REGMAP_EMU_FAULT_MF:
		/* which exception it was is not reported: the kernel's "unknown" code */
		lib_fpe(f, FPE_FLTUNK);
		return;
	case REGMAP_EMU_MEM_FAULT:
		lib_mem_failed(f, &m, res.fault_addr);
		return;
	case REGMAP_EMU_UNSUPPORTED:
		/*
		 * A #GP (SI_KERNEL) at an instruction regmap does not emulate
		 * is that instruction's own (cli, hlt, in, a far ret...): an
		 * access to page 0 page-faults.  Not the map's business.
		 */
		if (f->si->si_code != SI_KERNEL)
			lib_report_unsupported(&insn, decoded, rip);
		break;
	default:
		break;
	}
chain:
	f->chain = true;
	f->chain_sig = f->sig;
	f->chain_si = *f->si;
}

/*
 * fn(arg) on the stack whose lowest byte is at stack (size bytes), and
 * back.  Nothing may push a signal frame while it runs there (see
 * lib_on_fault()).
 */
void lib_run_on(char *top, void (*fn)(void *), void *arg);
__asm__(
	".text\n"
	".globl lib_run_on\n"
	".hidden lib_run_on\n"
	".type lib_run_on, @function\n"
	"lib_run_on:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbp, 0\n"
	"	mov %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	and $-16, %rdi\n"
	"	mov %rdi, %rsp\n"
	"	mov %rdx, %rdi\n"
	"	call *%rsi\n"
	"	mov %rbp, %rsp\n"
	"	pop %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size lib_run_on, . - lib_run_on\n");

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

/*
 * Room the emulation wants below its frame: a program's alternate stack
 * with this much left (a sanitizer's, say) is used as it is.
 */
#define LIB_ROOM	(32 * 1024)

/* Bytes left below sp on the alternate stack the handler runs on, 0 if not on one. */
static size_t lib_room(const ucontext_t *uc, const void *sp)
{
	const char *p = sp, *lo = uc->uc_stack.ss_sp;

	if ((uc->uc_stack.ss_flags & SS_DISABLE) || p <= lo || p > lo + uc->uc_stack.ss_size)
		return 0;
	return (size_t)(p - lo);
}

void lib_on_fault(int sig, siginfo_t *si, void *ucv)
{
	struct lib_fault f = { .sig = sig, .si = si, .uc = ucv, .guarded = true, .id = -1 };
	ucontext_t *uc = ucv;
	int saved_errno = errno;
	struct regmap_rw_fixup fix;
	struct lib_thread *t;
	bool planted;
	char *stack;
	size_t size;
	stack_t ss;

	if (lib_mem_fixup(sig, si, uc))
		return;
	/* a fault inside a rewritten site's native code: as if the site trapped */
	planted = lib_rw_planted(si, uc, &fix);
	if (!planted && !lib_candidate(sig, si)) {
		lib_chain(sig, si, uc);
		errno = saved_errno;
		return;
	}
	if ((uc->uc_stack.ss_flags & SS_DISABLE) && lib_altstack_ensure(&ss) > 0) {
		/*
		 * First map access of a thread with no alternate stack: it has
		 * one now (in uc_stack too, or sigreturn would put back the
		 * old setting).  Return without emulating; the instruction
		 * faults again and this time the handler runs on the new stack.
		 */
		uc->uc_stack = ss;
		errno = saved_errno;
		return;
	}
	if (planted)
		lib_rw_rewind(uc, &fix);
	/*
	 * On the program's own alternate stack with less than LIB_ROOM left,
	 * emulate on ours: the program's may be as small as SIGSTKSZ, with a
	 * frame of its own handler already on it.  There
	 * nothing may push a signal frame, which the kernel would put at the
	 * top of the program's alternate stack, over ours: asynchronous
	 * signals are blocked in this handler (sa_mask), and the memory
	 * copies use the kernel's checked copies instead of faults.
	 */
	t = lib_thread_self(false);
	if (lib_on_own_stack(t, &f) || lib_room(uc, &f) >= LIB_ROOM ||
	    (!t && !(t = lib_thread_self(true))) || !(stack = lib_thread_stack(t, &size))) {
		lib_emulate(&f);
	} else {
		f.guarded = false;
		lib_run_on(stack + size, lib_emulate, &f);
	}
	if (f.chain)
		lib_chain(f.chain_sig, &f.chain_si, uc);
	errno = saved_errno;
	/* nothing after this may change ID: the return goes straight to sigreturn */
	if (f.id == 1)
		__asm__ volatile("pushfq\n\torq $0x200000, (%%rsp)\n\tpopfq" : : : "cc", "memory");
	else if (f.id == 0)
		__asm__ volatile("pushfq\n\tandq $~0x200000, (%%rsp)\n\tpopfq" : : : "cc", "memory");
}
