/*
 * t_divzero MODE: a division through the map that the CPU would refuse
 * raises SIGFPE as the CPU does (regmap(7)).
 *   handler  divide by a zero rcx read through the map, and divide
 *            INT64_MIN by -1: the handler must see SIGFPE, FPE_INTDIV and
 *            si_addr = the address of the div.  Exit status 0.
 *   die      divide by zero without a handler: killed by SIGFPE (136).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"

static sigjmp_buf jump;
static volatile uint64_t fault_addr;
static volatile int fault_code, fault_sig;

static void on_fpe(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_addr = (uint64_t)si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jump, 1);
}

extern const char div_insn[], idiv_insn[];

int main(int argc, char *argv[])
{
	struct sigaction sa;

	if (argc >= 2 && !strcmp(argv[1], "die")) {
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\t"
				 "divq 0x8" : : : "rax", "rcx", "rdx", "cc");
		printf("FAIL division by zero did not kill\n");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);

	if (!sigsetjmp(jump, 1))
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n"
				 "div_insn:\n\tdivq 0x8" : : : "rax", "rcx", "rdx", "cc");
	t_expect("signal of div by zero", fault_sig, SIGFPE);
	t_expect("si_code of div by zero", fault_code, FPE_INTDIV);
	t_expect("si_addr of div by zero", fault_addr, (uint64_t)div_insn);

	fault_sig = 0;
	if (!sigsetjmp(jump, 1))
		__asm__ volatile("movq $-1, %%rcx\n\tmovabsq $0x8000000000000000, %%rax\n\t"
				 "cqto\nidiv_insn:\n\tidivq 0x8"
				 : : : "rax", "rcx", "rdx", "cc");
	t_expect("signal of INT64_MIN / -1", fault_sig, SIGFPE);
	t_expect("si_code of INT64_MIN / -1", fault_code, FPE_INTDIV);
	t_expect("si_addr of INT64_MIN / -1", fault_addr, (uint64_t)idiv_insn);
	return t_done("t_divzero");
}
