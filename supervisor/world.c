/*
 * Stopping the world: every thread of a process (or of the session)
 * stopped at once, and resumed at once (doc/GDB.md section 3).
 *
 * The gdb server needs it for all-stop mode and the native-speed
 * rewriter so that no thread runs code being rewritten.  Stopping sends
 * PTRACE_INTERRUPT to each running thread of the scope and waits for
 * each one's stop.  Whatever waitpid() returns meanwhile that is not
 * such a stop (a map access, a signal, a clone, an exit) is queued for
 * the event loop, and the thread it belongs to counts as stopped: it is
 * in a ptrace-stop nobody has resumed.
 *
 * While the world is stopped, sup_resume() -- the loop's only way to
 * continue a thread -- records the resume of a thread of the scope
 * instead of doing it, so the loop can keep handling events (of other
 * processes, or queued ones the gdb server lets through) without letting
 * a held thread run.  sup_world_resume() then resumes each held thread
 * the way it would have gone on.
 *
 * The pending interrupt of a thread whose stop was something else shows
 * up as a PTRACE_EVENT_STOP after its next resume; the loop continues
 * such stops anyway, so it is harmless.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sup_internal.h"

/* how long to wait for stops before looking for threads that never stop */
#define STOP_POLL_MS	100

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

bool sup_world_same_mm(struct sup_session *s, pid_t a, pid_t b)
{
	long r = syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);

	if (r >= 0)
		return r == 0;
	if (errno == ESRCH)
		return false;
	/* no kcmp (CONFIG_CHECKPOINT_RESTORE off): one process is one address space */
	return sup_thread_tgid(s, a) == sup_thread_tgid(s, b);
}

bool sup_world_member(struct sup_session *s, struct sup_thread *t)
{
	struct sup_world *w = &s->world;

	if (!w->stopped)
		return false;
	if (t->wgen == w->gen)
		return t->wmember;
	switch (w->scope) {
	case SUP_WORLD_ALL:
		t->wmember = true;
		break;
	case SUP_WORLD_PROCESS:
		t->wmember = sup_thread_tgid(s, t->tid) == w->key;
		break;
	case SUP_WORLD_MM:
		t->wmember = t->tid == w->key || sup_world_same_mm(s, w->key, t->tid);
		break;
	}
	t->wgen = w->gen;
	return t->wmember;
}

/* Would the loop's resume of t be deferred now? */
bool sup_world_defers(struct sup_session *s, struct sup_thread *t)
{
	return s->world.stopped && t->wstate != SUP_W_RUN && sup_world_member(s, t);
}

bool sup_world_holds(struct sup_session *s, struct sup_thread *t)
{
	return s->world.stopped &&
	       (t->wstate == SUP_W_HELD || t->wstate == SUP_W_HELD_LISTEN);
}

/* ---- resuming ---- */

static void release(struct sup_session *s, struct sup_thread *t)
{
	int sig = t->wsig;

	/* a signal can go with the resume only from a signal-delivery-stop */
	if (sig && !t->wsds) {
		syscall(SYS_tgkill, sup_thread_tgid(s, t->tid), t->tid, sig);
		sig = 0;
	}
	if (s->gdb)
		sup_gdb_resuming(s, t);
	ptrace(t->step ? PTRACE_SINGLESTEP : PTRACE_CONT, t->tid, NULL, (void *)(long)sig);
	t->wsig = 0;
	t->wsds = false;
}

void sup_resume(struct sup_session *s, pid_t tid, int sig)
{
	struct sup_thread *t = NULL;

	if (s->world.stopped || s->gdb)
		t = sup_thread_get(&s->threads, tid, false);
	if (t && sup_world_defers(s, t)) {
		t->wstate = SUP_W_HELD;
		t->wsig = sig;
		t->wsds = sig != 0;
		return;
	}
	if (t && s->gdb)
		sup_gdb_resuming(s, t);
	ptrace(t && t->step ? PTRACE_SINGLESTEP : PTRACE_CONT, tid, NULL, (void *)(long)sig);
}

void sup_listen(struct sup_session *s, pid_t tid)
{
	struct sup_thread *t = NULL;

	if (s->world.stopped)
		t = sup_thread_get(&s->threads, tid, false);
	if (t && sup_world_defers(s, t)) {
		t->wstate = SUP_W_HELD_LISTEN;
		return;
	}
	ptrace(PTRACE_LISTEN, tid, NULL, NULL);
}

void sup_world_hold(struct sup_session *s, pid_t tid, int status)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);

	if (!t)
		return;
	t->wstate = SUP_W_HELD;
	t->wsig = 0;
	t->wsds = WIFSTOPPED(status) && (status >> 16) == 0;
}

int sup_world_resume(struct sup_session *s)
{
	struct sup_world *w = &s->world;
	bool stay = false;

	if (!w->stopped)
		return 0;
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid > 0 && t->traced && t->wstay && sup_world_member(s, t))
			stay = true;
	}
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid <= 0 || !t->traced)
			continue;
		if (t->wstay && sup_world_member(s, t))
			continue;
		switch (t->wstate) {
		case SUP_W_HELD:
			release(s, t);
			break;
		case SUP_W_HELD_LISTEN:
			ptrace(PTRACE_LISTEN, t->tid, NULL, NULL);
			break;
		default:
			break;
		}
		/* with threads still held, those let go must not be deferred */
		t->wstate = stay && sup_world_member(s, t) ? SUP_W_RUN : SUP_W_NONE;
	}
	w->drain = false;
	if (!stay)
		w->stopped = false;
	return 0;
}

