/*
 * t_vector: SSE, AVX and x87 instructions with a map operand, which
 * regmap runs on the CPU with the thread's vector state (regmap(7)).
 * Expected values come from the same instructions on ordinary memory.
 * Exit status 0 when everything matches.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"

static const uint64_t A = 0x0123456789abcdefull, B = 0xfedcba9876543210ull;

/* xmm0 = the 16 bytes at 0x8: rcx, then rdx */
static void check_sse_load(void)
{
	uint64_t lo, hi;

	__asm__ volatile("movdqu 0x8, %%xmm0\n\t"
			 "movq %%xmm0, %0\n\t"
			 "pshufd $0xee, %%xmm0, %%xmm1\n\t"
			 "movq %%xmm1, %1"
			 : "=r"(lo), "=r"(hi) : "c"(A), "d"(B) : "xmm0", "xmm1");
	t_expect("movdqu xmm0, [0x8]: low qword is rcx", lo, A);
	t_expect("movdqu xmm0, [0x8]: high qword is rdx", hi, B);
}

/* a 64-bit store from an xmm register: rbx = rsi */
static void check_sse_store(void)
{
	uint64_t out;

	__asm__ volatile("movq %%rsi, %%xmm1\n\t"
			 "movq %%xmm1, 0x18\n\t"
			 "movq %%rbx, %0"
			 : "=r"(out) : "S"(A) : "rbx", "xmm1", "memory");
	t_expect("movq [0x18], xmm1: rbx = rsi", out, A);
}

/* paddq with the map as source, and addsd on a double held in rcx */
static void check_sse_arith(void)
{
	uint64_t mem[2] = { A, B }, got[2], want[2];
	double x = 1.25, y = -3.5, sum_map, sum_mem;
	uint64_t ybits;

	memcpy(&ybits, &y, 8);
	/* legacy SSE wants 16-byte alignment: 0x10 (rdx, rbx) */
	__asm__ volatile("movdqu (%2), %%xmm2\n\t"
			 "paddq 0x10, %%xmm2\n\t"
			 "movdqu %%xmm2, (%3)"
			 : : "d"(B), "b"(A), "r"(mem), "r"(got) : "xmm2", "memory");
	__asm__ volatile("movdqu (%0), %%xmm2\n\t"
			 "movdqu (%1), %%xmm3\n\t"
			 "paddq %%xmm3, %%xmm2\n\t"
			 "movdqu %%xmm2, (%2)"
			 : : "r"(mem), "r"((uint64_t[2]){ B, A }), "r"(want)
			 : "xmm2", "xmm3", "memory");
	t_expect("paddq xmm2, [0x10]: low", got[0], want[0]);
	t_expect("paddq xmm2, [0x10]: high", got[1], want[1]);

	__asm__ volatile("movsd %1, %%xmm4\n\taddsd 0x8, %%xmm4\n\tmovsd %%xmm4, %0"
			 : "=m"(sum_map) : "m"(x), "c"(ybits) : "xmm4");
	__asm__ volatile("movsd %1, %%xmm4\n\taddsd %2, %%xmm4\n\tmovsd %%xmm4, %0"
			 : "=m"(sum_mem) : "m"(x), "m"(y) : "xmm4");
	t_expect("addsd xmm4, [0x8]", sum_map == sum_mem && sum_mem == -2.25, 1);
}

/* stmxcsr writes 4 bytes: the high half of rcx stays */
static void check_mxcsr(void)
{
	uint32_t want;
	uint64_t rcx = 0xffffffff00000000ull;

	__asm__ volatile("stmxcsr %0" : "=m"(want));
	__asm__ volatile("stmxcsr 0x8" : "+c"(rcx) : : "memory");
	t_expect("stmxcsr [0x8]", rcx, 0xffffffff00000000ull | want);
}

/* x87: load rcx as an integer, store it into rdx */
static void check_x87(void)
{
	uint64_t out;

	__asm__ volatile("fildq 0x8\n\tfistpq 0x10\n\tmovq %%rdx, %0"
			 : "=r"(out) : "c"(A >> 8), "d"(0ull) : "memory");
	t_expect("fild [0x8]; fistp [0x10]: rdx = rcx", out, A >> 8);
}

/*
 * The x87 last-instruction pointer, data pointer and opcode after an fld
 * from the map are the target's: the fld's address, the map address and
 * its opcode, where this CPU records them at all (Intel: always, the data
 * pointer perhaps only on exceptions; AMD: only while an unmasked
 * exception is pending).  So the expected values come from the same fld
 * at the same address on ordinary memory (base = a buffer imaging rcx at
 * 0x8), with and without an exception left pending (an SNaN with IM
 * unmasked).
 */
