/*
 * t_masked_vector: masked vector accesses whose operand runs past the
 * end of the map (0x90), with the mask selecting only elements inside.
 * The CPU does not fault on elements a mask leaves out, so these are map
 * accesses.  Each runs twice, as in t_harness: on the map (r8 = 0) and
 * natively on a buffer imaging the registers whose end (offset 0x90) is
 * the start of an inaccessible page, so the native run proves the CPU
 * does not touch the left-out elements; the results must be equal.
 *
 *   vmovdqu64 zmm0{k1}{z}, [r8+0x60], k1 = 0xf   (AVX-512F)
 *   vmovdqu64 [r8+0x60]{k1}, zmm1, k1 = 0x3      (AVX-512F)
 *   vpmaskmovq ymm0, ymm1, [r8+0x78], ymm1 = (-1, 0, 0, 0)   (AVX2)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "t_harness.h"

/* r12..r15 as the map shows them (the buffer images the same values) */
static const uint64_t R[4] = {
	0x1212121212121212ull, 0x1313131313131313ull,
	0x1414141414141414ull, 0x1515151515151515ull,
};

static __attribute__((target("avx512f"))) void load512(uint64_t base, uint64_t out[8])
{
	register uint64_t r8 __asm__("r8") = base;

	__asm__ volatile("mov $0xf, %%eax\n\t"
			 "kmovw %%eax, %%k1\n\t"
			 "mov %1, %%r12\n\tmov %2, %%r13\n\tmov %3, %%r14\n\tmov %4, %%r15\n\t"
			 "vmovdqu64 0x60(%%r8), %%zmm0%{%%k1%}%{z%}\n\t"
			 "vmovdqu64 %%zmm0, (%0)\n\t"
			 "vzeroupper"
			 : : "r"(out), "m"(R[0]), "m"(R[1]), "m"(R[2]), "m"(R[3]), "r"(r8)
			 : "rax", "r12", "r13", "r14", "r15", "k1", "xmm0", "memory");
}

/* the masked store; returns r12..r15 after it (on the map) */
static __attribute__((target("avx512f"))) void store512(uint64_t base, const uint64_t in[8], uint64_t out[4])
{
	register uint64_t r8 __asm__("r8") = base;

	__asm__ volatile("mov $0x3, %%eax\n\t"
			 "kmovw %%eax, %%k1\n\t"
			 "vmovdqu64 (%1), %%zmm1\n\t"
			 "mov %2, %%r12\n\tmov %3, %%r13\n\tmov %4, %%r14\n\tmov %5, %%r15\n\t"
			 "vmovdqu64 %%zmm1, 0x60(%%r8)%{%%k1%}\n\t"
			 "mov %%r12, (%0)\n\tmov %%r13, 8(%0)\n\tmov %%r14, 16(%0)\n\tmov %%r15, 24(%0)\n\t"
			 "vzeroupper"
			 : : "r"(out), "r"(in), "m"(R[0]), "m"(R[1]), "m"(R[2]), "m"(R[3]), "r"(r8)
			 : "rax", "r12", "r13", "r14", "r15", "k1", "xmm1", "memory");
}

static __attribute__((target("avx2"))) void maskmov(uint64_t base, uint64_t out[4])
{
	static const uint64_t mask[4] = { ~0ull, 0, 0, 0 };
	register uint64_t r8 __asm__("r8") = base;

	__asm__ volatile("vmovdqu (%1), %%ymm1\n\t"
			 "mov %2, %%r15\n\t"
			 "vpmaskmovq 0x78(%%r8), %%ymm1, %%ymm0\n\t"
			 "vmovdqu %%ymm0, (%0)\n\t"
			 "vzeroupper"
			 : : "r"(out), "r"(mask), "m"(R[3]), "r"(r8)
			 : "r15", "xmm0", "xmm1", "memory");
}

int main(void)
{
	int avx512 = __builtin_cpu_supports("avx512f"), avx2 = __builtin_cpu_supports("avx2");
	uint8_t *pages, *buf;
	uint64_t a[8], b[8], z[8];

	if (!avx512 && !avx2) {
		printf("SKIP: neither AVX-512F nor AVX2 on this CPU\n");
		return 77;
	}
	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || mprotect(pages + 4096, 4096, PROT_NONE))
		return 2;
	/* the register image ends where the inaccessible page begins */
	buf = pages + 4096 - 0x90;
	memset(buf, 0x5a, 0x90);
	memcpy(buf + 0x60, R, sizeof(R));

	if (avx512) {
		memset(a, 0xee, sizeof(a));
		memset(b, 0xee, sizeof(b));
		load512(0, a);
		load512((uint64_t)(uintptr_t)buf, b);
		for (unsigned i = 0; i < 8; i++)
			t_expect("vmovdqu64 zmm0{k1}{z}, [0x60]", a[i], b[i]);
		t_expect("... lane 0 is r12", a[0], R[0]);

		for (unsigned i = 0; i < 8; i++)
			z[i] = 0xa0a0a0a0a0a0a0a0ull + i;
		store512(0, z, a);
		memcpy(buf + 0x60, R, sizeof(R));
		store512((uint64_t)(uintptr_t)buf, z, b);
		memcpy(b, buf + 0x60, 32);
		for (unsigned i = 0; i < 4; i++)
			t_expect("vmovdqu64 [0x60]{k1}, zmm1: r12..r15", a[i], b[i]);
		memcpy(buf + 0x60, R, sizeof(R));
		printf("AVX-512: masked load and store past the map: %s\n",
		       t_failures ? "differ" : "same");
	} else {
		t_skip("vmovdqu64 with a mask", "this CPU has no AVX-512F");
	}
	if (avx2) {
		memset(a, 0xee, sizeof(a));
		memset(b, 0xee, sizeof(b));
		maskmov(0, a);
		maskmov((uint64_t)(uintptr_t)buf, b);
		for (unsigned i = 0; i < 4; i++)
			t_expect("vpmaskmovq ymm0, ymm1, [0x78]", a[i], b[i]);
		t_expect("... qword 0 is r15", a[0], R[3]);
		printf("AVX2: vpmaskmovq past the map: %s\n", t_failures ? "differ" : "same");
	} else {
		t_skip("vpmaskmovq", "this CPU has no AVX2");
	}
	return t_done("t_masked_vector");
}
