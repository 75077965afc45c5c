/*
 * t_fork MODE: children made by fork, vfork and exec use the map too.
 *   all          fork, vfork and fork+exec children each compute with the
 *                map and report through their exit status; the parent
 *                keeps using the map.  Exit status 0.
 *   thread-exec  a second thread execs this program ("exec-child"), which
 *                must find the map working.  Exit status 0.
 *   nofollow     for regmap-run --no-follow: the forked child is not
 *                traced, so its map access must kill it with SIGSEGV,
 *                while the parent's accesses still work.  Exit status 0.
 *   exec-child   the exec'd program: exit 0 if the map works.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_map.h"

static const char *self = "/proc/self/exe";

static int exec_child(void)
{
	uint64_t sum = 0;

	for (int i = 1; i <= 100; i++)
		sum = t_map_add(sum, i);
	return sum == 5050 && t_map_roundtrip(77) == 77 ? 0 : 1;
}

/* wait for pid; 0 if it exited with want */
static int expect_exit(pid_t pid, int want, const char *what)
{
	int st;

	if (waitpid(pid, &st, 0) != pid) {
		printf("FAIL %s: waitpid\n", what);
		return 1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
		printf("FAIL %s: status 0x%x, expected exit %d\n", what, st, want);
		return 1;
	}
	return 0;
}

static int all(void)
{
	volatile int fails = 0;	/* vfork() shares our stack frame */
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit((int)t_map_add(30, 3));		/* 33 */
	fails += expect_exit(pid, 33, "fork child");

	pid = vfork();
	if (pid == 0)
		_exit((int)t_map_add(40, 4));		/* 44 */
	fails += expect_exit(pid, 44, "vfork child");

	pid = fork();
	if (pid == 0) {
		execl(self, "t_fork", "exec-child", (char *)NULL);
		_exit(127);
	}
	fails += expect_exit(pid, 0, "fork+exec child");

	pid = vfork();
	if (pid == 0) {
		execl(self, "t_fork", "exec-child", (char *)NULL);
		_exit(127);
	}
	fails += expect_exit(pid, 0, "vfork+exec child");

	if (t_map_add(50, 5) != 55) {
		printf("FAIL the parent's map after its children\n");
		fails++;
	}
	printf("t_fork: fork, vfork and exec children: %s\n", fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}

static void *exec_from_thread(void *arg)
{
	(void)arg;
	execl(self, "t_fork", "exec-child", (char *)NULL);
	return NULL;
}

static int thread_exec(void)
{
	pthread_t t;

	if (t_map_add(1, 1) != 2)
		return 1;
	if (pthread_create(&t, NULL, exec_from_thread, NULL))
		return 1;
	pthread_join(t, NULL);
	printf("FAIL exec from a thread failed\n");
	return 1;
}

static int nofollow(void)
{
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		t_map_add(1, 1);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) {
		printf("FAIL an untraced child's map access did not fault (status 0x%x)\n", st);
		return 1;
	}
	if (t_map_add(2, 2) != 4) {
		printf("FAIL the traced parent's map\n");
		return 1;
	}
	printf("t_fork: untraced child faulted, parent still served\n");
	return 0;
}

int main(int argc, char *argv[])
{
	const char *mode = argc >= 2 ? argv[1] : "";

	if (!strcmp(mode, "all"))
		return all();
	if (!strcmp(mode, "thread-exec"))
		return thread_exec();
	if (!strcmp(mode, "nofollow"))
		return nofollow();
	if (!strcmp(mode, "exec-child"))
		return exec_child();
	fprintf(stderr, "usage: t_fork all|thread-exec|nofollow|exec-child\n");
	return 2;
}
