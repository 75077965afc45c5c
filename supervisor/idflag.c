/*
 * The ID flag (bit 21 of rflags) of a stopped thread.  A write through
 * the map may change it, as popf does; but neither PTRACE_SETREGS nor
 * sigreturn let anyone but the thread itself change it (the kernel
 * keeps ID out of the flags they may set).  So the thread runs one
 * `popfq` of its own: rip at a 9d byte of its code (codefind.c), rsp at
 * a word on its stack below the red zone holding the flags it must get,
 * one PTRACE_SINGLESTEP; then its other registers are put back (ptrace
 * cannot undo ID either, so it stays).
 *
 * The step ends in a SIGTRAP signal-delivery-stop, which takes the
 * place of the stop the thread was in: it is given that stop's siginfo
 * back, as sup_inject_syscall() does.  The single-step trap is a forced
 * signal, so SIGTRAP is the one signal left unblocked meanwhile (the
 * kernel would otherwise reset a blocked SIGTRAP's action); if the
 * program ignores SIGTRAP, the trap resets that to SIG_DFL, and its
 * action is read first and put back afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup_internal.h"

#define RED_ZONE	128
#define EFLAGS_TF	0x100ull
#define EFLAGS_ID	0x200000ull
#define SIGBIT(sig)	(1ull << ((sig) - 1))

/*
 * Step the thread over the popf at popf; 0 when it is in the SIGTRAP
 * stop after it.  Another SIGTRAP (sent, and pending) would stop it
 * before the popf ran: it is sent again afterwards (*resend).
 */
static int step_popf(struct sup_session *s, pid_t tid, uint64_t popf, bool *resend)
{
	struct user_regs_struct r;
	int status;

	if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) < 0)
		return -ESRCH;
	for (;;) {
		pid_t w = waitpid(tid, &status, __WALL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w != tid)
			return -ESRCH;
		if (!WIFSTOPPED(status)) {
			sup_note_exit(s, tid, status);
			return -ESRCH;
		}
		if (status >> 16 == 0 && WSTOPSIG(status) == SIGTRAP) {
			if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
				return -ESRCH;
			if (r.rip == popf + 1)
				return 0;
			*resend = true;
		}
		/* a group-stop meanwhile: step on (the caller's stop comes back) */
		if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) < 0)
			return -ESRCH;
	}
}

int sup_set_id_flag(struct sup_session *s, pid_t tid, bool id)
{
	struct user_regs_struct saved, r;
	struct sup_ksigaction trap_act;
	uint64_t popf, mask0, mask, word, flags, ignored = 0;
	uint8_t keep[8];
	siginfo_t si;
	bool restore_trap = false, resend = false;
	int err;

	if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0 ||
	    ptrace(PTRACE_GETREGS, tid, NULL, &saved) < 0 ||
	    ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(mask0), &mask0) < 0)
		return -ESRCH;
	if (!!(saved.eflags & EFLAGS_ID) == id)
		return 0;
	popf = sup_find_code(s, tid, SUP_CODE_POPF);
	if (!popf)
		return -ENOSYS;
	sup_proc_sigmask(tid, "SigIgn", &ignored);
	if (ignored & SIGBIT(SIGTRAP)) {
		err = sup_inject_sigaction(s, tid, SIGTRAP, NULL, &trap_act);
		if (err)
			return err < 0 ? err : -EIO;
		restore_trap = true;
	}

	word = (saved.rsp - RED_ZONE - 8) & ~7ull;
	flags = (saved.eflags & ~EFLAGS_TF & ~EFLAGS_ID) | (id ? EFLAGS_ID : 0);
	if (sup_mem_read(&tid, word, keep, sizeof(keep)) < 0 ||
	    sup_mem_write(&tid, word, &flags, sizeof(flags)) < 0)
		return -EFAULT;
	r = saved;
	r.rip = popf;
	r.rsp = word;
	r.orig_rax = -1;
	mask = ~SIGBIT(SIGTRAP);
	err = -ESRCH;
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask) == 0 &&
	    ptrace(PTRACE_SETREGS, tid, NULL, &r) == 0)
		err = step_popf(s, tid, popf, &resend);
	sup_mem_write(&tid, word, keep, sizeof(keep));
	if (err)
		return err;
	/* everything as it was, but ID (which SETREGS cannot touch) */
	if (ptrace(PTRACE_SETREGS, tid, NULL, &saved) < 0 ||
	    ptrace(PTRACE_SETSIGINFO, tid, NULL, &si) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask0), &mask0) < 0)
		return -ESRCH;
	if (restore_trap) {
		err = sup_inject_sigaction(s, tid, SIGTRAP, &trap_act, NULL);
		if (err < 0)
			return err;
	}
	if (resend)
		syscall(SYS_tgkill, sup_thread_tgid(s, tid), tid, SIGTRAP);
	return 0;
}
