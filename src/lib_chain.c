/*
 * Faults that regmap does not emulate go where the kernel would have sent
 * them without regmap: to the handler the program had before
 * regmap_map_registers(), with that handler's SA_SIGINFO, SA_RESETHAND,
 * SA_NODEFER and sa_mask, or to the default action.  Signals the CPU
 * would raise for an emulated instruction (SIGFPE for a divide error,
 * SIGSEGV for a #GP) are raised the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib_internal.h"

/*
 * Queue sig with the given siginfo to this very thread.  The kernel lets a
 * thread send itself any si_code (only other threads' si_code >= 0 are
 * refused), so the program sees exactly what a CPU fault would give it.
 * sig is blocked until our handler returns, so it is delivered right
 * after sigreturn, on the interrupted context (uc_sigmask, which
 * sigreturn restores, says whether it is blocked there).  Callers return
 * right after this.
 */
static int lib_queue_self(int sig, siginfo_t *si)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, sig);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	if (syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, si) == 0)
		return 0;
	/* e.g. a seccomp policy: lose the details, keep the signal */
	return syscall(SYS_tgkill, getpid(), gettid(), sig) == 0 ? 0 : -errno;
}

/*
 * Nothing could deliver sig (a seccomp policy that refuses
 * rt_tgsigqueueinfo and tgkill): say so, and die of it as the kernel
 * kills for a CPU fault, never loop.  A fault raised with its signal
 * blocked is forced: default action, core dump.
 */
static __attribute__((noreturn)) void lib_die_now(int sig)
{
	static const char msg[] = "regmap: cannot raise a signal for the program (refused by "
				  "a seccomp policy?): it dies of it now\n";
	sigset_t block;

	lib_write_err(msg, sizeof(msg) - 1);
	sigemptyset(&block);
	sigaddset(&block, sig);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, sizeof(uint64_t));
	switch (sig) {
	case SIGFPE:
		__asm__ volatile("xor %%ecx, %%ecx\n\tdiv %%ecx" : : : "rax", "rcx", "rdx");
		break;
	case SIGTRAP:
		__asm__ volatile("int3");
		break;
	default:
		/* SIGSEGV (and SIGBUS, for want of a way to make one) */
		__asm__ volatile("movb $0, 0x1000" : : : "memory");
		break;
	}
	syscall(SYS_exit_group, 128 + sig);
	for (;;)
		;
}

/*
 * The default action, or a fault the program ignores (the kernel does not
 * let a CPU fault be ignored or blocked: it resets the action to SIG_DFL
 * and kills).  Put SIG_DFL back and have the signal delivered again after
 * we return.  Our handler is gone from then on; the process is dying.
 */
static void lib_die_on_return(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	if (lib_sigaction(sig, &dfl, NULL) < 0) {
		/*
		 * rt_sigaction refused: our handler stays, and returning would
		 * bring the same fault back to it forever.  Return with the
		 * signal blocked instead: the instruction faults again and the
		 * kernel forces the fault, SIG_DFL and death, itself.
		 */
		if (si->si_code <= 0)
			lib_die_now(sig);	/* a sent signal does not come back */
		sigaddset(&uc->uc_sigmask, sig);
		return;
	}
	sigdelset(&uc->uc_sigmask, sig);
	/*
	 * If even tgkill fails, returning still works for a real fault: the
	 * instruction runs again and faults into the default action.
	 */
	if (lib_queue_self(sig, si) < 0 && si->si_code <= 0)
		lib_die_now(sig);
}

/*
 * Call the program's handler with AC set, and clear it again on return
 * (only libregmap's own code must never run with it).  noinline: nothing
 * of ours may run between setting AC and the call.
 */
static __attribute__((noinline)) void lib_call_ac(const struct sigaction *sa, int sig,
						  siginfo_t *si, ucontext_t *uc)
{
	void (*fn)(int, siginfo_t *, void *) = sa->sa_sigaction;

	__asm__ volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq" : : : "cc");
	if (sa->sa_flags & SA_SIGINFO)
		fn(sig, si, uc);
	else
		sa->sa_handler(sig);
	__asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" : : : "cc");
}

void lib_chain(int sig, siginfo_t *si, ucontext_t *uc)
{
	int i = lib_sig_index(sig);
	struct sigaction old;
	sigset_t mask;

	lib_prev_get(i, &old);
	/* sa_handler and sa_sigaction share storage: this catches both */
	if (old.sa_handler == SIG_IGN) {
		if (si->si_code > 0)
			lib_die_on_return(sig, si, uc);
		/* a sent SIGSEGV the program ignores: gone */
		return;
	}
	if (old.sa_handler == SIG_DFL) {
		lib_die_on_return(sig, si, uc);
		return;
	}

	/* the mask the kernel would have set for that handler */
	mask = uc->uc_sigmask;
	sigorset(&mask, &mask, &old.sa_mask);
	if (!(old.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	/* one-shot: later faults get the default action, map accesses still work */
	if (old.sa_flags & SA_RESETHAND)
		lib_prev_spend(i);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	/* the kernel leaves AC as it was in a handler: so does libregmap */
	if (uc->uc_mcontext.gregs[REG_EFL] & LIB_RFLAGS_AC)
		lib_call_ac(&old, sig, si, uc);
	else if (old.sa_flags & SA_SIGINFO)
		old.sa_sigaction(sig, si, uc);
	else
		old.sa_handler(sig);
	/* sigreturn restores uc->uc_sigmask, including a handler's changes to it */
}

void lib_raise_forced(ucontext_t *uc, int sig, int code, uint64_t addr)
{
	struct sigaction cur;
	siginfo_t fi;

	/* a CPU's signal cannot be ignored or blocked: the kernel forces it */
	if (lib_sigaction(sig, NULL, &cur) == 0 &&
	    (cur.sa_handler == SIG_IGN || sigismember(&uc->uc_sigmask, sig))) {
		memset(&cur, 0, sizeof(cur));
		cur.sa_handler = SIG_DFL;
		lib_sigaction(sig, &cur, NULL);
		sigdelset(&uc->uc_sigmask, sig);
	}
	memset(&fi, 0, sizeof(fi));
	fi.si_signo = sig;
	fi.si_code = code;
	fi.si_addr = (void *)(uintptr_t)addr;
	/* not delivered, the instruction would run into the same fault forever */
	if (lib_queue_self(sig, &fi) < 0)
		lib_die_now(sig);
}

void lib_raise_sigfpe(ucontext_t *uc, int code)
{
	/* rip stays on the instruction, as after a real #DE, #XM or #MF */
	lib_raise_forced(uc, SIGFPE, code, uc->uc_mcontext.gregs[REG_RIP]);
}

void lib_raise_gp(ucontext_t *uc)
{
	siginfo_t gi;

	/* what the kernel reports for a #GP: SI_KERNEL, no address */
	memset(&gi, 0, sizeof(gi));
	gi.si_signo = SIGSEGV;
	gi.si_code = SI_KERNEL;
	gi.si_addr = NULL;
	lib_chain(SIGSEGV, &gi, uc);
}
