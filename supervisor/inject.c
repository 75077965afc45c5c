/*
 * A system call run in a stopped thread of the target, on the thread's
 * behalf (sup_inject_syscall): restore a signal action, map a page,
 * read something only the thread itself can ask the kernel for.
 *
 * How.  The thread is pointed at a `syscall` instruction somewhere in
 * its address space with the call's registers loaded, resumed with
 * PTRACE_SYSCALL to its syscall-entry-stop and again to its exit-stop,
 * where rax is the result; then its registers are put back.  Syscall
 * stops are ptrace notifications, not signals, so nothing is sent to
 * the thread (single-stepping would raise a forced SIGTRAP, which resets
 * a blocked or ignored SIGTRAP action).  The instruction is found in the
 * [vdso] (its system-call fallbacks have one), else in any other
 * executable mapping, and remembered per process until it execs; it is
 * checked before each use.
 *
 * While the call runs every signal is blocked (PTRACE_SETSIGMASK), so no
 * handler of the program runs in between, except SIGSYS: a seccomp
 * filter that traps the call raises a forced SIGSYS, and a forced signal
 * that is blocked resets its action to SIG_DFL.
 *
 * Getting back into the stop.  The thread must end in a stop its caller
 * can treat as the one it was in:
 *   signal-delivery-stop of S: from the exit-stop the thread is resumed
 *	with a signal (a "carrier": S itself, or another signal that is not
 *	pending) and every other signal blocked; it stops again to deliver
 *	it, and that stop gets S's siginfo back.  Continuing it with S (or 0)
 *	then does what it would have done, restart of an interrupted system
 *	call included: the kernel decides that after the stop, from the
 *	registers, which are the thread's own again.
 *   PTRACE_EVENT_STOP (an interrupt, a new thread's first stop, a
 *	group-stop): PTRACE_INTERRUPT and resume; the thread traps again.
 *   PTRACE_EVENT_EXEC: the thread stays in the exit-stop of the call;
 *	continuing it continues the new program (the execve's result, 0, is
 *	already in rax: the loader's registers are zeroed).
 * Other stops (syscall and seccomp stops, clone/fork/vfork events, whose
 * system call has not returned yet) are refused, and so is a thread
 * inside rt_sigsuspend, ppoll, pselect6, epoll_pwait(2), io_pgetevents
 * or io_uring_enter interrupted with a temporary signal mask: the mask
 * it must get back when the call returns is not visible to ptrace, and
 * PTRACE_SETSIGMASK would make the kernel forget it.
 *
 * Signals that reach the thread while it is away: a group-stop is left
 * and re-entered afterwards (PTRACE_INTERRUPT, so the thread traps again
 * when continued); a SIGSTOP dequeued meanwhile, or a SIGSYS that is not
 * the trap of this call, is sent again with tgkill() (from regmap-run,
 * so si_pid is regmap-run's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup_internal.h"

#define USER_CS_64	0x33
#define EFLAGS_TF	0x100
#define SYSCALL_STOP	(SIGTRAP | 0x80)	/* PTRACE_O_TRACESYSGOOD */
#define SIGBIT(sig)	(1ull << ((sig) - 1))

/* include/linux/errno.h: a system call interrupted by a signal */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/* Not in every libc's headers; linux/seccomp.h */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1
#endif

enum stop_kind { STOP_SIGNAL, STOP_EVENT, STOP_EXEC };

struct inj {
	pid_t tid;
	bool group_stop;	/* a group-stop was left behind */
	bool resend_stop;	/* a SIGSTOP was taken off the queue */
	bool resend_sys;	/* a SIGSYS that was not our trap */
	bool in_signal_stop;	/* the thread is in a signal-delivery-stop now */
};

static bool interrupted(long rax)
{
	return rax == -EINTR || rax == -ERESTARTSYS || rax == -ERESTARTNOINTR ||
	       rax == -ERESTARTNOHAND || rax == -ERESTART_RESTARTBLOCK;
}

/* Inside a call that restores a saved signal mask on its way out? */
static bool temp_mask_call(const struct user_regs_struct *r)
{
	switch ((long)r->orig_rax) {
	case SYS_rt_sigsuspend:
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_io_pgetevents:
	case SYS_io_uring_enter:
		return interrupted((long)r->rax);
	}
	return false;
}

