/*
 * The program's SIGSEGV action and mask, as they were before a map
 * access.
 *
 * A fault raised while its signal is blocked or ignored is forced by the
 * kernel: the action becomes SIG_DFL and the signal is unblocked before
 * the tracer sees the stop (force_sig_info_to_task()).  For a real fault
 * that is right: the program dies, as without regmap.  For a map access,
 * which regmap emulates and which the register form it stands for would
 * never have raised, it would silently destroy the program's SIGSEGV
 * handler (a SIGUSR1 handler with a full sa_mask doing imul rax, [0x10],
 * 7) or turn SIG_IGN into SIG_DFL.  So regmap-run keeps a shadow of each
 * process's SIGSEGV action and undoes the reset after the access:
 *
 *   - the shadow: a seccomp filter installed in the launched program
 *     before its execve stops it (SECCOMP_RET_TRACE) at every
 *     rt_sigaction(SIGSEGV, act != NULL) -- signal() and sigaction() are
 *     that system call on x86-64 -- and the new action is read there.
 *     The filter survives exec and is inherited by children, which are
 *     all traced (it needs --follow: an untraced child would get ENOSYS
 *     from it).  Forks copy the shadow, exec resets it as the kernel
 *     does (a handler becomes SIG_DFL, SIG_IGN stays), an SA_RESETHAND
 *     handler that is delivered to becomes SIG_DFL.  With -p there is no
 *     filter: the action is read once, at attach, by rt_sigaction run in
 *     a stopped thread (inject.c).
 *   - the check: after a map access, if the shadow is a handler and
 *     /proc/PID/stat's sigcatch no longer has SIGSEGV, the kernel reset
 *     it, so SIGSEGV was blocked: the handler is put back (an injected
 *     rt_sigaction) and SIGSEGV blocked again (PTRACE_SETSIGMASK).  If
 *     the shadow is SIG_IGN the reset always happens and SIG_IGN is put
 *     back, but whether SIGSEGV was blocked too cannot be seen (said
 *     once).  If it is SIG_DFL nothing visible changed in the action,
 *     and a blocked SIGSEGV ends up unblocked unnoticed (regmap-run(1)).
 *
 * The check costs a read of /proc/PID/stat per access, only for
 * processes with a SIGSEGV handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>

#include "sup_internal.h"

#define SEGV_BIT	(1ull << (SIGSEGV - 1))
#define KSA_RESETHAND	0x80000000ull
#define KSIG_DFL	0ull
#define KSIG_IGN	1ull

int sup_segv_filter_install(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 9),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigaction, 0, 7),
		/* the kernel takes an int: the low half of args[0] */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSEGV, 0, 5),
		/* act == NULL only reads: no stop */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | SUP_SECCOMP_DATA),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	/* with CAP_SYS_ADMIN without no_new_privs, which a traced program gains nothing from */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno != EACCES)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

static struct sup_proc *proc_of(struct sup_session *s, pid_t tid, bool add)
{
	return sup_proc_get(s, sup_thread_tgid(s, tid), add);
}

/* Said once per process. */
static void warn_once(struct sup_session *s, struct sup_proc *p, pid_t tid, const char *text)
{
	if (p->segv_warned)
		return;
	p->segv_warned = true;
	sup_msgf(s, SUP_MSG_WARNING, "[%d] %s", (int)tid, text);
}

void sup_segv_launched(struct sup_session *s, pid_t pid, bool filtered)
{
	struct sup_proc *p = sup_proc_get(s, pid, true);
	struct sigaction mine;

	if (!p)
		return;
	memset(&p->segv, 0, sizeof(p->segv));
	/* the program inherited regmap-run's action through exec: SIG_IGN or SIG_DFL */
	if (sigaction(SIGSEGV, NULL, &mine) == 0 && mine.sa_handler == SIG_IGN)
		p->segv.handler = KSIG_IGN;
	p->segv_src = filtered ? SUP_SEGV_FILTER : SUP_SEGV_NONE;
}

