/*
 * t_stopcont MODE: job control of a program under regmap-run behaves as
 * without it.
 *   child  a forked worker runs map accesses; we SIGSTOP it and must see
 *          it stop with waitpid(WUNTRACED), see no progress while it is
 *          stopped, SIGCONT it and see WIFCONTINUED and progress again.
 *   self   we stop ourselves with raise(SIGSTOP); a forked helper waits
 *          until /proc shows us stopped and sends SIGCONT; the map must
 *          still work afterwards.
 * Exit status 0 on success.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t_map.h"

struct shared {
	atomic_ullong progress;
	atomic_int quit;
};

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* wait until the value moves past old; 0 or -1 after 30 s */
static int wait_progress(struct shared *sh, unsigned long long old)
{
	for (int i = 0; i < 3000; i++) {
		if (sh->progress > old)
			return 0;
		pause_ms(10);
	}
	return -1;
}

static int child_mode(void)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long long a, b;
	pid_t pid;
	int st;

	if (sh == MAP_FAILED)
		return 2;
	pid = fork();
	if (pid == 0) {
		uint64_t sum = 0;

		while (!sh->quit) {
			sum = t_map_add(sum, 1);
			sh->progress = sum;
		}
		_exit(0);
	}
	if (wait_progress(sh, 0)) {
		printf("FAIL the worker makes no progress\n");
		return 1;
	}
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		printf("FAIL waitpid did not report the worker stopped by SIGSTOP\n");
		return 1;
	}
	a = sh->progress;
	pause_ms(200);
	b = sh->progress;
	if (a != b) {
		printf("FAIL the stopped worker went on from %llu to %llu\n", a, b);
		return 1;
	}
	kill(pid, SIGCONT);
	if (waitpid(pid, &st, WCONTINUED) != pid || !WIFCONTINUED(st)) {
		printf("FAIL waitpid did not report the worker continued\n");
		return 1;
	}
	if (wait_progress(sh, b)) {
		printf("FAIL the continued worker makes no progress\n");
		return 1;
	}
	sh->quit = 1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("FAIL the worker did not exit cleanly (status 0x%x)\n", st);
		return 1;
	}
	printf("t_stopcont: worker stopped (no progress at %llu), continued, exited\n", a);
	return 0;
}

/* the state letter in /proc/PID/stat */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static int self_mode(void)
{
	/*
	 * Under regmap-run every map access is a short ptrace stop ("t" in
	 * /proc), so the helper only looks once we say we are about to stop.
	 */
	atomic_int *stopping = mmap(NULL, sizeof(*stopping), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t me = getpid(), helper;
	int st;

	if (stopping == MAP_FAILED)
		return 2;
	*stopping = 0;
	helper = fork();
	if (helper == 0) {
		for (int i = 0; i < 3000; i++) {
			char s = proc_state(me);

			if (*stopping && (s == 'T' || s == 't')) {
				kill(me, SIGCONT);
				_exit(0);
			}
			pause_ms(10);
		}
		kill(me, SIGCONT);
		_exit(1);
	}
	if (t_map_add(1, 1) != 2)
		return 1;
	*stopping = 1;
	raise(SIGSTOP);
	if (t_map_add(20, 22) != 42) {
		printf("FAIL the map is wrong after SIGSTOP/SIGCONT\n");
		return 1;
	}
	waitpid(helper, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("FAIL the helper never saw us stopped\n");
		return 1;
	}
	printf("t_stopcont: stopped ourselves, were continued, the map still works\n");
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc >= 2 && !strcmp(argv[1], "child"))
		return child_mode();
	if (argc >= 2 && !strcmp(argv[1], "self"))
		return self_mode();
	fprintf(stderr, "usage: t_stopcont child|self\n");
	return 2;
}
