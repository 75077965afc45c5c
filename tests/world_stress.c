/*
 * world_stress: stop and resume the world (supervisor/world.c) again and
 * again while a program runs under the supervisor, and check each stop.
 *
 *   world_stress [--every N] PROGRAM [ARGS...]
 *
 * It is regmap-run's event loop (sup_wait + sup_handle_event) with world
 * stops mixed in, in the three ways the world's users stop it:
 *
 *   - around a thread in its SIGSEGV stop, before the map access is
 *     served (except = that thread), as the rewriter does;
 *   - between events, then draining the queued events with their
 *     resumes deferred, as the gdb server does at a resume;
 *   - keeping one thread held (.wstay) while the others are let go, then
 *     stopping again: gdb stepping one thread over a breakpoint.
 *
 * After every stop, each task of the program must be in a tracing stop
 * ('t' in /proc/PID/task/TID/stat), a zombie or gone, except the thread
 * named by except; after every resume, nothing may stay held.  Scopes
 * rotate between the whole session, the process and the address space;
 * stopping again with another scope must say -EBUSY.
 *
 * Prints "world_stress: emulated N" (every map instruction the program
 * executed, emulated exactly once: tests/run_world.sh compares it with
 * the program's own count) and exits with the program's status, or 1 if
 * a check failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup_internal.h"

extern char **environ;

static unsigned failures, stops, queued_max, queued_total;

static void report(void *ctx, enum sup_msg kind, const char *text)
{
	(void)ctx;
	(void)kind;
	fprintf(stderr, "world_stress: [supervisor] %s\n", text);
}

static char task_state(pid_t pid, pid_t tid)
{
	char path[96], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Every task of pid but except must be stopped (or dead). */
static void check_stopped(pid_t pid, pid_t except, const char *how)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;	/* the process is gone */
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		char st;

		if (tid <= 0 || tid == except)
			continue;
		st = task_state(pid, tid);
		if (st && st != 't' && st != 'Z' && st != 'X') {
			fprintf(stderr, "world_stress: FAIL: after a stop (%s), thread %d is in "
				"state %c\n", how, (int)tid, st);
			failures++;
		}
	}
	closedir(dir);
}

static void check_resumed(struct sup_session *s, const char *how)
{
	if (s->world.stopped) {
		fprintf(stderr, "world_stress: FAIL: world still stopped after resume (%s)\n", how);
		failures++;
	}
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid > 0 && t->traced && t->wstate != SUP_W_NONE) {
			fprintf(stderr, "world_stress: FAIL: thread %d in world state %d after a "
				"resume (%s)\n", (int)t->tid, t->wstate, how);
			failures++;
		}
	}
}

static void note_queue(struct sup_session *s)
{
	queued_total += s->world.qlen;
	if (s->world.qlen > queued_max)
		queued_max = s->world.qlen;
}

static int stop(struct sup_session *s, pid_t except, unsigned k, const char *how)
{
	static const enum sup_world_scope scopes[] = {
		SUP_WORLD_ALL, SUP_WORLD_PROCESS, SUP_WORLD_MM
	};
	enum sup_world_scope scope = scopes[k % 3];
	int ret = sup_world_stop_scope(s, except, scope, s->pid);

	if (ret < 0) {
		fprintf(stderr, "world_stress: FAIL: stop (%s): %s\n", how, strerror(-ret));
		failures++;
		return ret;
	}
	stops++;
	note_queue(s);
	check_stopped(s->pid, except, how);
	ret = sup_world_stop_scope(s, 0, scopes[(k + 1) % 3], s->pid);
	if (ret != -EBUSY) {
		fprintf(stderr, "world_stress: FAIL: a stop with another scope gave %d, not "
			"-EBUSY\n", ret);
		failures++;
	}
	return 0;
}

/* the rewriter's way: the world stopped around a thread in its stop */
static void around(struct sup_session *s, pid_t tid, unsigned k)
{
	if (stop(s, tid, k, "around a map access") == 0) {
		sup_world_resume(s);
		check_resumed(s, "around a map access");
	}
}

