/*
 * t_alignment: a program that runs with the alignment-check flag (AC) set
 * and handles its own SIGBUS, as it would without regmap:
 *
 *   a misaligned access of its own raises SIGBUS (BUS_ADRALN) into its
 *   handler, which runs with AC still set (the kernel does not clear it);
 *   the handler clears AC in the context and the access completes;
 *   aligned and misaligned map accesses with AC set never fault: the
 *   registers they stand for cannot be misaligned.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "t_harness.h"

#define AC	0x40000ull

static volatile int nbus, bus_code, handler_ac;

static void on_bus(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t fl;

	(void)sig;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(fl));
	handler_ac = !!(fl & AC);
	/* leave no AC behind in this handler (its own accesses) */
	__asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" : : : "cc");
	nbus++;
	bus_code = si->si_code;
	uc->uc_mcontext.gregs[REG_EFL] &= ~AC;
}

static void ac_on(void)
{
	__asm__ volatile("pushfq\n\torq $0x40000, (%%rsp)\n\tpopfq" : : : "cc");
}

static void ac_off(void)
{
	__asm__ volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" : : : "cc");
}

int main(void)
{
	static char buf[32] __attribute__((aligned(16)));
	struct sigaction sa;
	uint64_t v, w, rdx = 0x1122334455667788ull, rbx = 5;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);

	/* the program's own misaligned access: SIGBUS in its handler, AC set there */
	ac_on();
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(buf + 1) : "memory");
	ac_off();
	printf("own misaligned access: %d SIGBUS, code %d, AC %s in the handler\n", nbus,
	       bus_code, handler_ac ? "set" : "clear");
	t_expect("own access: SIGBUS count", nbus, 1);
	t_expect("own access: si_code", bus_code, BUS_ADRALN);
	t_expect("own access: AC in the handler", handler_ac, 1);

	/* map accesses with AC set: aligned, misaligned, read-modify-write */
	nbus = 0;
	ac_on();
	__asm__ volatile("movq 0x10, %0\n\t"		/* rdx */
			 "movq 0x11, %1\n\t"		/* rdx >> 8 | bl << 56 */
			 "addl $1, 0x1a"		/* rbx's bytes 2..5 + 1 */
			 : "=&r"(v), "=&r"(w), "+d"(rdx), "+b"(rbx) : : "cc", "memory");
	ac_off();
	printf("map accesses with AC set: %d SIGBUS\n", nbus);
	t_expect("map: SIGBUS count", nbus, 0);
	t_expect("map: aligned load", v, 0x1122334455667788ull);
	t_expect("map: misaligned load", w, 0x0511223344556677ull);
	t_expect("map: misaligned add", rbx, (1ull << 16) + 5);

	return t_done("t_alignment");
}
