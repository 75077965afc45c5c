/*
 * The event loop: one waitpid(__WALL) over every traced thread and
 * process, and one decision per stop.
 *
 *   signal-delivery-stop, SIGSEGV   -> sup_fault(): emulate or deliver
 *     (or SIGBUS: an alignment check; SIGFPE too once sites are rewritten:
 *     faults inside native code)
 *   signal-delivery-stop, other     -> deliver the signal unchanged
 *   PTRACE_EVENT_STOP, stop signal  -> group-stop: PTRACE_LISTEN, so the
 *                                      tracee stays stopped until SIGCONT
 *                                      as it would without regmap-run
 *   PTRACE_EVENT_STOP, SIGTRAP      -> a new tracee's first stop, or the
 *                                      end of a group-stop: continue
 *   seccomp event                   -> our filter: note the program's new
 *                                      SIGSEGV action (sigshadow.c)
 *   clone/fork/vfork/exec events    -> continue (new tasks are traced
 *                                      automatically; the decode cache
 *                                      needs no flush, see cache.c)
 *
 * No decision needs a per-thread table: each depends only on the stop
 * itself, and waitpid() returning ECHILD says that nothing is left.  The
 * thread table (threads.c) is kept up to date on the rare events (new
 * task, exit, exec, vfork) for detaching, --stats and stopping the
 * world, never per access.
 *
 * Waiting and resuming go through world.c (sup_wait, sup_resume,
 * sup_listen): while the world is stopped, a held thread's resume is
 * deferred and events that came in meanwhile are handed out in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "sup_internal.h"

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void signal_stop(struct sup_session *s, pid_t tid, int sig)
{
	uint64_t t0 = 0;
	int deliver = sig;

	if (sup_fault_wanted(s, sig)) {
		if (s->detail && sig != SIGFPE)
			t0 = now_ns();
		deliver = sup_fault(s, tid);
		if (deliver < 0)
			return;	/* gone (SIGKILL, exit_group of another thread) */
	}
	/* a stop gdb must see stays stopped (a breakpoint, a step, --gdb-on-fault) */
	if (s->gdb && sup_gdb_signal(s, tid, sig, &deliver))
		return;
	if (deliver)
		s->stats.signals++;
	if (deliver == SIGSEGV)
		sup_segv_delivered(s, tid);
	sup_resume(s, tid, deliver);
	if (t0 && !deliver)
		sup_detail_time(s, now_ns() - t0);
}

/* A new task (clone, fork, vfork) is traced: note it for detach and --stats. */
static void new_task(struct sup_session *s, pid_t tid, int ev)
{
	unsigned long msg;

	if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0) {
		sup_thread_mark(&s->threads, (pid_t)msg, true);
		/* a new process (a clone without CLONE_THREAD too) inherits the SIGSEGV action */
		if (ev != PTRACE_EVENT_CLONE ||
		    sup_proc_status_long((pid_t)msg, "Tgid") == (long)msg)
			sup_segv_new_process(s, tid, (pid_t)msg);
		/* --stats and the detach message count processes: note its own */
		if (s->detail || s->attached)
			sup_thread_tgid(s, (pid_t)msg);
		if (s->gdb)
			sup_gdb_new_task(s, tid, (pid_t)msg, ev);
		/* its address space: the parent's, or a copy (rewritten sites) */
		sup_as_clone(s, tid, (pid_t)msg);
	}
}

static void exec_done(struct sup_session *s, pid_t tid)
{
	unsigned long former;

	if (tid == s->pid)
		s->exec_done = true;
	/* a thread other than the leader exec'd: it now has the leader's tid */
	if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &former) != 0)
		former = tid;
	/* a new address space, with no rewritten site */
	sup_as_exec(s, tid, (pid_t)former);
	if ((pid_t)former != tid)
		sup_thread_mark(&s->threads, (pid_t)former, false);
	sup_names_forget(s, tid);
	sup_proc_exec(s, tid);
	sup_segv_exec(s, tid);
}

/*
 * A thread blocked in vfork() runs no code until its child has exec'd or
 * exited (PTRACE_EVENT_VFORK_DONE): stopping the world must not wait for it.
 */
static void in_vfork(struct sup_session *s, pid_t tid, bool in)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, in);

	if (t)
		t->in_vfork = in;
}

/* Our filter's stop at rt_sigaction(SIGSEGV, ...), or one of the program's own filters'. */
static void seccomp_stop(struct sup_session *s, pid_t tid)
{
	unsigned long data = 0;

	ptrace(PTRACE_GETEVENTMSG, tid, NULL, &data);
	if (data == SUP_SECCOMP_DATA)
		sup_segv_seccomp(s, tid);
	else
		sup_seccomp_untraced(tid);
}

static void handle_stop(struct sup_session *s, pid_t tid, int status)
{
	int sig = WSTOPSIG(status);

	switch (status >> 16) {
	case 0:
		signal_stop(s, tid, sig);
		break;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			sup_listen(s, tid);
		} else {
			/* maybe a new task's first stop, before its parent's event */
			sup_thread_mark(&s->threads, tid, true);
			sup_segv_event_stop(s, tid);
			sup_resume(s, tid, 0);
		}
		break;
	case PTRACE_EVENT_EXEC:
		exec_done(s, tid);
		/* gdb follows the debugged process into its new program */
		if (s->gdb && sup_gdb_exec(s, tid, status))
			break;
		sup_resume(s, tid, 0);
		break;
	case PTRACE_EVENT_VFORK:
		in_vfork(s, tid, true);
		/* fall through */
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
		new_task(s, tid, status >> 16);
		sup_resume(s, tid, 0);
		break;
	case PTRACE_EVENT_SECCOMP:
		seccomp_stop(s, tid);
		sup_resume(s, tid, 0);
		break;
	case PTRACE_EVENT_VFORK_DONE:
		in_vfork(s, tid, false);
		if (s->gdb)
			sup_gdb_vfork_done(s, tid);
		sup_resume(s, tid, 0);
		break;
	default:
		sup_resume(s, tid, 0);
		break;
	}
}

/* Thread tid ended with wait status status. */
void sup_note_exit(struct sup_session *s, pid_t tid, int status)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);

	if (t)
		sup_world_forget(s, t);
	sup_as_drop(s, tid);
	sup_thread_mark(&s->threads, tid, false);
	/* a leader's end is reported after all its threads': the process is gone */
	sup_proc_gone(s, tid);
	if (tid == s->pid) {
		s->status = status;
		s->pid_done = true;
	}
	if (s->gdb)
		sup_gdb_exit(s, tid, status);
}

void sup_handle_event(struct sup_session *s, pid_t tid, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status))
		sup_note_exit(s, tid, status);
	else if (WIFSTOPPED(status))
		handle_stop(s, tid, status);
}

int sup_run(struct sup_session *s)
{
	sup_segv_start(s);
	for (;;) {
		int status;
		pid_t tid;

		if (s->detach && *s->detach) {
			sup_detach_all(s);
			return 0;
		}
		tid = s->gdb ? sup_gdb_wait(s, &status) : sup_wait(s, &status);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			return -errno;
		}
		sup_handle_event(s, tid, status);
	}
	/* attached processes are not our children: their end is no error */
	return s->pid_done || s->attached ? 0 : -ECHILD;
}
