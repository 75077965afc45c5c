/*
 * t_handler: the program's own SIGSEGV handler still runs for real
 * faults, with the siginfo the CPU would have given, and the map keeps
 * working around them:
 *   - a read at 0x2000 (outside the map): si_addr 0x2000, SEGV_MAPERR
 *   - an 8-byte read at 0x8c (partly outside): si_addr 0x8c
 *   - FXSAVE to the map (not emulated): si_addr inside its 512 bytes
 * Exit status 0 on success.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"
#include "t_map.h"

static sigjmp_buf jump;
static volatile uint64_t fault_addr;
static volatile int fault_code, faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = (uint64_t)si->si_addr;
	fault_code = si->si_code;
	faults++;
	siglongjmp(jump, 1);
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	t_expect("map before the faults", t_map_add(2, 3), 5);

	if (!sigsetjmp(jump, 1))
		__asm__ volatile("movq 0x2000, %%rax" : : : "rax", "memory");
	t_expect("faults after reading 0x2000", faults, 1);
	t_expect("si_addr of reading 0x2000", fault_addr, 0x2000);
	t_expect("si_code of reading 0x2000", fault_code, SEGV_MAPERR);
	t_expect("map after a real fault", t_map_add(40, 2), 42);

	if (!sigsetjmp(jump, 1))
		__asm__ volatile("movq 0x8c, %%rax" : : : "rax", "memory");
	t_expect("faults after reading 0x8c", faults, 2);
	t_expect("si_addr of reading 8 bytes at 0x8c", fault_addr, 0x8c);

	if (!sigsetjmp(jump, 1))
		__asm__ volatile("fxsave 0x0" : : : "memory");
	t_expect("faults after fxsave [0x0]", faults, 3);
	/* which of its 512 bytes the CPU reports is its business (0x1ff here) */
	t_expect("si_addr of fxsave [0x0] is in its operand", fault_addr < 0x200, 1);

	t_expect("map after all the faults", t_map_roundtrip(0x1234), 0x1234);
	return t_done("t_handler");
}
