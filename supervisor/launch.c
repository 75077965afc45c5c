/*
 * Launch: start the program traced from its first instruction.
 *
 * The child stops itself with SIGSTOP; the parent attaches with
 * PTRACE_SEIZE (so group-stops can be reported with PTRACE_LISTEN) and
 * PTRACE_O_EXITKILL (if regmap-run dies, the program dies with it rather
 * than running on with nobody to serve its map accesses), wakes it with
 * SIGCONT and follows it until its execve() has succeeded or failed.  A
 * close-on-exec pipe carries the errno of a failed execve() back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sup_internal.h"

/* envp with REGMAP_RUN_PID=<our pid> in place of any earlier value */
static char **build_env(char *const envp[], char *var, size_t varsize)
{
	size_t n = 0, k = 0, klen = strlen(SUP_ENV_RUN_PID);
	char **env;

	while (envp[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], SUP_ENV_RUN_PID, klen) || envp[i][klen] != '=')
			env[k++] = envp[i];
	snprintf(var, varsize, "%s=%d", SUP_ENV_RUN_PID, (int)getpid());
	env[k++] = var;
	env[k] = NULL;
	return env;
}

/*
 * The pipe carries two ints: whether the SIGSEGV filter is in place (0,
 * a positive errno, or -1: not wanted), then, if execve() failed, its
 * errno.
 */
static __attribute__((noreturn))
void child(int errfd, pid_t parent, bool filter, const char *path, char *const argv[],
	   char *const envp[])
{
	int err = -1;

	/* until the parent has seized us, its death must not leave us stopped */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	kill(getpid(), SIGSTOP);
	/* traced with PTRACE_O_EXITKILL now: the program need not keep this */
	prctl(PR_SET_PDEATHSIG, 0);
	/* after the seize, with PTRACE_O_TRACESECCOMP: its stops reach us */
	if (filter)
		err = -sup_segv_filter_install();
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(126);
	execve(path, argv, envp);
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static int seize(pid_t pid, const struct sup_config *cfg)
{
	/* TRACESYSGOOD: inject.c tells its syscall stops from SIGTRAPs */
	long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
		    PTRACE_O_TRACESYSGOOD;

	/* TRACESECCOMP: the SIGSEGV filter (sigshadow.c), needs every child traced */
	if (cfg->follow_forks)
		opts |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE |
			PTRACE_O_TRACESECCOMP;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) < 0)
		return -errno;
	return 0;
}

static void kill_and_reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
}

/* Follow the child until its execve() succeeded (0) or failed (-errno). */
static int await_exec(struct sup_session *s, int errfd, struct sup_launch_error *e)
{
	for (;;) {
		int st, sig, err = 0;

		if (waitpid(s->pid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			e->stage = SUP_STAGE_SETUP;
			e->err = errno;
			return -e->err;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (read(errfd, &err, sizeof(err)) == sizeof(err) &&
			    read(errfd, &err, sizeof(err)) == sizeof(err) && err > 0) {
				e->stage = SUP_STAGE_EXEC;
				e->err = err;
				return -err;
			}
			/* killed before it could exec (Ctrl-C): pass its status on */
			s->pid_done = true;
			s->status = st;
			return 0;
		}
		if (!WIFSTOPPED(st))
			continue;
		sig = WSTOPSIG(st);
		switch (st >> 16) {
		case PTRACE_EVENT_EXEC:
			s->exec_done = true;
			if (read(errfd, &err, sizeof(err)) != sizeof(err))
				err = -1;
			sup_segv_launched(s, s->pid, err == 0);
			/* --gdb: before the program's first instruction, gdb takes over */
			if (s->cfg.gdb & SUP_GDB_START)
				s->exec_held = true;
			else
				ptrace(PTRACE_CONT, s->pid, NULL, NULL);
			return 0;
		case PTRACE_EVENT_STOP:
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, s->pid, NULL, NULL);
			else
				ptrace(PTRACE_CONT, s->pid, NULL, NULL);
			break;
		case 0:
			/* our own SIGCONT, or a signal sent to the child: deliver it */
			ptrace(PTRACE_CONT, s->pid, NULL, (void *)(long)sig);
			break;
		default:
			ptrace(PTRACE_CONT, s->pid, NULL, NULL);
			break;
		}
	}
}

int sup_launch(struct sup_session *s, const struct sup_config *cfg,
	       const char *path, char *const argv[], char *const envp[],
	       struct sup_launch_error *e)
{
	char var[64];
	char **env;
	int fds[2], st, ret;
	pid_t parent = getpid();

	memset(e, 0, sizeof(*e));
	e->stage = SUP_STAGE_SETUP;
	if (sup_session_init(s, cfg) < 0)
		return e->err = ENOMEM, -ENOMEM;
	/* before fork(): the child inherits the tracer's CPU */
	ret = sup_cpu_place(cfg);
	if (ret < -1)
		return e->err = -ret, ret;
	s->pinned_cpu = ret;

	env = build_env(envp, var, sizeof(var));
	if (!env)
		return e->err = ENOMEM, -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		e->err = errno;
		free(env);
		return -e->err;
	}
	s->pid = fork();
	if (s->pid < 0) {
		e->err = errno;
		close(fds[0]);
		close(fds[1]);
		free(env);
		return -e->err;
	}
	if (s->pid == 0) {
		close(fds[0]);
		child(fds[1], parent, cfg->follow_forks, path, argv, env);
	}
	close(fds[1]);
	free(env);

	while ((ret = waitpid(s->pid, &st, WUNTRACED)) < 0 && errno == EINTR)
		;
	if (ret < 0 || !WIFSTOPPED(st)) {
		e->err = ret < 0 ? errno : ECHILD;
		close(fds[0]);
		return -e->err;
	}
	ret = seize(s->pid, cfg);
	if (ret) {
		long tracer = sup_proc_status_long(s->pid, "TracerPid");

		e->stage = SUP_STAGE_SEIZE;
		e->err = -ret;
		e->tracer_pid = tracer > 0 ? tracer : 0;
		kill_and_reap(s->pid);
		close(fds[0]);
		return ret;
	}
	sup_thread_mark(&s->threads, s->pid, true);
	/* not fatal: without one, nothing of the program is rewritten */
	sup_as_start(s, s->pid);
	kill(s->pid, SIGCONT);
	ret = await_exec(s, fds[0], e);
	close(fds[0]);
	if (ret == 0)
		e->stage = SUP_STAGE_NONE;
	return ret;
}
