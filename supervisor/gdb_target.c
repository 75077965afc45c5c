/*
 * What the gdb server does to the program: which stops gdb is told
 * about, and how the threads go on when gdb resumes them (all-stop mode,
 * doc/GDB.md section 5).
 *
 * A stop gdb must see is taken from the event loop (sup_gdb_signal): the
 * thread stays in its ptrace-stop, held by the world, the other threads
 * of the process are stopped around it (world.c), and the stop reply goes
 * out.  A resume (vCont) sets each thread's action -- step, continue,
 * stay -- and lets the loop drain the events that were queued while the
 * world was stopping, with their resumes still deferred: one of them may
 * be a stop gdb must see, which is then reported before anything runs.
 * Only then is the world resumed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdb.h"

/* ---- signal numbers: gdb's (the protocol's) and Linux's ---- */

static const struct { int host, gdb; } signal_map[] = {
	{ SIGHUP, 1 }, { SIGINT, 2 }, { SIGQUIT, 3 }, { SIGILL, 4 }, { SIGTRAP, 5 },
	{ SIGABRT, 6 }, { SIGFPE, 8 }, { SIGKILL, 9 }, { SIGBUS, 10 }, { SIGSEGV, 11 },
	{ SIGSYS, 12 }, { SIGPIPE, 13 }, { SIGALRM, 14 }, { SIGTERM, 15 }, { SIGURG, 16 },
	{ SIGSTOP, 17 }, { SIGTSTP, 18 }, { SIGCONT, 19 }, { SIGCHLD, 20 }, { SIGTTIN, 21 },
	{ SIGTTOU, 22 }, { SIGIO, 23 }, { SIGXCPU, 24 }, { SIGXFSZ, 25 }, { SIGVTALRM, 26 },
	{ SIGPROF, 27 }, { SIGWINCH, 28 }, { SIGUSR1, 30 }, { SIGUSR2, 31 }, { SIGPWR, 32 },
};

#define GDB_SIGNAL_UNKNOWN	143

int gdb_signal_from_host(int sig)
{
	if (sig == 0)
		return 0;
	for (size_t i = 0; i < sizeof(signal_map) / sizeof(signal_map[0]); i++)
		if (signal_map[i].host == sig)
			return signal_map[i].gdb;
	/* real-time signals: 32 is 77, 33..63 are 45..75, 64..127 are 78.. */
	if (sig == 32)
		return 77;
	if (sig >= 33 && sig <= 63)
		return sig + 12;
	if (sig >= 64 && sig <= 127)
		return sig + 14;
	return GDB_SIGNAL_UNKNOWN;
}

int gdb_signal_to_host(int gsig)
{
	if (gsig == 0)
		return 0;
	for (size_t i = 0; i < sizeof(signal_map) / sizeof(signal_map[0]); i++)
		if (signal_map[i].gdb == gsig)
			return signal_map[i].host;
	if (gsig == 77)
		return 32;
	if (gsig >= 45 && gsig <= 75)
		return gsig - 12;
	if (gsig >= 78 && gsig <= 78 + SIGRTMAX - 64)
		return gsig - 14;
	return -1;
}

/* ---- threads ---- */

bool gdb_is_member(struct sup_session *s, pid_t tid)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);

	return t && t->traced && s->gdb->pid && sup_thread_tgid(s, tid) == s->gdb->pid;
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

unsigned gdb_threads(struct sup_session *s, pid_t *tids, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->threads.size && n < max; i++) {
		pid_t tid = s->threads.slot[i].tid;

		if (tid > 0 && gdb_is_member(s, tid))
			tids[n++] = tid;
	}
	qsort(tids, n, sizeof(tids[0]), cmp_pid);
	return n;
}

pid_t gdb_current(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;

	if (g->cur > 0 && gdb_is_member(s, g->cur))
		return g->cur;
	if (g->last > 0 && gdb_is_member(s, g->last))
		return g->last;
	/* the thread of the last stop is gone: any other */
	{
		pid_t tid;

		if (gdb_threads(s, &tid, 1))
			g->last = tid;
	}
	return g->last;
}

/* ---- stop replies ---- */

