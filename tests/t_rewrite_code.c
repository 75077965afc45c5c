/*
 * t_rewrite_code: what native-speed sites must leave alone, and code
 * that changes under them.
 *
 *	t_rewrite_code on|off
 *
 * - A load through a base register that is 0 for a while (the map: rdx)
 *   and then points at real memory is not a constant address: it is
 *   never rewritten, and reads the memory once the base points there.
 * - A map load in a writable and executable page (JIT-style code) is
 *   never rewritten; the program then writes another map load over it,
 *   which runs as itself.
 * - A map load in a page the program made read+execute is rewritten
 *   (with "on"); the program then makes it writable again, writes
 *   another map load there, makes it executable, and runs it: the new
 *   instruction does what it says (and is rewritten in turn).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "t_harness.h"
#include "t_rewrite.h"

extern const unsigned char t_site_based[];

/* rax = [base + 0x10]: rdx when base is 0 */
T_SITE_FN uint64_t load_based(const uint64_t *base, uint64_t rdx)
{
	uint64_t v;

	__asm__ volatile("mov %2, %%rdx\n\t.globl t_site_based\nt_site_based:\t"
			 "movq 0x10(%1), %0" : "=r"(v) : "r"(base), "r"(rdx) : "rdx", "memory");
	return v;
}

/* mov rax, [disp32]; ret */
static void put_load(unsigned char *code, uint8_t disp)
{
	static const unsigned char insn[] = { 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0xc3 };

	memcpy(code, insn, sizeof(insn));
	code[4] = disp;
}

/* Call code (a map load and ret) with rdx and rbx set: what it returned in rax. */
static uint64_t run_code(const unsigned char *code, uint64_t rdx, uint64_t rbx)
{
	uint64_t v;

	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tmov %2, %%rdx\n\tmov %3, %%rbx\n\t"
			 "call *%1\n\tlea 128(%%rsp), %%rsp"
			 : "=a"(v) : "r"(code), "r"(rdx), "r"(rbx) : "rdx", "rbx", "memory");
	return v;
}

static int changed(const unsigned char *code, const unsigned char *was, size_t n)
{
	return memcmp(code, was, n) != 0;
}

/* Run the load at code 5 times: rax must be rdx (disp 0x10) or rbx (0x18). */
static void expect_loads(const char *what, const unsigned char *code, uint8_t disp)
{
	char name[96];

	for (uint64_t i = 0; i < 5; i++) {
		uint64_t rdx = 0x1000 + i, rbx = 0x2000 + i;

		snprintf(name, sizeof(name), "%s (run %u)", what, (unsigned)i + 1);
		t_expect(name, run_code(code, rdx, rbx), disp == 0x10 ? rdx : rbx);
	}
}

static void wx_page(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char was[9];

	if (p == MAP_FAILED) {
		t_skip("writable+executable page", "mmap(PROT_WRITE|PROT_EXEC) is refused here");
		return;
	}
	put_load(p, 0x10);
	memcpy(was, p, sizeof(was));
	expect_loads("W+X page, mov rax, [0x10]", p, 0x10);
	t_expect("W+X page: the site is never rewritten", changed(p, was, sizeof(was)), 0);
	put_load(p, 0x18);
	memcpy(was, p, sizeof(was));
	expect_loads("W+X page, changed to mov rax, [0x18]", p, 0x18);
	t_expect("W+X page: the new site is never rewritten", changed(p, was, sizeof(was)), 0);
	munmap(p, 4096);
}

static void rx_page(int on)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	unsigned char was[9];

	if (p == MAP_FAILED) {
		t_expect("mmap", 0, 1);
		return;
	}
	put_load(p, 0x10);
	memcpy(was, p, sizeof(was));
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	expect_loads("r-x page, mov rax, [0x10]", p, 0x10);
	t_expect("r-x page: the site is rewritten", changed(p, was, sizeof(was)), on);
	/* the program changes its own code (a loader, a JIT that flips protections) */
	mprotect(p, 4096, PROT_READ | PROT_WRITE);
	put_load(p, 0x18);
	memcpy(was, p, sizeof(was));
	mprotect(p, 4096, PROT_READ | PROT_EXEC);
	expect_loads("r-x page, changed to mov rax, [0x18]", p, 0x18);
	t_expect("r-x page: the new site is rewritten", changed(p, was, sizeof(was)), on);
	munmap(p, 4096);
}

int main(int argc, char **argv)
{
	struct t_site based = { "base register", t_site_based, T_RW_NEVER, { 0 } };
	uint64_t buf[4] = { 1, 2, 0x5eed, 4 };
	int on = t_rw_mode(argc, argv);

	if (on < 0)
		return 2;
	t_site_save(&based);
	for (uint64_t i = 0; i < 100; i++)
		t_expect("[base + 0x10], base 0", load_based(NULL, i), i);
	for (uint64_t i = 0; i < 100; i++)
		t_expect("[base + 0x10], base a buffer", load_based(buf, i), 0x5eed);
	if (!t_site_check(&based, on))
		t_failures++;
	wx_page();
	rx_page(on);
	return t_done("rewrite code");
}
