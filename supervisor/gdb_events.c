/*
 * The gdb server's hooks in the event loop (doc/GDB.md section 5): which
 * stops of the program gdb must see, and what the rare events (exit,
 * exec, fork, vfork) mean for the debugged process.
 *
 * sup_gdb_signal() sees every signal-delivery-stop after the fault path
 * ran, so it knows whether a SIGSEGV was an emulated map access (and
 * whether it hit a watchpoint), a real fault or a signal sent to the
 * program; a stop gdb must see is held with the world stopped around it
 * (gdb_stop), everything else goes on as without gdb.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "gdb.h"

/*
 * A thread outside the debugged process met an int3 of ours: a fork
 * child whose copy of the memory had it before the fork event could be
 * handled.  Put its original byte back and run the instruction.
 */
static bool foreign_trap(struct sup_session *s, pid_t tid, int *deliver)
{
	struct user_regs_struct ur;
	siginfo_t si;
	uint8_t byte;

	if (*deliver != SIGTRAP || !s->gdb->nbp ||
	    ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0 || si.si_code != SI_KERNEL ||
	    ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0 || !gdb_break_at(s, ur.rip - 1) ||
	    gdb_mem_raw_read(tid, ur.rip - 1, &byte, 1) != 1 || byte != 0xcc)
		return false;
	gdb_break_unplant(s, tid);
	ur.rip--;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &ur) < 0)
		return false;
	*deliver = 0;
	return true;
}

/* ---- the hook: a signal-delivery-stop of a thread ---- */

/* A fault the program does not survive (or that touches the map)? */
static bool real_fault(struct sup_session *s, pid_t tid, int sig, int deliver)
{
	siginfo_t si;

	if (!deliver)
		return false;
	/* the fault path saw it (SIGSEGV, SIGBUS from alignment checking) */
	if ((sig == SIGSEGV || sig == SIGBUS) && s->last_fault != SUP_FAULT_NONE)
		return s->last_fault == SUP_FAULT_MAP || !sup_proc_sig_caught(tid, deliver);
	if (sig != SIGFPE && sig != SIGILL && sig != SIGBUS)
		return false;
	/* raised by the CPU, not sent with kill() */
	return ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) == 0 && si.si_code > 0 &&
	       !sup_proc_sig_caught(tid, sig);
}

/* --gdb-on-fault: hold the process at the fault and wait for gdb. */
static bool fault_stop(struct sup_session *s, pid_t tid, int sig, int deliver)
{
	struct sup_gdb *g = s->gdb;

	/* a port that cannot be had: the fault goes to the program as without gdb */
	if (gdb_bind(s) < 0)
		return false;
	g->pid = sup_thread_tgid(s, tid);
	g->attached = s->attached;
	sup_msgf(s, SUP_MSG_GDB, "gdb: thread %d stopped at the fault, before SIG%s is "
		 "delivered", (int)tid, sigabbrev_np(deliver) ? sigabbrev_np(deliver) : "?");
	gdb_listen(s);
	gdb_stop(s, tid, W_STOPCODE(sig), GDB_WHY_SIGNAL, deliver, 0, 0);
	return true;
}

static bool passes(const struct sup_gdb *g, int sig)
{
	return sig > 0 && sig < 128 && (g->pass[sig / 64] >> (sig % 64) & 1);
}

