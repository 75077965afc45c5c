/*
 * regmap-run -p PID...: attach to running processes, serve them, and let
 * go of them cleanly when asked (regmap-run(1), ATTACHING).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "run_attach.h"
#include "run_check.h"

static volatile sig_atomic_t detach_now;	/* a signal asked us to let go */

/*
 * -p: SIGINT, SIGTERM, SIGHUP ask for a detach.  The handler has no
 * SA_RESTART so the event loop's waitpid() returns and sees the flag;
 * if the signal came just before waitpid() was entered, the interval
 * timer interrupts it again shortly after.
 */
static void on_detach_signal(int sig)
{
	struct itimerval kick = { { 0, 20000 }, { 0, 20000 } };

	(void)sig;
	detach_now = 1;
	setitimer(ITIMER_REAL, &kick, NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void setup_detach_signals(void)
{
	static const int detach[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_detach_signal;
	for (size_t i = 0; i < sizeof(detach) / sizeof(detach[0]); i++)
		sigaction(detach[i], &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

/* "1234" or "1234, 1240" */
static void pid_list(const pid_t *pids, unsigned n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++) {
		int k = snprintf(buf + len, size - len, "%s%d", i ? ", " : "", (int)pids[i]);

		if (k < 0)
			break;
		len += k;
	}
}

static bool pid_in(pid_t pid, const pid_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == pid)
			return true;
	return false;
}

/*
 * "4242 (3 threads)", or with the processes it forked meanwhile (which
 * the session followed): "4242 (3 threads) and 2 child processes (2
 * threads)": threads and processes are counted apart.
 */
static void detached_what(const struct sup_session *s, const char *list,
			  const pid_t *tgids, unsigned ntgids, char *buf, size_t size)
{
	pid_t *child = calloc(s->threads.size ? s->threads.size : 1, sizeof(*child));
	unsigned own = 0, nchild_threads = 0, nchild = 0;

	for (unsigned i = 0; i < s->threads.size; i++) {
		const struct sup_thread *t = &s->threads.slot[i];

		if (t->tid <= 0 || !t->let_go)
			continue;
		if (pid_in(t->tgid, tgids, ntgids)) {
			own++;
			continue;
		}
		nchild_threads++;
		if (child && !pid_in(t->tgid, child, nchild))
			child[nchild++] = t->tgid;
	}
	free(child);
	if (!nchild_threads)
		snprintf(buf, size, "%s (%u thread%s)", list, own, own == 1 ? "" : "s");
	else
		snprintf(buf, size, "%s (%u thread%s) and %u child process%s (%u thread%s)",
			 list, own, own == 1 ? "" : "s", nchild, nchild == 1 ? "" : "es",
			 nchild_threads, nchild_threads == 1 ? "" : "s");
}

/* -p: attach, serve, detach on request; exits. */
void run_attached(const struct sup_config *cfg, const pid_t *pids, unsigned npids)
{
	struct sup_session s;
	pid_t done[MAX_PIDS], done_tgid[MAX_PIDS];
	unsigned ndone = 0;
	char msg[1024], list[512], what[640];
	int ret, code = RUN_EXIT_FAILURE;

	if (sup_session_init(&s, cfg) < 0)
		run_die(RUN_EXIT_FAILURE, "out of memory");
	s.detach = &detach_now;
	setup_detach_signals();
	signal(SIGCHLD, SIG_DFL);
	for (unsigned i = 0; i < npids && !detach_now; i++) {
		struct sup_attach_error e;
		unsigned n;

		ret = sup_attach(&s, pids[i], &n, &e);
		if (ret < 0 && e.duplicate) {
			/* as strace does: serve it once, and say so */
			if (e.tgid == pids[i])
				snprintf(msg, sizeof(msg), "-p %d given twice: it is served once",
					 (int)pids[i]);
			else
				snprintf(msg, sizeof(msg), "-p %d is a thread of process %d, which "
					 "is already attached: it is served once", (int)pids[i],
					 (int)e.tgid);
			run_say("warning: ", msg);
			continue;
		}
		if (ret < 0) {
			code = run_explain_attach(pids[i], &e, msg, sizeof(msg));
			run_say("", msg);
			continue;
		}
		snprintf(msg, sizeof(msg), "attached to %d (%u thread%s)", (int)pids[i], n,
			 n == 1 ? "" : "s");
		run_say("", msg);
		done_tgid[ndone] = e.tgid;
		done[ndone++] = pids[i];
	}
	if (!ndone) {
		sup_session_free(&s);
		exit(code);
	}
	ret = sup_run(&s);
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	pid_list(done, ndone, list, sizeof(list));
	if (detach_now) {
		detached_what(&s, list, done_tgid, ndone, what, sizeof(what));
		snprintf(msg, sizeof(msg), "detached from %s: %s map accesses now fault for "
			 "real (SIGSEGV), as without regmap-run", what,
			 ndone > 1 || strstr(what, " and ") ? "their" : "its");
		run_say("", msg);
	} else if (ret < 0) {
		snprintf(msg, sizeof(msg), "lost track of %s: %s", list, strerror(-ret));
		run_say("", msg);
	} else {
		snprintf(msg, sizeof(msg), "%s: every attached process has exited", list);
		run_say("", msg);
	}
	sup_bt_sites_report(&s);
	if (cfg->stats)
		sup_stats_report(&s);
	run_flush_trace();
	sup_session_free(&s);
	exit(ret < 0 || run_output_lost() ? RUN_EXIT_FAILURE : 0);
}