void gdb_stop_reply(struct sup_session *s, struct gdb_buf *b)
{
	struct sup_gdb *g = s->gdb;
	static const char *const kind[] = { [2] = "watch", [3] = "rwatch", [4] = "awatch" };

	if (g->dead) {
		if (WIFEXITED(g->dead_status))
			gdb_buf_printf(b, "W%02x;process:%x", WEXITSTATUS(g->dead_status),
				       (unsigned)g->pid);
		else
			gdb_buf_printf(b, "X%02x;process:%x",
				       gdb_signal_from_host(WTERMSIG(g->dead_status)) & 0xff,
				       (unsigned)g->pid);
		return;
	}
	gdb_buf_printf(b, "T%02xthread:p%x.%x;",
		       g->why == GDB_WHY_SIGNAL ? gdb_signal_from_host(g->last_sig) & 0xff :
		       g->why == GDB_WHY_INTERRUPT ? 2 : 5,
		       (unsigned)g->pid, (unsigned)g->last);
	if (gdb_thread_core(g->last) >= 0)
		gdb_buf_printf(b, "core:%x;", (unsigned)gdb_thread_core(g->last));
	if (g->why == GDB_WHY_BREAK)
		gdb_buf_printf(b, "swbreak:;");
	if (g->why == GDB_WHY_EXEC) {
		char path[64], exe[PATH_MAX];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/exe", (int)g->pid);
		n = readlink(path, exe, sizeof(exe));
		if (n > 0) {
			gdb_buf_printf(b, "exec:");
			gdb_buf_hex(b, exe, n);
			gdb_buf_printf(b, ";");
		}
	}
	if (g->why == GDB_WHY_WATCH && g->watch_type >= 2 && g->watch_type <= 4)
		gdb_buf_printf(b, "%s:%llx;", kind[g->watch_type],
			       (unsigned long long)g->watch_addr);
}

static void clear_actions(struct sup_session *s)
{
	for (unsigned i = 0; i < s->threads.size; i++) {
		s->threads.slot[i].step = false;
		s->threads.slot[i].wstay = false;
	}
}

/* The world is stopped with tid held: tell gdb (or wait for it to come). */
static void stopped(struct sup_session *s, pid_t tid, enum gdb_why why, int sig,
		    uint64_t waddr, int wtype)
{
	struct sup_gdb *g = s->gdb;
	struct gdb_buf b;

	clear_actions(s);
	s->world.drain = false;
	g->last = tid;
	g->cur = 0;
	g->why = why;
	g->last_sig = sig;
	g->watch_addr = waddr;
	g->watch_type = wtype;
	if (g->conn.fd < 0) {
		g->state = GDB_AWAITING;
		return;
	}
	g->state = GDB_STOPPED;
	gdb_buf_init(&b);
	gdb_stop_reply(s, &b);
	gdb_conn_send(&g->conn, b.p, b.len);
	gdb_buf_free(&b);
}

/* A queued stop of tid at an int3 of ours: rip back on it, 1; else 0. */
static bool undo_break(struct sup_session *s, pid_t tid, int status)
{
	struct user_regs_struct ur;
	siginfo_t si;

	if (!WIFSTOPPED(status) || status >> 16 || WSTOPSIG(status) != SIGTRAP ||
	    !gdb_is_member(s, tid) || ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0 ||
	    si.si_code != SI_KERNEL || ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0 ||
	    !gdb_break_at(s, ur.rip - 1))
		return false;
	ur.rip--;
	return ptrace(PTRACE_SETREGS, tid, NULL, &ur) == 0;
}

void gdb_stop(struct sup_session *s, pid_t tid, int status, enum gdb_why why, int sig,
	      uint64_t watch_addr, int watch_type)
{
	sup_world_stop_scope(s, tid, SUP_WORLD_PROCESS, s->gdb->pid);
	/*
	 * Other threads that met a breakpoint meanwhile (while this stop, or
	 * an earlier one of the rewriter, stopped the world) forget it and
	 * stand on the int3 again, as gdbserver does: gdb may delete the
	 * breakpoint before it resumes them, and their trap would then be a
	 * SIGTRAP of nobody's.  If it is still there, they meet it again.
	 */
	for (unsigned i = 0; i < s->world.qlen;) {
		struct sup_event e = s->world.queue[i];

		if (e.tid != tid && undo_break(s, e.tid, e.status))
			sup_world_unqueue(s, i);
		else
			i++;
	}
	sup_world_hold(s, tid, status);
	stopped(s, tid, why, sig, watch_addr, watch_type);
}

void gdb_interrupt(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	pid_t tids[1024], pick = 0;
	unsigned n;

	if (g->state != GDB_RUNNING)
		return;
	sup_world_stop_scope(s, 0, SUP_WORLD_PROCESS, g->pid);
	n = gdb_threads(s, tids, sizeof(tids) / sizeof(tids[0]));
	/* the thread gdb last saw, if it is stopped; any stopped one else */
	for (unsigned i = 0; i < n && !pick; i++) {
		struct sup_thread *t = sup_thread_get(&s->threads, tids[i], false);

		if (tids[i] == g->last && (sup_world_holds(s, t) || t->wqueued))
			pick = tids[i];
	}
	for (unsigned i = 0; i < n && !pick; i++) {
		struct sup_thread *t = sup_thread_get(&s->threads, tids[i], false);

		if (sup_world_holds(s, t) || t->wqueued)
			pick = tids[i];
	}
	if (!pick) {
		/* nothing left to stop: the process is ending; its exit will be told */
		g->state = GDB_RUNNING;
		return;
	}
	stopped(s, pick, GDB_WHY_INTERRUPT, SIGINT, 0, 0);
}