/* the gdb server's way: stop, then drain the queue with resumes deferred */
static void drain(struct sup_session *s, unsigned k)
{
	pid_t tid;
	int st;

	if (stop(s, 0, k, "between events") < 0)
		return;
	s->world.drain = true;
	while ((tid = sup_wait_opts(s, &st, WNOHANG)) > 0) {
		sup_handle_event(s, tid, st);
		check_stopped(s->pid, 0, "while draining");
	}
	sup_world_resume(s);
	check_resumed(s, "after draining");
}

/* gdb stepping one thread alone: one held, the rest let go, then stop again */
static void partial(struct sup_session *s, unsigned k)
{
	struct sup_thread *keep = NULL;
	pid_t keep_tid;

	if (stop(s, 0, k, "before a partial resume") < 0)
		return;
	for (unsigned i = 0; i < s->threads.size && !keep; i++) {
		struct sup_thread *t = &s->threads.slot[i];

		if (t->tid > 0 && t->traced && t->wstate == SUP_W_HELD)
			keep = t;
	}
	if (keep)
		keep->wstay = true;
	sup_world_resume(s);
	if (keep && (!s->world.stopped || keep->wstate != SUP_W_HELD ||
		     task_state(s->pid, keep->tid) != 't')) {
		fprintf(stderr, "world_stress: FAIL: thread %d not held by a partial resume\n",
			(int)keep->tid);
		failures++;
	}
	/* the others run; stop them again, then let everyone go */
	keep_tid = keep ? keep->tid : 0;
	if (stop(s, 0, k, "after a partial resume") == 0) {
		/* (stopping may have added threads: the table may have moved) */
		keep = sup_thread_get(&s->threads, keep_tid, false);
		if (keep)
			keep->wstay = false;
		sup_world_resume(s);
		check_resumed(s, "after a partial resume");
	}
}

int main(int argc, char *argv[])
{
	/*
	 * Every map instruction must trap, so that the count of emulations
	 * equals the program's: no native-speed sites.
	 */
	struct sup_config cfg = { .follow_forks = true, .cpu = SUP_CPU_NONE, .report = report,
				  .no_rewrite = true };
	struct sup_launch_error err;
	struct sup_session s;
	unsigned every = 40, events = 0;
	int argi = 1;

	if (argc > 3 && !strcmp(argv[1], "--every")) {
		every = atoi(argv[2]);
		argi = 3;
	}
	if (argi >= argc || !every) {
		fprintf(stderr, "usage: world_stress [--every N] PROGRAM [ARGS...]\n");
		return 2;
	}
	if (sup_launch(&s, &cfg, argv[argi], argv + argi, environ, &err) < 0) {
		fprintf(stderr, "world_stress: cannot start %s: %s\n", argv[argi],
			strerror(err.err));
		return 2;
	}
	for (;;) {
		int st;
		pid_t tid = sup_wait(&s, &st);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		events++;
		if (WIFSTOPPED(st) && (st >> 16) == 0 && WSTOPSIG(st) == SIGSEGV &&
		    events % every == 0)
			around(&s, tid, events / every);
		sup_handle_event(&s, tid, st);
		if (events % (every * 3) == 1)
			drain(&s, events / every);
		else if (events % (every * 5) == 2)
			partial(&s, events / every);
	}
	fprintf(stderr, "world_stress: %u events, %u stops, %u events queued during stops "
		"(at most %u at once)\n", events, stops, queued_total, queued_max);
	printf("world_stress: emulated %llu\n", (unsigned long long)s.stats.emulated);
	sup_session_free(&s);
	if (!s.pid_done) {
		fprintf(stderr, "world_stress: FAIL: the program's end was not seen\n");
		return 1;
	}
	if (failures) {
		fprintf(stderr, "world_stress: %u checks failed\n", failures);
		return 1;
	}
	return WIFEXITED(s.status) ? WEXITSTATUS(s.status) : 128 + WTERMSIG(s.status);
}
