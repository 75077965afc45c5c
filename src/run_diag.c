/*
 * Why could regmap-run not start the program?  Turns a failed
 * sup_launch() into one line that says what to do.  For a refused
 * PTRACE_SEIZE the usual suspects are checked in order: another tracer
 * got the child first (regmap-run under strace -f or gdb), Yama's
 * ptrace_scope, a seccomp filter (containers), then LSMs in general.
 * Attaching (-p) adds its own: no such process, a zombie, another
 * user's process, Yama's "descendants only".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_check.h"

static long read_long_file(const char *path)
{
	char buf[32];
	long val = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		val = strtol(buf, NULL, 10);
	fclose(f);
	return val;
}

/* A "Key:\tvalue" line of /proc/PID/status as a number (the first one), or -1. */
static long pid_status(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static long self_status(const char *key)
{
	return pid_status(getpid(), key);
}

static void comm_of(long pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* Does regmap-run have CAP_SYS_PTRACE (CapEff of /proc/self/status)? -1 if unknown. */
static int have_cap_sys_ptrace(void)
{
	char line[256];
	int have = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			have = (strtoull(line + 7, NULL, 16) >> 19) & 1;	/* CAP_SYS_PTRACE */
			break;
		}
	fclose(f);
	return have;
}

/* Is regmap-run in the initial user namespace (uid_map "0 0 4294967295")? */
static bool initial_userns(void)
{
	unsigned long inside, outside, count;
	bool initial = true;
	FILE *f = fopen("/proc/self/uid_map", "re");

	if (!f)
		return true;
	if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		initial = inside == 0 && outside == 0 && count == 4294967295ul;
	fclose(f);
	return initial;
}

static void say(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + n < size ? *len + n : size;
}

/*
 * ptrace was refused and no single cause is certain: say what is known
 * (errno, Yama, the active security modules, CAP_SYS_PTRACE and its
 * namespace, whose the target is) and let the reader conclude.
 */
static void seize_facts(const char *what, pid_t target, int err, char *msg, size_t size)
{
	long scope = read_long_file("/proc/sys/kernel/yama/ptrace_scope");
	int cap = have_cap_sys_ptrace();
	char lsm[256] = "";
	size_t len = 0;
	long uid;
	FILE *f;

	say(msg, size, &len, "%s: ptrace: %s", what, strerror(err));
	if (scope >= 0)
		say(msg, size, &len, "; kernel.yama.ptrace_scope = %ld", scope);
	else
		say(msg, size, &len, "; no kernel.yama.ptrace_scope (Yama not active)");
	f = fopen("/sys/kernel/security/lsm", "re");
	if (f && fgets(lsm, sizeof(lsm), f))
		lsm[strcspn(lsm, "\n")] = '\0';
	if (f)
		fclose(f);
	if (lsm[0])
		say(msg, size, &len, "; active security modules: %s", lsm);
	else
		say(msg, size, &len, "; active security modules unknown "
		    "(/sys/kernel/security/lsm cannot be read)");
	if (cap >= 0)
		say(msg, size, &len, "; regmap-run %s CAP_SYS_PTRACE%s", cap ? "has" : "lacks",
		    initial_userns() ? "" : " in its user namespace (not the initial one)");
	uid = target > 0 ? pid_status(target, "Uid") : -1;
	if (uid >= 0 && (uid_t)uid != geteuid())
		say(msg, size, &len, "; pid %d runs as uid %ld, regmap-run as uid %ld",
		    (int)target, uid, (long)geteuid());
	if (err == EPERM || err == EACCES)
		say(msg, size, &len, "; a security module that refuses ptrace usually logs "
		    "it (dmesg, the audit log)");
}

/*
 * what: "cannot trace PROGRAM" or "cannot attach to pid N"; target: the
 * process ptrace was refused for, if it is known.
 */
static int explain_seize(const char *what, pid_t target, int err, pid_t tracer_pid,
			 char *msg, size_t size)
{
	long scope = read_long_file("/proc/sys/kernel/yama/ptrace_scope");
	long self_tracer = self_status("TracerPid");
	char comm[64];

	if (tracer_pid > 0) {
		comm_of(tracer_pid, comm, sizeof(comm));
		snprintf(msg, size, "%s: it is already traced by pid %d (%s), "
			 "probably a debugger following regmap-run's children; a program "
			 "has one tracer only: run regmap-run outside it", what,
			 (int)tracer_pid, comm[0] ? comm : "?");
	} else if (err == EPERM && scope == 3) {
		snprintf(msg, size, "%s: ptrace is disabled on this system "
			 "(kernel.yama.ptrace_scope = 3, only a reboot lifts it)", what);
	} else if (err == EPERM && scope == 2 && have_cap_sys_ptrace() == 0) {
		snprintf(msg, size, "%s: kernel.yama.ptrace_scope = 2 allows "
			 "ptrace only with CAP_SYS_PTRACE: run as root, or set it to 1 "
			 "(sysctl kernel.yama.ptrace_scope=1)", what);
	} else if (self_status("Seccomp") == 2) {
		snprintf(msg, size, "%s: ptrace is refused (%s) by a seccomp "
			 "filter, e.g. a container's default profile: allow ptrace (docker: "
			 "--cap-add=SYS_PTRACE --security-opt seccomp=unconfined)", what,
			 strerror(err));
	} else if (err == EPERM && self_tracer > 0) {
		comm_of(self_tracer, comm, sizeof(comm));
		snprintf(msg, size, "%s: ptrace not permitted; regmap-run is "
			 "itself traced by pid %ld (%s), which may forbid it", what,
			 self_tracer, comm[0] ? comm : "?");
	} else {
		seize_facts(what, target, err, msg, size);
	}
	return RUN_EXIT_FAILURE;
}

int run_explain_launch(const char *name, const struct sup_launch_error *e,
		       char *msg, size_t size)
{
	switch (e->stage) {
	case SUP_STAGE_SEIZE: {
		char what[512];

		snprintf(what, sizeof(what), "cannot trace %s", name);
		return explain_seize(what, 0, e->err, e->tracer_pid, msg, size);
	}
	case SUP_STAGE_EXEC:
		if (e->err == ENOENT) {
			snprintf(msg, size, "cannot execute %s: no such file (is the "
				 "interpreter it names missing?)", name);
			return RUN_EXIT_NOT_FOUND;
		}
		snprintf(msg, size, "cannot execute %s: %s", name, strerror(e->err));
		return RUN_EXIT_CANNOT_EXEC;
	default:
		if (e->err == EINVAL)
			snprintf(msg, size, "cannot place regmap-run on the requested CPU: it "
				 "is not one this process may use (see taskset -p)");
		else
			snprintf(msg, size, "cannot start %s: %s", name, strerror(e->err));
		return RUN_EXIT_FAILURE;
	}
}

int run_explain_attach(pid_t pid, const struct sup_attach_error *e, char *msg, size_t size)
{
	char name[32], comm[64], what[64];
	long uid;

	snprintf(name, sizeof(name), "pid %d", (int)pid);
	if (e->zombie) {
		snprintf(msg, size, "cannot attach to %s: it is a zombie (it has exited and "
			 "its parent has not collected its status): nothing runs there", name);
		return RUN_EXIT_FAILURE;
	}
	if (e->kthread) {
		snprintf(msg, size, "cannot attach to %s: it is a kernel thread, not a "
			 "program", name);
		return RUN_EXIT_FAILURE;
	}
	if (e->err == ESRCH) {
		snprintf(msg, size, "cannot attach to %s: no such process", name);
		return RUN_EXIT_FAILURE;
	}
	if (e->tracer_pid > 0) {
		comm_of(e->tracer_pid, comm, sizeof(comm));
		snprintf(msg, size, "cannot attach to %s: it is already traced by pid %d "
			 "(%s); a process has one tracer only", name, (int)e->tracer_pid,
			 comm[0] ? comm : "?");
		return RUN_EXIT_FAILURE;
	}
	if (e->err == EPERM && have_cap_sys_ptrace() == 0) {
		uid = pid_status(pid, "Uid");
		if (uid >= 0 && (uid_t)uid != geteuid()) {
			snprintf(msg, size, "cannot attach to %s: it belongs to another user "
				 "(uid %ld; regmap-run runs as uid %ld without CAP_SYS_PTRACE, "
				 "which tracing it needs)%s", name, uid, (long)geteuid(),
				 geteuid() ? ": run regmap-run as root" : "");
			return RUN_EXIT_FAILURE;
		}
		if (read_long_file("/proc/sys/kernel/yama/ptrace_scope") == 1) {
			snprintf(msg, size, "cannot attach to %s: kernel.yama.ptrace_scope = 1 "
				 "allows tracing only descendants of the tracer without "
				 "CAP_SYS_PTRACE: run regmap-run as root, start the program under "
				 "regmap-run, or set it to 0 (sysctl kernel.yama.ptrace_scope=0)",
				 name);
			return RUN_EXIT_FAILURE;
		}
	}
	snprintf(what, sizeof(what), "cannot attach to pid %d", (int)pid);
	return explain_seize(what, pid, e->err, 0, msg, size);
}
