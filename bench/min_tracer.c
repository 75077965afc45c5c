/*
 * min_tracer.c: the minimal ptrace tracer, the physical limit of
 * regmap-run's design.
 *
 *	min_tracer [-u] [-i] [-c] [-p] PROGRAM [ARGS...]
 *
 * Runs PROGRAM traced (fork, SIGSTOP, PTRACE_SEIZE, threads followed)
 * and serves every SIGSEGV as if it were the one instruction it knows,
 * "mov rax, [0x10]" (8 bytes): PTRACE_GETREGS, rax = rdx, rip += 8,
 * PTRACE_SETREGS, PTRACE_CONT.  No siginfo, no code read, no decode,
 * no emulator: two system calls per access besides the waitpid() and
 * the PTRACE_CONT that any ptrace design needs.  Only for the bench
 * workloads whose every fault is that instruction (workload loads map,
 * workload threads map).
 *
 * The tracer pins itself and PROGRAM to the CPU it starts on, as
 * regmap-run does by default; -u leaves both unpinned.
 *
 * -i and -c add, one at a time, the two system calls per access that
 * regmap-run makes on top of these (PTRACE_GETSIGINFO, and a
 * process_vm_readv of the 15 code bytes at rip), so bench/run.sh can
 * show what each costs; -p adds one PTRACE_PEEKTEXT (8 code bytes), the
 * alternative to -c.  Their results are not used.
 *
 * Exit status: PROGRAM's, or 128 + signal if it was killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define KNOWN_INSN_LEN	8	/* mov rax, qword ptr [0x10] */

static int pin_here(void)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

static pid_t start(char **argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* wait for the tracer to seize us, then become the program */
		raise(SIGSTOP);
		execvp(argv[0], argv);
		perror("min_tracer: exec");
		_exit(127);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		return -1;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL,
		   (void *)(long)(PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE)) < 0) {
		perror("min_tracer: PTRACE_SEIZE");
		kill(pid, SIGKILL);
		return -1;
	}
	kill(pid, SIGCONT);
	return pid;
}

static int opt_siginfo, opt_code, opt_peek;

/* The whole per-access work of the minimal design. */
static void serve(pid_t tid)
{
	struct user_regs_struct r;
	uint8_t code[15];
	siginfo_t si;

	if (opt_siginfo && ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0)
		return;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
		return;
	if (opt_code) {
		struct iovec local = { code, sizeof(code) };
		struct iovec remote = { (void *)r.rip, sizeof(code) };

		if (process_vm_readv(tid, &local, 1, &remote, 1, 0) < 0)
			return;
	}
	if (opt_peek) {
		errno = 0;
		if (ptrace(PTRACE_PEEKTEXT, tid, (void *)r.rip, NULL) == -1 && errno)
			return;
	}
	r.rax = r.rdx;
	r.rip += KNOWN_INSN_LEN;
	if (ptrace(PTRACE_SETREGS, tid, NULL, &r) < 0)
		return;
	ptrace(PTRACE_CONT, tid, NULL, NULL);
}

int main(int argc, char **argv)
{
	int opt_unpinned = 0, status = 0, st;
	pid_t pid, tid;

	for (; argc > 1 && argv[1][0] == '-'; argv++, argc--) {
		if (!strcmp(argv[1], "-u"))
			opt_unpinned = 1;
		else if (!strcmp(argv[1], "-i"))
			opt_siginfo = 1;
		else if (!strcmp(argv[1], "-c"))
			opt_code = 1;
		else if (!strcmp(argv[1], "-p"))
			opt_peek = 1;
		else
			break;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: min_tracer [-u] [-i] [-c] [-p] PROGRAM [ARGS...]\n");
		return 2;
	}
	if (!opt_unpinned && pin_here() < 0) {
		perror("min_tracer: sched_setaffinity");
		return 1;
	}
	pid = start(argv + 1);
	if (pid < 0)
		return 1;

	while ((tid = waitpid(-1, &st, __WALL)) > 0 || errno == EINTR) {
		if (tid < 0)
			continue;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == pid)
				status = st;
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (st >> 16) {
			/* clone event or a new thread's first stop */
			ptrace(PTRACE_CONT, tid, NULL, NULL);
		} else if (WSTOPSIG(st) == SIGSEGV) {
			serve(tid);
		} else {
			ptrace(PTRACE_CONT, tid, NULL, (void *)(long)WSTOPSIG(st));
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
