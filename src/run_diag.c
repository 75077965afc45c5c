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

static int explain_seize(const char *name, const struct sup_launch_error *e,
			 char *msg, size_t size)
{
	long scope = read_long_file("/proc/sys/kernel/yama/ptrace_scope");
	long self_tracer = self_status("TracerPid");
	char comm[64];

	if (e->tracer_pid > 0) {
		comm_of(e->tracer_pid, comm, sizeof(comm));
		snprintf(msg, size, "cannot trace %s: it is already traced by pid %d (%s), "
			 "probably a debugger following regmap-run's children; a program "
			 "has one tracer only: run regmap-run outside it", name,
			 (int)e->tracer_pid, comm[0] ? comm : "?");
	} else if (e->err == EPERM && scope == 3) {
		snprintf(msg, size, "cannot trace %s: ptrace is disabled on this system "
			 "(kernel.yama.ptrace_scope = 3, only a reboot lifts it)", name);
	} else if (e->err == EPERM && scope == 2 && geteuid() != 0) {
		snprintf(msg, size, "cannot trace %s: kernel.yama.ptrace_scope = 2 allows "
			 "ptrace only with CAP_SYS_PTRACE: run as root, or set it to 1 "
			 "(sysctl kernel.yama.ptrace_scope=1)", name);
	} else if (self_status("Seccomp") == 2) {
		snprintf(msg, size, "cannot trace %s: ptrace is refused (%s) by a seccomp "
			 "filter, e.g. a container's default profile: allow ptrace (docker: "
			 "--cap-add=SYS_PTRACE --security-opt seccomp=unconfined)", name,
			 strerror(e->err));
	} else if (e->err == EPERM && self_tracer > 0) {
		comm_of(self_tracer, comm, sizeof(comm));
		snprintf(msg, size, "cannot trace %s: ptrace not permitted; regmap-run is "
			 "itself traced by pid %ld (%s), which may forbid it", name,
			 self_tracer, comm[0] ? comm : "?");
	} else if (e->err == EPERM) {
		snprintf(msg, size, "cannot trace %s: ptrace not permitted by a security "
			 "module (AppArmor, SELinux) or a container policy: allow ptrace for "
			 "regmap-run", name);
	} else {
		snprintf(msg, size, "cannot trace %s: ptrace: %s", name, strerror(e->err));
	}
	return RUN_EXIT_FAILURE;
}

int run_explain_launch(const char *name, const struct sup_launch_error *e,
		       char *msg, size_t size)
{
	switch (e->stage) {
	case SUP_STAGE_SEIZE:
		return explain_seize(name, e, msg, size);
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
	char name[32], comm[64];
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
	if (e->err == EPERM && geteuid() != 0) {
		uid = pid_status(pid, "Uid");
		if (uid >= 0 && (uid_t)uid != geteuid()) {
			snprintf(msg, size, "cannot attach to %s: it belongs to another user "
				 "(uid %ld): only root may trace it", name, uid);
			return RUN_EXIT_FAILURE;
		}
		if (read_long_file("/proc/sys/kernel/yama/ptrace_scope") == 1) {
			snprintf(msg, size, "cannot attach to %s: kernel.yama.ptrace_scope = 1 "
				 "allows tracing only descendants of the tracer: run regmap-run "
				 "as root, start the program under regmap-run, or set it to 0 "
				 "(sysctl kernel.yama.ptrace_scope=0)", name);
			return RUN_EXIT_FAILURE;
		}
	}
	{
		struct sup_launch_error le = { SUP_STAGE_SEIZE, e->err, 0 };

		return explain_seize(name, &le, msg, size);
	}
}