static int classify(const siginfo_t *si, enum stop_kind *kind)
{
	int event = si->si_code >> 8;

	/* event stops carry SIGTRAP (a stop signal for a group-stop) | event << 8 */
	if (si->si_code > 0 && (si->si_code & 0x7f) == si->si_signo && event) {
		if (event == PTRACE_EVENT_STOP)
			*kind = STOP_EVENT;
		else if (event == PTRACE_EVENT_EXEC)
			*kind = STOP_EXEC;
		else
			return -EBUSY;
		return 0;
	}
	if (si->si_signo == SIGTRAP && si->si_code == SYSCALL_STOP)
		return -EBUSY;	/* a syscall stop */
	*kind = STOP_SIGNAL;
	return 0;
}

/* ---- where the `syscall` instruction is ---- */

#define SCAN_LIMIT	(64ull << 20)	/* bytes of code looked at, at most */

static uint64_t scan_range(pid_t tid, uint64_t start, uint64_t end, uint64_t *budget)
{
	uint8_t page[4096], prev = 0;

	for (uint64_t a = start; a < end && *budget; a += sizeof(page)) {
		size_t n = end - a < sizeof(page) ? end - a : sizeof(page);

		if (sup_mem_read(&tid, a, page, n) < 0) {
			prev = 0;
			continue;
		}
		*budget = *budget > n ? *budget - n : 0;
		if (prev == 0x0f && page[0] == 0x05)
			return a - 1;
		for (size_t i = 0; i + 1 < n; i++)
			if (page[i] == 0x0f && page[i + 1] == 0x05)
				return a + i;
		prev = page[n - 1];
	}
	return 0;
}

/* The address of bytes 0f 05 in an executable mapping of tid's process. */
static uint64_t scan_for_syscall(pid_t tid)
{
	uint64_t found = 0, budget = SCAN_LIMIT;
	char path[64], line[512];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	/* the vdso first: it is small and has the instruction */
	for (int pass = 0; pass < 2 && !found; pass++) {
		FILE *f = fopen(path, "re");

		if (!f)
			return 0;
		while (!found && fgets(line, sizeof(line), f)) {
			uint64_t start, end;
			char perms[5];
			int off = 0;
			bool vdso;

			if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s%n",
				   &start, &end, perms, &off) < 3 || off == 0 || perms[2] != 'x')
				continue;
			/* the vsyscall page is emulated by the kernel, not code */
			if (strstr(line + off, "[vsyscall]"))
				continue;
			vdso = strstr(line + off, "[vdso]") != NULL;
			if (vdso == (pass == 0))
				found = scan_range(tid, start, end, &budget);
		}
		fclose(f);
	}
	return found;
}

static uint64_t syscall_insn(struct sup_session *s, pid_t tid)
{
	struct sup_proc *p = sup_proc_get(s, sup_thread_tgid(s, tid), true);
	uint8_t b[2];

	if (p && p->syscall_insn && sup_mem_read(&tid, p->syscall_insn, b, 2) == 0 &&
	    b[0] == 0x0f && b[1] == 0x05)
		return p->syscall_insn;
	if (!p)
		return scan_for_syscall(tid);
	p->syscall_insn = scan_for_syscall(tid);
	return p->syscall_insn;
}

/* ---- the thread's stops while it is away ---- */

/*
 * The next stop of tid alone.  A group leader that dies is reported only
 * once every other thread of its process has been waited for, which the
 * event loop does, not us: for a leader, poll, and give up when it is a
 * zombie (the event loop gets its status later).
 */
static int wait_stop(struct sup_session *s, pid_t tid, int *status)
{
	bool leader = sup_thread_tgid(s, tid) == tid;
	long nap = 0;
	char state;

	for (;;) {
		pid_t r = waitpid(tid, status, __WALL | (leader ? WNOHANG : 0));

		if (r == tid && WIFSTOPPED(*status))
			return 0;
		if (r == tid) {
			sup_note_exit(s, tid, *status);
			return -ESRCH;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -ESRCH;
		/* r == 0: a leader still running, or dead and waiting for its threads */
		state = sup_proc_stat(tid, NULL);
		if (state == 'Z' || state == 0)
			return -ESRCH;
		if (nap) {
			struct timespec ts = { 0, nap };

			nanosleep(&ts, NULL);
		}
		nap = nap ? (nap < 1000000 ? nap * 2 : nap) : 1000;
	}
}

static int resume(pid_t tid, enum __ptrace_request req, int sig)
{
	return ptrace(req, tid, NULL, (void *)(long)sig) < 0 ? -ESRCH : 0;
}

/*
 * A stop that is not the one awaited: remember what must be redone
 * afterwards.  Returns true if it was a signal-delivery-stop (whose
 * signal the next resume with 0 discards).
 */
static bool stray_stop(struct inj *j, int status)
{
	siginfo_t si;

	if (status >> 16 == PTRACE_EVENT_STOP) {
		int sig = WSTOPSIG(status);

		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			j->group_stop = true;
		return false;
	}
	if (status >> 16)
		return false;
	if (WSTOPSIG(status) == SIGSTOP)
		j->resend_stop = true;
	else if (WSTOPSIG(status) == SIGSYS &&
		 ptrace(PTRACE_GETSIGINFO, j->tid, NULL, &si) == 0)
		j->resend_sys = true;
	return true;
}

/* A foreign filter's SECCOMP_RET_TRACE: what the kernel does with no tracer. */
static void seccomp_untraced(pid_t tid)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
		return;
	r.orig_rax = -1;
	r.rax = -ENOSYS;
	ptrace(PTRACE_SETREGS, tid, NULL, &r);
}

