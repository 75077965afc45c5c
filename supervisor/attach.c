/*
 * regmap-run -p: attach to a running process, and let go of it again.
 *
 * Attach: PTRACE_SEIZE every thread in /proc/PID/task (no SIGSTOP: the
 * program does not notice), then read the directory again until no new
 * thread shows up, since a thread not yet seized can create threads
 * PTRACE_O_TRACECLONE does not see.  Threads made by seized threads are
 * traced by the kernel.  No PTRACE_O_EXITKILL: the program was running
 * before us and must survive regmap-run's death.
 *
 * Detach (as strace does it): PTRACE_INTERRUPT every thread, wait for
 * each stop and PTRACE_DETACH from it with the signal that stop was
 * about to deliver, so no signal is lost.  A SIGSEGV that is a map
 * access is emulated first and detached with no signal.  A thread in a
 * group-stop re-traps with its stop signal and is detached with none:
 * the kernel puts it back into the group-stop, so a stopped program
 * stays stopped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup_internal.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

static char proc_state(pid_t tid)
{
	return sup_proc_stat(tid, NULL);
}

static int seize(pid_t tid, const struct sup_config *cfg)
{
	long opts = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD;

	if (cfg->follow_forks)
		opts |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE;
	return ptrace(PTRACE_SEIZE, tid, NULL, (void *)opts) < 0 ? -errno : 0;
}

/* Let go of one running tracee at once (undoing a failed attach). */
static void release(struct sup_session *s, pid_t tid)
{
	int st;

	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0)
		while (waitpid(tid, &st, __WALL) == tid && WIFSTOPPED(st)) {
			int sig = st >> 16 ? 0 : WSTOPSIG(st);

			if (ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)sig) == 0)
				break;
		}
	sup_thread_mark(&s->threads, tid, false);
}

/* One pass over /proc/PID/task: seize what is new.  Returns the count, or -errno. */
static int seize_pass(struct sup_session *s, pid_t pid, struct sup_attach_error *e)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -ESRCH;
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		struct sup_thread *t;
		int ret;

		if (tid <= 0)
			continue;
		t = sup_thread_get(&s->threads, tid, false);
		if (t && t->traced)
			continue;
		/* a leader that called pthread_exit(): nothing left to trace there */
		if (proc_state(tid) == 'Z')
			continue;
		ret = seize(tid, &s->cfg);
		if (ret == -ESRCH)
			continue;	/* it exited meanwhile */
		if (ret < 0) {
			long tracer = sup_proc_status_long(tid, "TracerPid");

			/* made by a thread we had seized: the kernel attached it for us */
			if (tracer == getpid()) {
				sup_thread_mark(&s->threads, tid, true);
				t = sup_thread_get(&s->threads, tid, false);
				if (t)
					t->tgid = pid;
				sup_as_start(s, tid);
				n++;
				continue;
			}
			e->err = -ret;
			e->tracer_pid = tracer > 0 ? tracer : 0;
			closedir(dir);
			return ret;
		}
		sup_thread_mark(&s->threads, tid, true);
		t = sup_thread_get(&s->threads, tid, false);
		if (t)
			t->tgid = pid;
		/* threads of one process share one address space */
		sup_as_start(s, tid);
		n++;
	}
	closedir(dir);
	return n;
}

int sup_attach(struct sup_session *s, pid_t pid, unsigned *nthreads,
	       struct sup_attach_error *e)
{
	long tgid = sup_proc_status_long(pid, "Tgid");
	unsigned long flags = 0;
	unsigned total = 0;
	int n;