struct x87_ptrs {
	uint64_t fip, fdp;
	uint16_t fop, fsw;
};

static void __attribute__((noinline)) fld_pointers(uint64_t base, uint64_t val, int pending,
						     struct x87_ptrs *p)
{
	_Alignas(16) uint8_t fx[512];
	uint16_t cw = pending ? 0x37e : 0x37f;
	register uint64_t b_ __asm__("r8") = base;

	__asm__ volatile("fninit\n\t"
			 "fldcw %[cw]\n\t"
			 "fldl 0x8(%%r8)\n\t"
			 "fxsave64 %[fx]\n\t"
			 "fninit"
			 : [fx] "=m"(fx) : [cw] "m"(cw), "r"(b_), "c"(val) : "memory");
	memcpy(&p->fip, fx + 8, 8);
	memcpy(&p->fdp, fx + 16, 8);
	memcpy(&p->fop, fx + 6, 2);
	memcpy(&p->fsw, fx + 2, 2);
}

static void check_x87_pointers(void)
{
	static const uint64_t vals[2] = { 0x3ff8000000000000ull, 0x7ff0000000000001ull };
	uint64_t img[2];

	for (int pending = 0; pending < 2; pending++) {
		struct x87_ptrs nat, map;

		img[1] = vals[pending];
		fld_pointers((uint64_t)(uintptr_t)img, vals[pending], pending, &nat);
		fld_pointers(0, vals[pending], pending, &map);
		t_expect(pending ? "fld [0x8] with an exception pending: FSW" : "fld [0x8]: FSW",
			 map.fsw, nat.fsw);
		t_expect(pending ? "fld [0x8] with an exception pending: FIP" : "fld [0x8]: FIP",
			 map.fip, nat.fip);
		t_expect(pending ? "fld [0x8] with an exception pending: FOP" : "fld [0x8]: FOP",
			 map.fop, nat.fop);
		t_expect(pending ? "fld [0x8] with an exception pending: FDP" : "fld [0x8]: FDP",
			 map.fdp, nat.fdp == (uint64_t)(uintptr_t)&img[1] ? 0x8 : nat.fdp);
	}
}

/* AVX: 32 bytes at 0x0 are rax, rcx, rdx, rbx */
static void check_avx(void)
{
	uint64_t got[4];

	__asm__ volatile("vmovdqu 0x0, %%ymm0\n\tvmovdqu %%ymm0, (%4)\n\tvzeroupper"
			 : : "a"(1ull), "c"(2ull), "d"(3ull), "b"(4ull), "r"(got)
			 : "xmm0", "memory");
	for (int i = 0; i < 4; i++)
		t_expect("vmovdqu ymm0, [0x0]", got[i], i + 1);
}

static sigjmp_buf jump;
static volatile int got_sig;

static void on_segv(int sig)
{
	got_sig = sig;
	siglongjmp(jump, 1);
}

/* movdqa needs 16-byte alignment: [0x8] raises SIGSEGV, [0x10] works */
static void check_alignment(void)
{
	struct sigaction sa, old;
	uint64_t lo = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(jump, 1))
		__asm__ volatile("movdqa 0x8, %%xmm5" : : : "xmm5");
	t_expect("movdqa xmm5, [0x8] (misaligned) raises SIGSEGV", got_sig, SIGSEGV);
	__asm__ volatile("movdqa 0x10, %%xmm5\n\tmovq %%xmm5, %0" : "=r"(lo) : "d"(A) : "xmm5");
	t_expect("movdqa xmm5, [0x10] (aligned)", lo, A);
	sigaction(SIGSEGV, &old, NULL);
}

int main(void)
{
	unsigned a, b, c, d;
	uint32_t xcr0, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) {
		t_skip("t_vector", "no XSAVE: regmap cannot run vector instructions here");
		return t_done("t_vector");
	}
	__asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(hi) : "c"(0));
	check_sse_load();
	check_sse_store();
	check_sse_arith();
	check_mxcsr();
	check_x87();
	check_x87_pointers();
	check_alignment();
	if ((c & bit_AVX) && (xcr0 & 6) == 6)
		check_avx();
	else
		t_skip("avx", "this CPU (or the OS) has no AVX");
	return t_done("t_vector");
}