/*
 * Run the call: from the stop the thread is in (registers set) to the
 * exit-stop of the call.  *ret gets its result.
 */
static int run_call(struct sup_session *s, struct inj *j, long nr, uint64_t insn, long *ret)
{
	struct __ptrace_syscall_info info;
	bool entered = false;
	int status, err;

	err = resume(j->tid, PTRACE_SYSCALL, 0);
	while (!err && !(err = wait_stop(s, j->tid, &status))) {
		if (status >> 16 == 0 && WSTOPSIG(status) == SYSCALL_STOP) {
			if (ptrace(PTRACE_GET_SYSCALL_INFO, j->tid, (void *)sizeof(info), &info) <= 0)
				return -ESRCH;
			if (info.op == PTRACE_SYSCALL_INFO_ENTRY && !entered &&
			    info.instruction_pointer == insn + 2 && (long)info.entry.nr == nr) {
				entered = true;
			} else if (info.op == PTRACE_SYSCALL_INFO_EXIT && entered) {
				*ret = info.exit.rval;
				/* not restarted: from the caller's side it was interrupted */
				if (interrupted(*ret))
					*ret = -EINTR;
				return 0;
			}
			/* else the exit-stop of the execve the thread was in */
		} else if (status >> 16 == PTRACE_EVENT_SECCOMP) {
			unsigned long data = 0;

			ptrace(PTRACE_GETEVENTMSG, j->tid, NULL, &data);
			if (data != SUP_SECCOMP_DATA)
				seccomp_untraced(j->tid);
		} else {
			stray_stop(j, status);
		}
		err = resume(j->tid, PTRACE_SYSCALL, 0);
	}
	return err;
}

/*
 * A seccomp filter trapped the call (SECCOMP_RET_TRAP): its forced SIGSYS
 * is pending.  Take it off the queue, so the program never sees a signal
 * for a call it did not make; the thread is then in its
 * signal-delivery-stop.  Returns 1 if there was one, 0 if not, or -ESRCH.
 */
static int take_trap(struct sup_session *s, struct inj *j, long nr)
{
	struct __ptrace_peeksiginfo_args args = { 0, 0, 64 };
	siginfo_t q[64];
	int n, status, err;
	bool found = false;

	n = ptrace(PTRACE_PEEKSIGINFO, j->tid, &args, q);
	for (int i = 0; i < n && !found; i++)
		found = q[i].si_signo == SIGSYS && q[i].si_code == SYS_SECCOMP &&
			q[i].si_syscall == nr;
	if (!found)
		return 0;
	err = resume(j->tid, PTRACE_CONT, 0);
	while (!err && !(err = wait_stop(s, j->tid, &status))) {
		siginfo_t si;

		if (status >> 16 == 0 && WSTOPSIG(status) == SIGSYS &&
		    ptrace(PTRACE_GETSIGINFO, j->tid, NULL, &si) == 0 &&
		    si.si_code == SYS_SECCOMP && si.si_syscall == nr) {
			j->in_signal_stop = true;
			return 1;
		}
		stray_stop(j, status);
		err = resume(j->tid, PTRACE_CONT, 0);
	}
	return err;
}

/* ---- back into the original stop ---- */

static bool never_carrier(int sig)
{
	return sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT || sig == SIGTSTP ||
	       sig == SIGTTIN || sig == SIGTTOU;
}

