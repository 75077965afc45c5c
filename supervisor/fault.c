/*
 * The per-fault path: a thread is in a SIGSEGV signal-delivery-stop (or
 * the SIGBUS of an alignment check).
 *
 * Cost per emulated access: PTRACE_GETSIGINFO, PTRACE_GETREGS, one
 * process_vm_readv of the code bytes, PTRACE_SETREGS, and the
 * PTRACE_CONT the event loop issues.  The bytes are read every time
 * (never trusted from the cache alone) so code that changed at the same
 * address is decoded afresh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "sup_internal.h"

/* %cs of 64-bit user code; anything else is compat (32-bit) mode */
#define USER_CS_64	0x33
/*
 * RF (resume flag) is set in the flags the kernel saved at the fault;
 * it is not part of the program's flags (pushfq never shows it) and the
 * CPU clears it once the instruction completes.
 */
#define EFLAGS_RF	0x10000ull

void sup_regs_to_cpu(const struct user_regs_struct *ur, struct regmap_cpu *cpu)
{
	cpu->gpr[REGMAP_RAX] = ur->rax;
	cpu->gpr[REGMAP_RCX] = ur->rcx;
	cpu->gpr[REGMAP_RDX] = ur->rdx;
	cpu->gpr[REGMAP_RBX] = ur->rbx;
	cpu->gpr[REGMAP_RSP] = ur->rsp;
	cpu->gpr[REGMAP_RBP] = ur->rbp;
	cpu->gpr[REGMAP_RSI] = ur->rsi;
	cpu->gpr[REGMAP_RDI] = ur->rdi;
	cpu->gpr[REGMAP_R8] = ur->r8;
	cpu->gpr[REGMAP_R9] = ur->r9;
	cpu->gpr[REGMAP_R10] = ur->r10;
	cpu->gpr[REGMAP_R11] = ur->r11;
	cpu->gpr[REGMAP_R12] = ur->r12;
	cpu->gpr[REGMAP_R13] = ur->r13;
	cpu->gpr[REGMAP_R14] = ur->r14;
	cpu->gpr[REGMAP_R15] = ur->r15;
	cpu->rip = ur->rip;
	cpu->rflags = ur->eflags & ~EFLAGS_RF;
	cpu->fs_base = ur->fs_base;
	cpu->gs_base = ur->gs_base;
}

void sup_regs_from_cpu(struct user_regs_struct *ur, const struct regmap_cpu *cpu)
{
	ur->rax = cpu->gpr[REGMAP_RAX];
	ur->rcx = cpu->gpr[REGMAP_RCX];
	ur->rdx = cpu->gpr[REGMAP_RDX];
	ur->rbx = cpu->gpr[REGMAP_RBX];
	ur->rsp = cpu->gpr[REGMAP_RSP];
	ur->rbp = cpu->gpr[REGMAP_RBP];
	ur->rsi = cpu->gpr[REGMAP_RSI];
	ur->rdi = cpu->gpr[REGMAP_RDI];
	ur->r8 = cpu->gpr[REGMAP_R8];
	ur->r9 = cpu->gpr[REGMAP_R9];
	ur->r10 = cpu->gpr[REGMAP_R10];
	ur->r11 = cpu->gpr[REGMAP_R11];
	ur->r12 = cpu->gpr[REGMAP_R12];
	ur->r13 = cpu->gpr[REGMAP_R13];
	ur->r14 = cpu->gpr[REGMAP_R14];
	ur->r15 = cpu->gpr[REGMAP_R15];
	ur->rip = cpu->rip;
	/* the kernel keeps the bits user mode may not change */
	ur->eflags = cpu->rflags;
}

/*
 * Replace the siginfo of the stop so the program's handler sees what the
 * CPU would have produced (the kernel keeps it if signo matches the
 * signal we continue with).
 */
static void set_siginfo(pid_t tid, int signo, int code, uint64_t addr)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = signo;
	si.si_code = code;
	si.si_addr = (void *)addr;
	ptrace(PTRACE_SETSIGINFO, tid, NULL, &si);
}

static int mem_fault_code(pid_t tid, uint64_t addr)
{
	struct sup_mapping m;

	return sup_proc_find_mapping(tid, addr, &m) ? SEGV_MAPERR : SEGV_ACCERR;
}