/* ---- stopping ---- */

/* A stop or exit that came while stopping; *npend counts the stops awaited. */
static void absorb(struct sup_session *s, pid_t tid, int st, unsigned *npend)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);
	int ev = st >> 16, sig = WSTOPSIG(st);
	unsigned long msg;

	if (!t) {
		sup_world_push(s, tid, st);
		return;
	}
	if (t->wstate == SUP_W_PENDING) {
		(*npend)--;
		t->wstate = SUP_W_NONE;
		if (WIFSTOPPED(st) && ev == PTRACE_EVENT_STOP) {
			/* the interrupt's stop, or a group-stop that came first */
			t->wstate = is_stop_signal(sig) ? SUP_W_HELD_LISTEN : SUP_W_HELD;
			t->wsig = 0;
			t->wsds = false;
			return;
		}
	}
	if (!WIFSTOPPED(st)) {
		sup_world_push(s, tid, st);
		return;
	}
	t->traced = true;
	if (ev == PTRACE_EVENT_STOP && !is_stop_signal(sig) && !t->wqueued &&
	    t->wstate == SUP_W_NONE && sup_world_member(s, t)) {
		/* a new thread's first stop: held like the others */
		t->wstate = SUP_W_HELD;
		t->wsig = 0;
		t->wsds = false;
		return;
	}
	if ((ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) &&
	    ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0) {
		struct sup_thread *c = sup_thread_get(&s->threads, (pid_t)msg, true);

		/*
		 * Wait for it too.  Its first stop may be on its way, or may
		 * have come (and been resumed) before this event: interrupt it,
		 * whichever it is; a second stop is a stray one.  (It may even
		 * be the thread the caller is serving.)
		 */
		if (c) {
			c->traced = true;
			if (c->tid != s->world.except && c->wstate == SUP_W_NONE && !c->wqueued &&
			    sup_world_member(s, c) &&
			    ptrace(PTRACE_INTERRUPT, c->tid, NULL, NULL) == 0) {
				c->wstate = SUP_W_PENDING;
				(*npend)++;
			}
		}
	}
	if (ev == PTRACE_EVENT_EXEC && ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 &&
	    (pid_t)msg != tid) {
		/* the thread that exec'd had another id, which is gone now */
		struct sup_thread *f = sup_thread_get(&s->threads, (pid_t)msg, false);

		if (f && f->wstate == SUP_W_PENDING) {
			f->wstate = SUP_W_NONE;
			(*npend)--;
		}
	}
	sup_world_push(s, tid, st);
}

/* Threads awaited that will never stop: zombies, gone. */
static void give_up_on_dead(struct sup_session *s, unsigned *npend)
{
	for (unsigned i = 0; i < s->threads.size && *npend; i++) {
		struct sup_thread *t = &s->threads.slot[i];
		char st;

		if (t->tid <= 0 || t->wstate != SUP_W_PENDING)
			continue;
		st = sup_proc_stat(t->tid, NULL);
		if (st == 0 || st == 'Z' || st == 'X') {
			t->wstate = SUP_W_NONE;
			(*npend)--;
		}
	}
}

static void collect(struct sup_session *s, unsigned npend)
{
	int fd = sup_sigchld_fd(s);

	while (npend) {
		struct pollfd p = { fd, POLLIN, 0 };
		pid_t tid;
		int st;

		/* clear first: a stop after the drain leaves SIGCHLD pending */
		sup_sigchld_clear(s);
		while ((tid = waitpid(-1, &st, __WALL | WNOHANG)) > 0)
			absorb(s, tid, st, &npend);
		if (!npend || (tid < 0 && errno == ECHILD))
			break;
		if (tid < 0)
			continue;	/* EINTR */
		if (fd >= 0 ? poll(&p, 1, STOP_POLL_MS) == 0 :
		    nanosleep(&(struct timespec){ 0, 1000000 }, NULL) == 0)
			give_up_on_dead(s, &npend);
	}
}

int sup_world_stop_scope(struct sup_session *s, pid_t except,
			 enum sup_world_scope scope, pid_t key)
{
	struct sup_world *w = &s->world;
	unsigned npend = 0;

	if (scope == SUP_WORLD_PROCESS)
		key = sup_thread_tgid(s, key);
	if (scope == SUP_WORLD_ALL)
		key = 0;
	if (w->stopped && (w->scope != scope || w->key != key))
		return -EBUSY;
	w->except = except;
	if (!w->stopped) {
		w->scope = scope;
		w->key = key;
		w->gen++;
		w->stopped = true;
		w->drain = false;
	}
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid <= 0 || !t->traced || t->tid == except || !sup_world_member(s, t))
			continue;
		if (t->wstate != SUP_W_NONE && t->wstate != SUP_W_RUN)
			continue;	/* held already */
		t->wstate = SUP_W_NONE;
		/* in a stop whose event is queued; blocked in vfork() */
		if (t->wqueued || t->in_vfork)
			continue;
		if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) < 0)
			continue;	/* gone: its exit is on its way */
		t->wstate = SUP_W_PENDING;
		npend++;
	}
	collect(s, npend);
	return 0;
}

int sup_world_stop(struct sup_session *s, pid_t except)
{
	return sup_world_stop_scope(s, except, SUP_WORLD_ALL, 0);
}