/* The signal that brings the thread back to a signal-delivery-stop. */
static int pick_carrier(pid_t tid, int sig)
{
	static const int spare[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGPROF, SIGVTALRM, SIGWINCH,
				     SIGURG, SIGIO, SIGPWR, SIGXCPU, SIGXFSZ, SIGHUP, SIGTERM };
	uint64_t pending = 0;

	/*
	 * A standard signal already pending for the thread would absorb
	 * ours (and lose its own siginfo to the one we set).
	 */
	sup_proc_sigmask(tid, "SigPnd", &pending);
	if (sig > 0 && sig < 32 && !never_carrier(sig) && !(pending & SIGBIT(sig)))
		return sig;
	for (size_t i = 0; i < sizeof(spare) / sizeof(spare[0]); i++)
		if (!(pending & SIGBIT(spare[i])))
			return spare[i];
	return SIGRTMIN + 1;	/* queued, never absorbed */
}

static int back_to_signal_stop(struct sup_session *s, struct inj *j, const siginfo_t *si,
			       uint64_t mask0)
{
	int carrier, status, err = 0;
	uint64_t only;

	if (!j->in_signal_stop) {
		carrier = pick_carrier(j->tid, si->si_signo);
		only = ~SIGBIT(carrier);
		if (ptrace(PTRACE_SETSIGMASK, j->tid, (void *)sizeof(only), &only) < 0)
			return -ESRCH;
		err = resume(j->tid, PTRACE_CONT, carrier);
		while (!err && !(err = wait_stop(s, j->tid, &status))) {
			if (status >> 16 == 0 && WSTOPSIG(status) == carrier)
				break;
			stray_stop(j, status);
			err = resume(j->tid, PTRACE_CONT, 0);
		}
		if (err)
			return err;
	}
	if (ptrace(PTRACE_SETSIGINFO, j->tid, NULL, si) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, j->tid, (void *)sizeof(mask0), &mask0) < 0)
		return -ESRCH;
	return 0;
}

static int back_to_event_stop(struct sup_session *s, struct inj *j, uint64_t mask0)
{
	int status, err;

	if (ptrace(PTRACE_SETSIGMASK, j->tid, (void *)sizeof(mask0), &mask0) < 0 ||
	    ptrace(PTRACE_INTERRUPT, j->tid, NULL, NULL) < 0)
		return -ESRCH;
	/* the jobctl trap comes before any signal is dequeued */
	err = resume(j->tid, PTRACE_CONT, 0);
	while (!err && !(err = wait_stop(s, j->tid, &status))) {
		if (status >> 16 == PTRACE_EVENT_STOP)
			return 0;
		stray_stop(j, status);
		err = resume(j->tid, PTRACE_CONT, 0);
	}
	return err;
}

int sup_inject_syscall(struct sup_session *s, pid_t tid, long nr, const long args[6], long *ret)
{
	struct user_regs_struct saved, r;
	struct inj j = { .tid = tid };
	enum stop_kind kind;
	uint64_t insn, mask0, mask;
	siginfo_t si;
	int err;

	if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0)
		return errno == ESRCH ? -ESRCH : -EBUSY;
	err = classify(&si, &kind);
	if (err)
		return err;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) < 0 ||
	    ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(mask0), &mask0) < 0)
		return -ESRCH;
	if (saved.cs != USER_CS_64)
		return -EINVAL;
	if (temp_mask_call(&saved))
		return -EBUSY;
	insn = syscall_insn(s, tid);
	if (!insn)
		return -ENOSYS;

	r = saved;
	r.rip = insn;
	r.rax = nr;
	r.orig_rax = -1;	/* no restart of the call the thread was in */
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	r.eflags &= ~EFLAGS_TF;
	mask = ~SIGBIT(SIGSYS);
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask) < 0 ||
	    ptrace(PTRACE_SETREGS, tid, NULL, &r) < 0)
		return -ESRCH;

	err = run_call(s, &j, nr, insn, ret);
	if (!err) {
		err = take_trap(s, &j, nr);
		if (err > 0)
			*ret = -ENOSYS;
		err = err > 0 ? 0 : err;
	}
	if (err)
		return err;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &saved) < 0)
		return -ESRCH;
	switch (kind) {
	case STOP_SIGNAL:
		err = back_to_signal_stop(s, &j, &si, mask0);
		break;
	case STOP_EVENT:
		err = back_to_event_stop(s, &j, mask0);
		break;
	case STOP_EXEC:
		if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask0), &mask0) < 0)
			err = -ESRCH;
		break;
	}
	if (err)
		return err;
	if (j.resend_stop || j.resend_sys) {
		pid_t tgid = sup_thread_tgid(s, tid);

		if (j.resend_stop)
			syscall(SYS_tgkill, tgid, tid, SIGSTOP);
		if (j.resend_sys)
			syscall(SYS_tgkill, tgid, tid, SIGSYS);
	}
	/* traps again when continued, and is back in the group-stop */
	if (j.group_stop)
		ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
	return 0;
}
