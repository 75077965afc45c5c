/*
 * The event loop: one waitpid(__WALL) over every traced thread and
 * process, and one decision per stop.
 *
 *   signal-delivery-stop, SIGSEGV   -> sup_fault(): emulate or deliver
 *   signal-delivery-stop, other     -> deliver the signal unchanged
 *   PTRACE_EVENT_STOP, stop signal  -> group-stop: PTRACE_LISTEN, so the
 *                                      tracee stays stopped until SIGCONT
 *                                      as it would without regmap-run
 *   PTRACE_EVENT_STOP, SIGTRAP      -> a new tracee's first stop, or the
 *                                      end of a group-stop: continue
 *   clone/fork/vfork/exec events    -> continue (new tasks are traced
 *                                      automatically; the decode cache
 *                                      needs no flush, see cache.c)
 *
 * No per-thread table is needed: every decision depends only on the stop
 * itself, and waitpid() returning ECHILD says that nothing is left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "sup_internal.h"

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void signal_stop(struct sup_session *s, pid_t tid, int sig)
{
	int deliver = sig;

	if (sig == SIGSEGV) {
		deliver = sup_fault(s, tid);
		if (deliver < 0)
			return;	/* gone (SIGKILL, exit_group of another thread) */
	}
	if (deliver)
		s->stats.signals++;
	ptrace(PTRACE_CONT, tid, NULL, (void *)(long)deliver);
}

static void handle_stop(struct sup_session *s, pid_t tid, int status)
{
	int sig = WSTOPSIG(status);

	switch (status >> 16) {
	case 0:
		signal_stop(s, tid, sig);
		break;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig))
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
		else
			ptrace(PTRACE_CONT, tid, NULL, NULL);
		break;
	case PTRACE_EVENT_EXEC:
		if (tid == s->pid)
			s->exec_done = true;
		ptrace(PTRACE_CONT, tid, NULL, NULL);
		break;
	default:	/* CLONE, FORK, VFORK, VFORK_DONE */
		ptrace(PTRACE_CONT, tid, NULL, NULL);
		break;
	}
}

int sup_run(struct sup_session *s)
{
	for (;;) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			return -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == s->pid) {
				s->status = status;
				s->pid_done = true;
			}
			continue;
		}
		if (WIFSTOPPED(status))
			handle_stop(s, tid, status);
	}
	return s->pid_done ? 0 : -ECHILD;
}