/* ---- resuming ---- */

struct action {
	char kind;		/* 'c', 's' */
	int sig;		/* host signal, or 0 */
	pid_t pid, tid;		/* -1: all */
};

static bool parse_action(const char **pp, struct action *a)
{
	const char *p = *pp;
	uint64_t v;

	a->kind = *p == 'C' ? 'c' : *p == 'S' ? 's' : *p;
	if (a->kind != 'c' && a->kind != 's')
		return false;
	a->sig = 0;
	a->pid = a->tid = -1;
	if (*p == 'C' || *p == 'S') {
		p++;
		if (!gdb_parse_hex(&p, &v) || (a->sig = gdb_signal_to_host((int)v)) < 0)
			return false;
	} else {
		p++;
	}
	if (*p == ':') {
		p++;
		if (!gdb_parse_thread(&p, &a->pid, &a->tid))
			return false;
	}
	*pp = p;
	return true;
}

static bool applies(const struct action *a, pid_t pid, pid_t tid)
{
	return (a->pid == -1 || a->pid == pid) && (a->tid == -1 || a->tid == tid || a->tid == 0);
}

bool gdb_resume(struct sup_session *s, const char *args)
{
	struct sup_gdb *g = s->gdb;
	struct action act[32];
	unsigned nact = 0, n, going = 0;
	pid_t tids[1024];

	while (*args == ';' && nact < sizeof(act) / sizeof(act[0])) {
		args++;
		if (!parse_action(&args, &act[nact]))
			return false;
		nact++;
	}
	if (*args || !nact)
		return false;
	n = gdb_threads(s, tids, sizeof(tids) / sizeof(tids[0]));
	for (unsigned i = 0; i < n; i++) {
		struct sup_thread *t = sup_thread_get(&s->threads, tids[i], false);
		const struct action *a = NULL;

		for (unsigned k = 0; k < nact && !a; k++)
			if (applies(&act[k], g->pid, tids[i]))
				a = &act[k];
		t->wstay = !a;
		t->step = a && a->kind == 's';
		/*
		 * The thread of the last stop was held with no signal: gdb
		 * says whether the program gets it.  Others keep what the
		 * loop meant to deliver, unless gdb names a signal.
		 */
		if (a && a->sig)
			t->wsig = a->sig;
		going += !!a;
	}
	if (!going)
		return false;
	g->state = GDB_RESUMING;
	g->hit_tid = 0;
	return true;
}

/* ---- detach, kill ---- */

/* A queued stop that is a trap of ours (breakpoint, watchpoint, step): undo it. */
static bool undo_trap(struct sup_session *s, pid_t tid, int status)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);
	uint64_t addr;
	siginfo_t si;
	int type;

	if (!t || !WIFSTOPPED(status) || status >> 16 || WSTOPSIG(status) != SIGTRAP ||
	    !gdb_is_member(s, tid) || ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0)
		return false;
	if (undo_break(s, tid, status))
		return true;
	if (si.si_code == TRAP_HWBKPT)
		return gdb_watch_hw_hit(s, tid, &addr, &type) >= 0;
	return t->step && si.si_code > 0;
}

void gdb_detach(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	struct sup_thread *t;
	pid_t last = g->last;

	/* everyone stopped, so every thread's debug registers can be cleared */
	sup_world_stop_scope(s, 0, SUP_WORLD_PROCESS, g->pid);
	for (unsigned i = 0; i < s->world.qlen;) {
		struct sup_event e = s->world.queue[i];

		if (undo_trap(s, e.tid, e.status))
			sup_world_unqueue(s, i);
		else
			i++;
	}
	gdb_break_clear(s, true);
	gdb_watch_clear(s);
	clear_actions(s);
	for (unsigned i = 0; i < s->threads.size; i++) {
		t = &s->threads.slot[i];
		if (t->tid > 0 && sup_world_holds(s, t) && gdb_is_member(s, t->tid))
			gdb_watch_apply(s, t);
	}
	/* a signal the program was about to get, it gets */
	t = sup_thread_get(&s->threads, last, false);
	if (t && sup_world_holds(s, t))
		t->wsig = g->why == GDB_WHY_SIGNAL ? g->last_sig : 0;
	sup_world_resume(s);
}

void gdb_kill(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;

	if (g->pid > 0)
		kill(g->pid, SIGKILL);
	gdb_break_clear(s, false);
	/* the held threads die where they are; their exits come through the loop */
	clear_actions(s);
	sup_world_resume(s);
}
