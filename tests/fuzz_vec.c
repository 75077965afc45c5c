/*
 * Robustness of the vector path: random legacy-SSE, VEX, EVEX and x87
 * encodings with a [disp32] operand in or near the map, random GPRs and
 * a random (valid) XSAVE area, through regmap_emu_decode() and
 * regmap_emu_execute_x().  Whatever Zydis decodes and the whitelist lets
 * through must run in the stub without a signal (a #UD, #GP, #XM or #MF
 * there would kill this process) and must leave the state alone unless
 * it returns REGMAP_EMU_OK.
 *
 * usage: fuzz_vec [iterations [seed]]   (default 200000, seed 1)
 * fuzz_vec_wx: the same with the emulator's W^X stub pool.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

#ifdef FUZZ_VEC_WX
int emu_vx_xinit(bool force_wx);	/* vx.h */
#endif

static uint64_t rs;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static unsigned gen(uint8_t *b)
{
	static const uint8_t pfx[] = { 0, 0x66, 0xf2, 0xf3 };
	unsigned n = 0, k = (unsigned)(rnd() % 4), disp = (unsigned)(rnd() % 0xa0);

	switch (k) {
	case 0:		/* legacy SSE / MMX */
		if (pfx[rnd() % 4])
			b[n++] = pfx[rnd() % 4];
		if (rnd() % 3 == 0)
			b[n++] = (uint8_t)(0x40 | (rnd() & 0xf));
		b[n++] = 0x0f;
		if (rnd() % 2)
			b[n++] = rnd() % 2 ? 0x38 : 0x3a;
		break;
	case 1:		/* VEX */
		b[n++] = 0xc4;
		b[n++] = (uint8_t)(0x60 | (rnd() & 0x80) | (1 + rnd() % 3));
		b[n++] = (uint8_t)rnd();
		break;
	case 2:		/* EVEX */
		b[n++] = 0x62;
		b[n++] = (uint8_t)(0x60 | (rnd() & 0x90) | (1 + rnd() % 3));
		b[n++] = (uint8_t)(rnd() | 4);
		b[n++] = (uint8_t)rnd();
		break;
	default:	/* x87 */
		b[n++] = (uint8_t)(0xd8 + rnd() % 8);
		b[n++] = (uint8_t)((rnd() & 0x38) | 4);
		b[n++] = 0x25;
		memcpy(b + n, &disp, 4);
		return n + 4;
	}
	b[n++] = (uint8_t)rnd();
	b[n++] = (uint8_t)((rnd() & 0x38) | 4);
	b[n++] = 0x25;
	memcpy(b + n, &disp, 4);
	n += 4;
	b[n++] = (uint8_t)rnd();
	return n;
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	unsigned a, bx, c, d, size;
	unsigned long ok = 0, vec = 0;
	struct regmap_xstate xs;
	uint8_t *area, *init, b[16];
	uint64_t xcr0;
	uint32_t lo, hi;
	int err;

	rs = argc > 2 ? strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ull | 1 : 1;
#ifdef FUZZ_VEC_WX
	err = emu_vx_xinit(true);	/* the W^X pool, a page per slot */
#else
	err = regmap_emu_xinit();
#endif
	if (err == -ENOTSUP) {
		printf("fuzz_vec: SKIP: the CPU has no XSAVE\n");
		return 77;
	}
	if (err) {
		printf("fuzz_vec: regmap_emu_xinit: %s\n", strerror(-err));
		return 1;
	}
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	xcr0 = (uint64_t)hi << 32 | lo;
	__cpuid_count(0xd, 0, a, bx, c, d);
	size = (bx + 63) & ~63u;
	area = aligned_alloc(64, size);
	init = malloc(size);
	if (!area || !init)
		return 1;
	for (unsigned long i = 0; i < iters; i++) {
		struct regmap_emu_insn insn;
		struct regmap_cpu cpu, cpu0;
		uint64_t bv = xcr0 & 0xe7 & rnd();
		uint32_t mxcsr = (uint32_t)(0x1f80 | (rnd() & 0xe07f));
		enum regmap_emu_status st;
		unsigned n = gen(b);

		for (unsigned j = 0; j < size; j++)
			area[j] = (uint8_t)rnd();
		memset(area + 512, 0, 64);
		memcpy(area + 512, &bv, 8);
		memcpy(area + 24, &mxcsr, 4);
		memcpy(init, area, size);
		for (unsigned j = 0; j < 16; j++)
			cpu.gpr[j] = rnd();
		cpu.rip = 0x401000;
		cpu.rflags = 0x202;
		cpu.fs_base = cpu.gs_base = 0;
		cpu0 = cpu;
		xs.area = area;
		xs.size = size;
		xs.xcr0 = xcr0;
		if (regmap_emu_decode(&insn, b, n) != REGMAP_EMU_OK)
			continue;
		vec += regmap_emu_insn_needs_xstate(&insn);
		st = regmap_emu_execute_x(&insn, &cpu, &xs, NULL, NULL);
		if (st == REGMAP_EMU_OK) {
			ok++;
			continue;
		}
		if (memcmp(&cpu, &cpu0, sizeof(cpu)) || memcmp(area, init, size)) {
			printf("fuzz_vec: iteration %lu: status %s changed the state\n", i,
			       regmap_emu_status_str(st));
			return 1;
		}
	}
	printf("fuzz_vec: %lu iterations, %lu vector-path decodes, %lu emulated\n", iters, vec, ok);
	free(area);
	free(init);
	return vec && ok ? 0 : 1;
}
