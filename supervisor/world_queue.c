/*
 * The world's queue and the event loop's waiting (world.c has the
 * stopping and resuming): events waitpid() returned while the world was
 * being stopped wait here, in order, until the loop may have them;
 * SIGCHLD as a file descriptor, for those who must wait for children
 * and something else at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup_internal.h"

/* ---- the queue ---- */

void sup_world_push(struct sup_session *s, pid_t tid, int status)
{
	struct sup_world *w = &s->world;
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);

	if (w->qlen == w->qcap) {
		unsigned cap = w->qcap ? w->qcap * 2 : 64;
		struct sup_event *q = realloc(w->queue, cap * sizeof(*q));

		/*
		 * Out of memory: the event cannot be kept, so the thread would
		 * stay stopped for good.  Resuming it (and the stop's signal
		 * lost) is the lesser harm; it cannot happen in practice.
		 */
		if (!q) {
			if (WIFSTOPPED(status))
				ptrace(PTRACE_CONT, tid, NULL, NULL);
			return;
		}
		w->queue = q;
		w->qcap = cap;
	}
	w->queue[w->qlen++] = (struct sup_event){ tid, status };
	if (t)
		t->wqueued++;
}

static void drop(struct sup_session *s, unsigned i)
{
	struct sup_world *w = &s->world;
	struct sup_thread *t = sup_thread_get(&s->threads, w->queue[i].tid, false);

	if (t && t->wqueued)
		t->wqueued--;
	memmove(&w->queue[i], &w->queue[i + 1], (w->qlen - i - 1) * sizeof(w->queue[0]));
	w->qlen--;
}

/* May the loop have this queued event now? */
static bool deliverable(struct sup_session *s, const struct sup_event *e)
{
	struct sup_thread *t;

	if (!s->world.stopped || !WIFSTOPPED(e->status))
		return true;	/* an exit resumes nothing */
	t = sup_thread_get(&s->threads, e->tid, false);
	if (!t || !sup_world_defers(s, t))
		return true;
	return s->world.drain && !t->wstay;
}

void sup_world_unqueue(struct sup_session *s, unsigned i)
{
	struct sup_event e = s->world.queue[i];

	drop(s, i);
	sup_world_hold(s, e.tid, e.status);
}

bool sup_world_queued(struct sup_session *s)
{
	for (unsigned i = 0; i < s->world.qlen; i++) {
		struct sup_thread *t = sup_thread_get(&s->threads, s->world.queue[i].tid, false);

		if (t && sup_world_member(s, t))
			return true;
	}
	return false;
}

pid_t sup_wait_opts(struct sup_session *s, int *status, int options)
{
	struct sup_world *w = &s->world;

	for (unsigned i = 0; i < w->qlen; i++)
		if (deliverable(s, &w->queue[i])) {
			pid_t tid = w->queue[i].tid;

			*status = w->queue[i].status;
			drop(s, i);
			return tid;
		}
	for (;;) {
		pid_t tid = waitpid(-1, status, __WALL | options);
		struct sup_thread *t;

		if (tid <= 0 || !w->stopped || !WIFSTOPPED(*status))
			return tid;
		t = sup_thread_get(&s->threads, tid, true);
		if (!t || !sup_world_defers(s, t) || (w->drain && !t->wstay))
			return tid;
		/* a held thread cannot stop; a new one can: it waits its turn */
		t->traced = true;
		sup_world_push(s, tid, *status);
	}
}

pid_t sup_wait(struct sup_session *s, int *status)
{
	return sup_wait_opts(s, status, 0);
}

/* ---- SIGCHLD as a file descriptor ---- */

int sup_sigchld_fd(struct sup_session *s)
{
	sigset_t set;

	if (s->world.sigfd >= 0)
		return s->world.sigfd;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	/* waitpid() is unaffected: a blocked SIGCHLD only stays pending */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	s->world.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->world.sigfd >= 0 ? s->world.sigfd : -errno;
}

void sup_sigchld_clear(struct sup_session *s)
{
	struct signalfd_siginfo si[8];

	if (s->world.sigfd >= 0)
		while (read(s->world.sigfd, si, sizeof(si)) == sizeof(si))
			;
}

void sup_world_forget(struct sup_session *s, struct sup_thread *t)
{
	struct sup_world *w = &s->world;

	/* stops queued before its exit are stale now */
	for (unsigned i = 0; i < w->qlen;)
		if (w->queue[i].tid == t->tid && WIFSTOPPED(w->queue[i].status))
			drop(s, i);
		else
			i++;
	t->wstate = SUP_W_NONE;
	t->wsig = 0;
	t->wstay = false;
	t->in_vfork = false;
	t->step = false;
}

void sup_world_free(struct sup_session *s)
{
	free(s->world.queue);
	s->world.queue = NULL;
	s->world.qlen = s->world.qcap = 0;
	if (s->world.sigfd >= 0)
		close(s->world.sigfd);
	s->world.sigfd = -1;
}

