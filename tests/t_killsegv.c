/*
 * t_killsegv MODE: a SIGSEGV sent with kill() is a signal, not a fault:
 * it must be delivered, never emulated (si_code <= 0).
 *   handler      a forked child kill()s us with SIGSEGV while we run a
 *                loop of map additions; our handler must see SI_USER
 *                from the child, and the loop must have done exactly as
 *                many additions as it counted (an instruction emulated
 *                for the kill would add one more).  Then the same with a
 *                SIGSEGV queued by rt_sigqueueinfo() whose fields read as
 *                address 0x10, as a map fault's would.  Exit status 0.
 *   wait FILE    write our pid to FILE and run map accesses until
 *                killed; the runner sends kill -SEGV, status must be 139.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t_map.h"

static volatile sig_atomic_t got, code, sender;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	code = si->si_code;
	sender = si->si_pid;
	got = 1;
}

/* what the child sends: kill(), or a queued SIGSEGV that looks like a map fault */
static void send_segv(int queued)
{
	usleep(20000);
	if (queued) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		si.si_signo = SIGSEGV;
		si.si_code = SI_QUEUE;
		si.si_pid = 0x10;	/* si_addr reads as 0x10 */
		si.si_uid = 0;
		syscall(SYS_rt_sigqueueinfo, getppid(), SIGSEGV, &si);
	} else {
		kill(getppid(), SIGSEGV);
	}
	_exit(0);
}

static int one_round(int queued)
{
	uint64_t counted = 0, sum = 0;
	time_t deadline = time(NULL) + 60;
	const char *what = queued ? "rt_sigqueueinfo()" : "kill()";
	pid_t child;
	int st;

	got = 0;
	child = fork();
	if (child == 0)
		send_segv(queued);
	while (!got && time(NULL) < deadline) {
		sum = t_map_add(sum, 1);
		counted++;
	}
	waitpid(child, &st, 0);
	if (!got) {
		printf("FAIL the SIGSEGV from %s never arrived\n", what);
		return 1;
	}
	if (code != (queued ? SI_QUEUE : SI_USER) || (!queued && sender != child)) {
		printf("FAIL handler saw si_code %d from pid %d for %s\n", (int)code,
		       (int)sender, what);
		return 1;
	}
	if (sum != counted) {
		printf("FAIL %" PRIu64 " additions done for %" PRIu64 " counted: the %s "
		       "SIGSEGV was emulated as a fault\n", sum, counted, what);
		return 1;
	}
	printf("t_killsegv: SIGSEGV from %s delivered (si_code %d) after %" PRIu64
	       " map additions\n", what, (int)code, counted);
	return 0;
}

static int with_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	return one_round(0) || one_round(1);
}

static int wait_for_kill(const char *file)
{
	FILE *f = fopen(file, "w");
	time_t deadline = time(NULL) + 60;
	uint64_t sum = 0;

	if (!f) {
		perror(file);
		return 2;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	while (time(NULL) < deadline)
		sum = t_map_add(sum, 1);
	printf("FAIL not killed within 60 s\n");
	return 1;
}

int main(int argc, char *argv[])
{
	if (argc >= 2 && !strcmp(argv[1], "handler"))
		return with_handler();
	if (argc >= 3 && !strcmp(argv[1], "wait"))
		return wait_for_kill(argv[2]);
	fprintf(stderr, "usage: t_killsegv handler | wait FILE\n");
	return 2;
}