void sup_segv_seccomp(struct sup_session *s, pid_t tid)
{
	struct user_regs_struct r;
	struct sup_ksigaction act;
	struct sup_proc *p;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0 || (long)r.orig_rax != SYS_rt_sigaction ||
	    (int)r.rdi != SIGSEGV || r.r10 != 8 || !r.rsi)
		return;
	/* an unreadable act fails with EFAULT and changes nothing */
	if (sup_mem_read(&tid, r.rsi, &act, sizeof(act)) < 0)
		return;
	p = proc_of(s, tid, true);
	if (!p)
		return;
	act.mask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
	p->segv = act;
	if (p->segv_src != SUP_SEGV_FILTER)
		p->segv_src = SUP_SEGV_FILTER;
}

void sup_segv_new_process(struct sup_session *s, pid_t parent, pid_t child)
{
	struct sup_proc *pp = proc_of(s, parent, false), *cp;
	struct sup_ksigaction segv;
	uint8_t src;

	if (!pp)
		return;
	/* adding the child may move the table: copy first */
	segv = pp->segv;
	src = pp->segv_src == SUP_SEGV_PENDING ? SUP_SEGV_NONE : pp->segv_src;
	cp = sup_proc_get(s, child, true);
	if (!cp)
		return;
	cp->segv = segv;
	cp->segv_src = src;
}

void sup_segv_exec(struct sup_session *s, pid_t tid)
{
	struct sup_proc *p = proc_of(s, tid, false);

	if (!p)
		return;
	/* flush_signal_handlers(): a handler becomes SIG_DFL, SIG_IGN stays, flags and mask go */
	if (p->segv.handler != KSIG_IGN)
		p->segv.handler = KSIG_DFL;
	p->segv.flags = 0;
	p->segv.restorer = 0;
	p->segv.mask = 0;
	p->segv_caught_seen = false;
}

void sup_segv_delivered(struct sup_session *s, pid_t tid)
{
	struct sup_proc *p = proc_of(s, tid, false);
	uint64_t blocked;

	if (!p || p->segv.handler <= KSIG_IGN || !(p->segv.flags & KSA_RESETHAND))
		return;
	/* a blocked one is queued, not delivered yet */
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(blocked), &blocked) == 0 &&
	    (blocked & SEGV_BIT))
		return;
	p->segv.handler = KSIG_DFL;
}

/* Does the process catch SIGSEGV now (sigcatch of /proc/PID/stat)?  -1 if unknown. */
static int segv_caught(struct sup_proc *p)
{
	char buf[1024], *q;
	unsigned long long catch;
	ssize_t n;

	if (p->stat_fd < 0) {
		snprintf(buf, sizeof(buf), "/proc/%d/stat", (int)p->tgid);
		p->stat_fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (p->stat_fd < 0)
			return -1;
	}
	n = pread(p->stat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after the command name: field 3 (state) ... field 34 (sigcatch) */
	q = strrchr(buf, ')');
	if (!q)
		return -1;
	for (int field = 2; field < 34; field++) {
		q = strchr(q + 1, ' ');
		if (!q)
			return -1;
	}
	catch = strtoull(q + 1, NULL, 10);
	return !!(catch & SEGV_BIT);
}

/* Block SIGSEGV in tid again, as it was when the access faulted. */
static int reblock(pid_t tid)
{
	uint64_t mask;

	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(mask), &mask) < 0)
		return -ESRCH;
	mask |= SEGV_BIT;
	return ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask) < 0 ? -ESRCH : 0;
}