/* Fill in the instruction for a report if the fast path skipped it. */
static void describe_insn(struct sup_session *s, struct sup_fault_info *f,
			  uint8_t *bytes, enum regmap_emu_status *st)
{
	struct user_regs_struct ur;
	bool hit;

	if (f->insn || ptrace(PTRACE_GETREGS, f->tid, NULL, &ur) < 0)
		return;
	f->rip = ur.rip;
	f->nbytes = sup_read_code(f->tid, ur.rip, bytes, REGMAP_EMU_MAX_INSN);
	if (f->nbytes)
		f->insn = sup_cache_get(s->cache, ur.rip, bytes, f->nbytes, st, &hit);
}

/*
 * A map access that ends in a signal other than its SIGSEGV: what forcing
 * that SIGSEGV did to the program's action and mask is undone first.
 */
static int segv_kept(struct sup_session *s, const struct sup_fault_info *f)
{
	return f->si->si_signo == SIGSEGV ? sup_segv_after_access(s, f->tid) : 0;
}

/* Report (unless the program handles the signal itself) and pick the signal. */
static int real_fault(struct sup_session *s, struct sup_fault_info *f, uint8_t *bytes)
{
	enum regmap_emu_status st;
	bool always = f->status == REGMAP_EMU_PARTIAL ||
		      f->status == REGMAP_EMU_UNSUPPORTED ||
		      f->status == REGMAP_EMU_BAD_INSN ||
		      f->status == REGMAP_EMU_BAD_XSTATE;

	s->stats.faults++;
	s->last_fault = always ? SUP_FAULT_MAP : SUP_FAULT_OTHER;
	switch (f->status) {
	case REGMAP_EMU_FAULT_DE:
		f->signo = SIGFPE;
		if (segv_kept(s, f) == -ESRCH || sup_force_signal(s, f->tid, SIGFPE) == -ESRCH)
			return -ESRCH;
		set_siginfo(f->tid, SIGFPE, FPE_INTDIV, f->rip);
		break;
	case REGMAP_EMU_FAULT_XM:
	case REGMAP_EMU_FAULT_MF:
		/* the emulator does not say which exception: the kernel's "unknown" */
		f->signo = SIGFPE;
		if (segv_kept(s, f) == -ESRCH || sup_force_signal(s, f->tid, SIGFPE) == -ESRCH)
			return -ESRCH;
		set_siginfo(f->tid, SIGFPE, FPE_FLTUNK, f->rip);
		break;
	case REGMAP_EMU_FAULT_GP:
		f->signo = SIGSEGV;
		set_siginfo(f->tid, SIGSEGV, SI_KERNEL, 0);
		break;
	case REGMAP_EMU_MEM_FAULT:
		f->signo = SIGSEGV;
		set_siginfo(f->tid, SIGSEGV, mem_fault_code(f->tid, f->fault_addr),
			    f->fault_addr);
		break;
	default:
		break;	/* the original signal, as the CPU raised it */
	}
	/*
	 * Faults that touch the map are always explained.  Other faults are
	 * left to a program that catches the signal (a JIT, a garbage
	 * collector, a crash handler): they are its business, not regmap's.
	 */
	if (s->cfg.quiet || (!always && sup_proc_sig_caught(f->tid, f->signo)))
		return f->signo;
	describe_insn(s, f, bytes, &st);
	sup_report_fault(s, f);
	return f->signo;
}

/*
 * A page fault outside page 0 was not a map access: the CPU checks the
 * map operand no later than any other memory operand, and any other
 * failing access would fail for the emulator too.  Faults without an
 * address (#GP: SI_KERNEL) still go to the emulator (misaligned
 * movdqa on the map, ...).
 */
static bool surely_not_map(const siginfo_t *si)
{
	return si->si_code != SI_KERNEL && (uint64_t)si->si_addr >= 4096;
}

/*
 * --map-addressing=absolute refused an address computed from registers:
 * what the program did (usually a member of a null pointer) and why it
 * is not served.
 */