	*e = (struct sup_attach_error){ 0 };
	*nthreads = 0;
	if (tgid < 0) {
		e->err = ESRCH;
		return -ESRCH;
	}
	e->tgid = tgid;
	/*
	 * Already ours: seizing again would find no new thread, and a pass
	 * that finds none must not be taken for a process that vanished.
	 */
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid > 0 && t->traced && t->tgid == tgid) {
			e->duplicate = true;
			e->err = EALREADY;
			return -EALREADY;
		}
	}
	if (sup_proc_stat(pid, &flags) && (flags & PF_KTHREAD)) {
		e->kthread = true;
		e->err = EPERM;
		return -EPERM;
	}
	if (proc_state(pid) == 'Z' && sup_proc_status_long(pid, "Threads") <= 1) {
		e->zombie = true;
		e->err = ESRCH;
		return -ESRCH;
	}
	s->attached = true;
	while ((n = seize_pass(s, tgid, e)) > 0)
		total += n;
	if (n < 0 || total == 0) {
		/* let go of what this pid gave us; other pids stay attached */
		for (unsigned i = 0; i < s->threads.size; i++) {
			struct sup_thread *t = &s->threads.slot[i];

			if (t->tid > 0 && t->traced && t->tgid == tgid)
				release(s, t->tid);
		}
		if (n == 0) {
			e->err = ESRCH;
			e->zombie = proc_state(pid) == 'Z';
		}
		return -e->err;
	}
	if (!s->pid)
		s->pid = tgid;
	*nthreads = total;
	/* the program's SIGSEGV action, at a live thread's first stop (sigshadow.c) */
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid > 0 && t->traced && t->tgid == tgid && proc_state(t->tid) != 'Z') {
			sup_segv_attach(s, tgid, t->tid);
			break;
		}
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static unsigned count_traced(struct sup_session *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->threads.size; i++)
		n += s->threads.slot[i].tid > 0 && s->threads.slot[i].traced;
	return n;
}

/* One stop during the detach: returns true when tid was let go. */
static bool detach_stop(struct sup_session *s, pid_t tid, int st)
{
	int sig = WSTOPSIG(st), deliver = 0;
	unsigned long msg;

	switch (st >> 16) {
	case 0:
		deliver = sig;
		if (sup_fault_wanted(s, sig)) {
			deliver = sup_fault(s, tid);
			if (deliver < 0)
				return true;	/* gone */
		}
		break;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		/* the new task reports its own first stop, then we let it go too */
		if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0)
			sup_thread_mark(&s->threads, (pid_t)msg, true);
		break;
	default:	/* our interrupt, a group-stop, a new task's first stop, exec */
		break;
	}
	return ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)deliver) == 0 || errno == ESRCH;
}

int sup_detach_all(struct sup_session *s)
{
	/* a zombie never stops again: give up on a thread after that long */
	uint64_t deadline = now_ms() + 3000;
	int detached = 0;

	if (s->gdb)
		sup_gdb_shutdown(s);
	/* threads the world holds go on first; their queued stops come below */
	for (unsigned i = 0; i < s->threads.size; i++)
		s->threads.slot[i].wstay = false;
	sup_world_resume(s);
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid <= 0 || !t->traced)
			continue;
		if (proc_state(t->tid) == 'Z' ||
		    (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0 && errno == ESRCH))
			t->traced = false;	/* the kernel unlinks it when we exit */
	}
	while (count_traced(s)) {
		int st;
		pid_t tid = sup_wait_opts(s, &st, WNOHANG);

		if (tid < 0 && errno == EINTR)
			continue;
		if (tid < 0)
			break;
		if (tid == 0) {
			struct timespec ms = { 0, 1000000 };

			if (now_ms() > deadline)
				break;
			nanosleep(&ms, NULL);
			continue;
		}
		if (!WIFSTOPPED(st)) {
			sup_thread_mark(&s->threads, tid, false);
			continue;
		}
		/* which process it was in, for the detach message: ask while it is ours */
		sup_thread_tgid(s, tid);
		if (detach_stop(s, tid, st)) {
			struct sup_thread *t = sup_thread_get(&s->threads, tid, false);

			sup_thread_mark(&s->threads, tid, false);
			if (t)
				t->let_go = true;
			detached++;
		}
	}
	if (count_traced(s))
		sup_msgf(s, SUP_MSG_WARNING, "%u threads did not stop to be detached; the "
			 "kernel lets go of them when regmap-run exits", count_traced(s));
	s->detached += detached;
	return detached;
}