int sup_segv_after_access(struct sup_session *s, pid_t tid)
{
	struct sup_proc *p = proc_of(s, tid, false);
	int caught, err;

	if (!p || p->segv_src == SUP_SEGV_PENDING)
		return 0;
	if (p->segv_src == SUP_SEGV_NONE) {
		/* no shadow: at least say when a handler was lost */
		caught = segv_caught(p);
		if (caught == 0 && p->segv_caught_seen)
			warn_once(s, p, tid, "a map access with SIGSEGV blocked made the kernel "
				  "reset the program's SIGSEGV handler to the default action; "
				  "regmap-run cannot put it back, as it follows sigaction() only "
				  "in programs it starts itself with --follow (see regmap-run(1))");
		p->segv_caught_seen = caught == 1;
		return 0;
	}
	if (p->segv.handler == KSIG_DFL)
		return 0;
	if (p->segv.handler == KSIG_IGN) {
		err = sup_inject_sigaction(s, tid, SIGSEGV, &p->segv, NULL);
		warn_once(s, p, tid, "SIGSEGV is ignored, so a map access makes the kernel reset "
			  "it to the default action; regmap-run set it to SIG_IGN again, but "
			  "cannot tell whether SIGSEGV was blocked too: if it was, it is not now");
		return err == -ESRCH ? -ESRCH : 0;
	}
	caught = segv_caught(p);
	if (caught != 0)
		return 0;
	/* the handler is gone, so SIGSEGV was blocked: both come back */
	err = sup_inject_sigaction(s, tid, SIGSEGV, &p->segv, NULL);
	if (err == -ESRCH || reblock(tid) < 0)
		return -ESRCH;
	if (p->segv_src == SUP_SEGV_ATTACH)
		warn_once(s, p, tid, "a map access with SIGSEGV blocked made the kernel reset "
			  "the program's SIGSEGV handler; regmap-run put back the one the "
			  "process had when regmap-run attached (later changes cannot be seen "
			  "with -p)");
	if (err) {
		char text[160];

		snprintf(text, sizeof(text), "a map access with SIGSEGV blocked reset the "
			 "program's SIGSEGV handler, and regmap-run could not put it back (%s)",
			 strerror(-err));
		warn_once(s, p, tid, text);
	}
	return 0;
}

void sup_segv_attach(struct sup_session *s, pid_t tgid, pid_t tid)
{
	struct sup_proc *p = sup_proc_get(s, tgid, true);

	if (!p)
		return;
	p->segv_src = SUP_SEGV_PENDING;
	p->segv_read_tid = tid;
}

void sup_segv_start(struct sup_session *s)
{
	struct sup_proc *p;
	unsigned i = 0;

	while ((p = sup_proc_next(s, &i))) {
		if (p->segv_src == SUP_SEGV_PENDING && !p->segv_asked) {
			p->segv_asked = true;
			ptrace(PTRACE_INTERRUPT, p->segv_read_tid, NULL, NULL);
		}
	}
}

/* Another thread of tid's process to ask, or 0. */
static pid_t next_thread(struct sup_session *s, pid_t tgid, pid_t after)
{
	bool seen = false;

	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid <= 0 || !t->traced || sup_thread_tgid(s, t->tid) != tgid)
			continue;
		if (seen)
			return t->tid;
		seen = t->tid == after;
	}
	return 0;
}

void sup_segv_event_stop(struct sup_session *s, pid_t tid)
{
	struct sup_proc *p = proc_of(s, tid, false);
	pid_t other;
	int err;

	if (!p || p->segv_src != SUP_SEGV_PENDING || p->segv_read_tid != tid)
		return;
	err = sup_inject_sigaction(s, tid, SIGSEGV, NULL, &p->segv);
	if (err == 0) {
		p->segv_src = SUP_SEGV_ATTACH;
		return;
	}
	/* a thread inside ppoll() with a signal mask and the like: ask another */
	other = err == -EBUSY ? next_thread(s, p->tgid, tid) : 0;
	if (other && ptrace(PTRACE_INTERRUPT, other, NULL, NULL) == 0) {
		p->segv_read_tid = other;
		return;
	}
	p->segv_src = SUP_SEGV_NONE;
	if (err != -ESRCH)
		warn_once(s, p, tid, "cannot read the program's SIGSEGV action: a map access "
			  "with SIGSEGV blocked would lose its SIGSEGV handler");
}