static const char *computed_address(const siginfo_t *si, char *buf, size_t size)
{
	if (si->si_code == SI_KERNEL)
		snprintf(buf, size, "the address is computed from registers, not written in "
			 "the instruction: with --map-addressing=absolute that is not a map "
			 "access");
	else
		snprintf(buf, size, "address 0x%" PRIx64 " is computed from registers (a "
			 "null pointer?), not written in the instruction: with "
			 "--map-addressing=absolute that is not a map access",
			 (uint64_t)si->si_addr);
	return buf;
}

/* --backtrace-on-access: which access, then the thread's backtrace */
static void access_backtrace(struct sup_session *s, pid_t tid, uint64_t rip,
			     const struct regmap_emu_insn *insn,
			     const struct regmap_emu_result *res)
{
	char text[160], regs[64] = "", sym[SUP_SYM_MAX];

	regmap_emu_format(insn, rip, text, sizeof(text));
	snprintf(sym, sizeof(sym), "%s", sup_sym(s, tid, rip));
	if (res->naccess)
		sup_access_regs(&res->access[0], regs, sizeof(regs), "", ",");
	sup_msgf(s, SUP_MSG_ACCESS_BT, "[%d] %s %s at 0x%" PRIx64 "%s%s%s: %s",
		 (int)tid, res->naccess > 1 ? "access to" :
		 res->naccess && res->access[0].write ? "write to" : "read of",
		 regs, rip, sym[0] ? " <" : "", sym, sym[0] ? ">" : "", text);
	sup_backtrace(s, tid);
}

/* The ID flag the instruction wrote; said once per session if it cannot be. */
static int set_id(struct sup_session *s, pid_t tid, bool id)
{
	static bool said;
	int err = sup_set_id_flag(s, tid, id);

	if (err && err != -ESRCH && !said) {
		said = true;
		sup_msgf(s, SUP_MSG_WARNING, "[%d] cannot change the ID flag as a write to the "
			 "rflags slot asks (%s)", (int)tid, strerror(-err));
	}
	return err;
}

/*
 * TF was set when the instruction started: the CPU traps after it, with
 * SIGTRAP (TRAP_TRACE) at the next instruction, and forces that signal.
 */
static int trap_after(struct sup_session *s, pid_t tid, uint64_t rip)
{
	if (sup_force_signal(s, tid, SIGTRAP) == -ESRCH)
		return -ESRCH;
	set_siginfo(tid, SIGTRAP, TRAP_TRACE, rip);
	return SIGTRAP;
}

