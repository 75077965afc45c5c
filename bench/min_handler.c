/*
 * min_handler.c: the minimal in-process SIGSEGV handler, the physical
 * limit of libregmap's design.
 *
 * It knows one instruction, bench_loads_insn ("mov rax, [0x10]"), and
 * does by hand exactly what it means: rax = rdx, rip past it.  No decode,
 * no emulator, no alternate stack, no system call: what is left is the
 * kernel's signal delivery and sigreturn.  Any other fault is not ours:
 * the default action is restored and the instruction faults again.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"

static int read_code;

static void min_on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uint8_t code[15];

	(void)si;
	if (read_code) {
		struct iovec local = { code, sizeof(code) };
		struct iovec remote = { (void *)g[REG_RIP], sizeof(code) };

		process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	}
	if (g[REG_RIP] != (greg_t)(uintptr_t)bench_loads_insn) {
		signal(sig, SIG_DFL);
		return;
	}
	g[REG_RAX] = g[REG_RDX];
	g[REG_RIP] += BENCH_LOADS_INSN_LEN;
}

int bench_min_handler_install(int with_code_read)
{
	struct sigaction sa;

	read_code = with_code_read;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = min_on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSEGV, &sa, NULL);
}