bool sup_gdb_signal(struct sup_session *s, pid_t tid, int sig, int *deliver)
{
	struct sup_gdb *g = s->gdb;
	struct sup_thread *t;
	enum gdb_why why = GDB_WHY_SIGNAL;
	uint64_t waddr = 0;
	int wtype = 0;

	if (g->state == GDB_OFF)
		return (g->mode & SUP_GDB_FAULT) && real_fault(s, tid, sig, *deliver) &&
		       fault_stop(s, tid, sig, *deliver);
	if (!gdb_is_member(s, tid)) {
		/* (a thread of another process sharing the memory would undo ours) */
		if (sig == SIGTRAP && g->pid && !sup_world_same_mm(s, tid, g->pid))
			foreign_trap(s, tid, deliver);
		return false;
	}
	if (g->state != GDB_RUNNING && g->state != GDB_RESUMING)
		return false;
	t = sup_thread_get(&s->threads, tid, false);
	if (sig == SIGTRAP && *deliver == SIGTRAP) {
		struct user_regs_struct ur;
		siginfo_t si;
		int hw;

		if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0)
			return false;
		if (si.si_code == SI_KERNEL && ptrace(PTRACE_GETREGS, tid, NULL, &ur) == 0 &&
		    gdb_break_at(s, ur.rip - 1)) {
			/* an int3 of ours: the thread is at the breakpoint */
			ur.rip--;
			ptrace(PTRACE_SETREGS, tid, NULL, &ur);
			why = GDB_WHY_BREAK;
		} else if (si.si_code == TRAP_HWBKPT &&
			   (hw = gdb_watch_hw_hit(s, tid, &waddr, &wtype)) >= 0) {
			why = GDB_WHY_WATCH;
			if (!hw) {
				/* a read watchpoint whose value changed: not a read */
				*deliver = 0;
				if (!t->step)
					return false;
				why = GDB_WHY_STEP;
			}
		} else if (t->step && si.si_code > 0) {
			why = GDB_WHY_STEP;
		}
	} else if (*deliver == 0) {
		/* an emulated map access: a watchpoint, or the end of a step */
		if (g->hit_tid == tid) {
			why = GDB_WHY_WATCH;
			waddr = g->hit_addr;
			wtype = g->hit_type;
			g->hit_tid = 0;
		} else if (t->step) {
			why = GDB_WHY_STEP;
		} else {
			return false;
		}
	} else if (passes(g, *deliver)) {
		return false;
	}
	gdb_stop(s, tid, W_STOPCODE(sig), why, why == GDB_WHY_SIGNAL ? *deliver : SIGTRAP,
		 waddr, wtype);
	return true;
}

/* ---- the other hooks ---- */

void sup_gdb_exit(struct sup_session *s, pid_t tid, int status)
{
	struct sup_gdb *g = s->gdb;
	struct gdb_buf b;

	if (!g->pid || tid != g->pid)
		return;
	/* the thread-group leader's end is reported last: the process is gone */
	switch (g->state) {
	case GDB_RUNNING:
	case GDB_RESUMING:
		g->dead = true;
		g->dead_status = status;
		gdb_buf_init(&b);
		gdb_stop_reply(s, &b);
		gdb_conn_send(&g->conn, b.p, b.len);
		gdb_buf_free(&b);
		gdb_disconnect(s, NULL);
		break;
	case GDB_STOPPED:
		/* gdb is not waiting for a stop: it learns at its next resume */
		g->dead = true;
		g->dead_status = status;
		break;
	case GDB_AWAITING:
		sup_msgf(s, SUP_MSG_GDB, "gdb: the program ended before gdb connected");
		gdb_disconnect(s, NULL);
		break;
	default:
		break;
	}
}

bool sup_gdb_exec(struct sup_session *s, pid_t tid, int status)
{
	struct sup_gdb *g = s->gdb;
	struct sup_thread *t;

	if (!g->pid || sup_thread_tgid(s, tid) != g->pid)
		return false;
	/* the memory the breakpoints were in is gone, and exec drops the debug registers */
	gdb_break_clear(s, false);
	g->vforks = 0;
	t = sup_thread_get(&s->threads, tid, false);
	if (t)
		t->drgen = 0;
	/* a gdb that follows execs is told (it loads the new program's symbols) */
	if (!g->exec_events || (g->state != GDB_RUNNING && g->state != GDB_RESUMING))
		return false;
	gdb_stop(s, tid, status, GDB_WHY_EXEC, 0, 0, 0);
	return true;
}

void sup_gdb_new_task(struct sup_session *s, pid_t tid, pid_t child, int ev)
{
	struct sup_gdb *g = s->gdb;

	if (!g->pid || sup_thread_tgid(s, tid) != g->pid)
		return;
	/*
	 * A child is not gdb's: it must not meet our int3s.  A fork child
	 * has a copy of the memory: the bytes are put back in it.  A vfork
	 * child runs in the parent's memory until it execs or exits: the
	 * int3s are taken out until then (gdb does the same natively).
	 */
	if (ev == PTRACE_EVENT_FORK)
		gdb_break_unplant(s, child);
	else if (ev == PTRACE_EVENT_VFORK && !g->vforks++)
		gdb_break_lift(s, true);
}

void sup_gdb_vfork_done(struct sup_session *s, pid_t tid)
{
	struct sup_gdb *g = s->gdb;

	if (g->vforks && g->pid && sup_thread_tgid(s, tid) == g->pid && !--g->vforks)
		gdb_break_lift(s, false);
}


void sup_gdb_resuming(struct sup_session *s, struct sup_thread *t)
{
	if (t->drgen != s->gdb->drgen)
		gdb_watch_apply(s, t);
}