int sup_fault(struct sup_session *s, pid_t tid)
{
	struct user_regs_struct ur;
	struct regmap_emu_mem mem = { sup_mem_read, sup_mem_write, &tid };
	struct regmap_emu_result res;
	struct regmap_cpu cpu;
	struct sup_fault_info f;
	const struct regmap_emu_insn *insn;
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	enum regmap_emu_status st;
	siginfo_t si;
	char why[256];
	uint64_t id0;
	bool hit = false, have_regs = false;

	s->last_fault = SUP_FAULT_NONE;
	if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0)
		return -errno;
	/* kill(), tgkill(), sigqueue(): a signal, not a fault */
	if (si.si_code <= 0)
		return si.si_signo;

	memset(&f, 0, sizeof(f));
	f.tid = tid;
	f.signo = si.si_signo;
	f.si = &si;
	f.bytes = bytes;
	/*
	 * A fault (SIGSEGV, SIGBUS, SIGFPE) inside planted code: the thread
	 * is moved back to the site, whose original instruction is emulated
	 * as if it had trapped (doc/REWRITE.md section 4).
	 */
	if (sup_rw_planted(s)) {
		if (ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0)
			return -errno;
		have_regs = true;
		f.nbytes = sup_rw_rewind(s, tid, &si, &ur, bytes);
	}
	if (f.nbytes) {
		/* the original instruction's faults are those of a map access */
		f.signo = SIGSEGV;
	} else if (si.si_signo == SIGFPE ||
		   (si.si_signo == SIGBUS && si.si_code != BUS_ADRALN)) {
		/*
		 * SIGBUS: with AC set, a misaligned access to page 0 raises
		 * #AC before the page fault; the register form it stands for
		 * cannot be misaligned, so it is a map access like any other.
		 * Other SIGBUSes and SIGFPEs are the program's.
		 */
		return si.si_signo;
	}
	if (!f.nbytes && surely_not_map(&si)) {
		f.status = REGMAP_EMU_NOT_MAP;
		return real_fault(s, &f, bytes);
	}
	if (!have_regs && ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0)
		return -errno;
	f.rip = ur.rip;
	if (ur.cs != USER_CS_64) {
		f.status = REGMAP_EMU_UNSUPPORTED;
		f.why = "32-bit (compatibility mode) code is not supported";
		return real_fault(s, &f, bytes);
	}

	if (!f.nbytes) {
		f.nbytes = sup_read_code(tid, ur.rip, bytes, sizeof(bytes));
		/* a thread that faulted on a site just before it was rewritten */
		f.nbytes = sup_rw_orig(s, tid, ur.rip, bytes, f.nbytes);
	}
	insn = f.nbytes ? sup_cache_get(s->cache, ur.rip, bytes, f.nbytes, &st, &hit) : NULL;
	f.insn = insn;
	if (!insn) {
		f.status = REGMAP_EMU_BAD_INSN;
		if (!f.nbytes && ur.rip < REGMAP_MAP_SIZE)
			f.why = "a jump into the register map: the map holds registers, "
				"not code";
		return real_fault(s, &f, bytes);
	}

	if (s->cfg.map_absolute && !regmap_emu_insn_const_addr(insn)) {
		f.status = REGMAP_EMU_NOT_MAP;
		f.why = computed_address(&si, why, sizeof(why));
		return real_fault(s, &f, bytes);
	}
	sup_regs_to_cpu(&ur, &cpu);
	f.tf = cpu.rflags & REGMAP_FLAGS_TF;
	id0 = cpu.rflags & REGMAP_FLAGS_ID;
	/* an unsupported instruction tells us whether it touches the map at all */
	if (regmap_emu_insn_needs_xstate(insn))
		st = sup_execute_x(s, tid, insn, &cpu, &mem, &res);
	else
		st = regmap_emu_execute(insn, &cpu, &mem, &res);
	/*
	 * #GP without a page fault at an instruction we do not emulate: a
	 * privileged instruction or a non-canonical address, not the map
	 * (an access to page 0 page-faults).
	 */
	if (st == REGMAP_EMU_UNSUPPORTED && si.si_code == SI_KERNEL)
		st = REGMAP_EMU_NOT_MAP;
	if (st != REGMAP_EMU_OK) {
		/* the thread may have died under us while we read its stack */
		if (st == REGMAP_EMU_MEM_FAULT && sup_proc_status_long(tid, "Pid") < 0)
			return -ESRCH;
		f.status = st;
		f.fault_addr = res.fault_addr;
		return real_fault(s, &f, bytes);
	}

	/* before SETREGS: the unwinder must see the thread at the access */
	if (s->cfg.n_bt_sites && sup_bt_site_match(s, tid, f.rip))
		access_backtrace(s, tid, f.rip, insn, &res);
	sup_regs_from_cpu(&ur, &cpu);
	if (ptrace(PTRACE_SETREGS, tid, NULL, &ur) < 0)
		return -errno;
	/* the program's SIGSEGV action and mask as before the access */
	if (si.si_signo == SIGSEGV && sup_segv_after_access(s, tid) == -ESRCH)
		return -ESRCH;
	/* ptrace cannot change ID, which a write to the rflags slot may */
	if ((cpu.rflags & REGMAP_FLAGS_ID) != id0 &&
	    set_id(s, tid, cpu.rflags & REGMAP_FLAGS_ID) == -ESRCH)
		return -ESRCH;
	s->stats.emulated++;
	s->stats.cache_hits += hit;
	if (s->detail)
		sup_detail_count(s, tid, f.rip, insn, &res);
	if (s->cfg.trace)
		sup_report_trace(s, tid, f.rip, insn, &res);
	if (s->gdb)
		sup_gdb_access(s, tid, &res);
	if (!s->cfg.no_rewrite)
		sup_rw_after(s, tid, f.rip, insn, bytes, f.tf ? REGMAP_FLAGS_TF : 0);
	if (f.tf)
		return trap_after(s, tid, cpu.rip);
	return 0;
}
