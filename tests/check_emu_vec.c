/*
 * Fixed vectors for the vector path: SSE, AVX, AVX-512 and x87
 * instructions on the map, run on the CPU with an XSAVE area as the
 * target's vector state (regmap_emu_execute_x).
 */
#include <check.h>
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_vec.h"

static uint8_t *area, *saved;
static size_t area_size;
static uint64_t xcr0;
static unsigned off_ymmh, off_k, off_zmmh;
static struct regmap_xstate xs;

#define MXCSR_OFF	24
#define XMM_OFF		160

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* A fresh state: xmm/ymm/zmm i hold bytes 0x10*i + j; MXCSR and FCW their defaults. */
static void setup(void)
{
	uint64_t bv = xcr0 & 0xe7;

	vec_setup();
	memset(area, 0, area_size);
	area[0] = 0x7f;
	area[1] = 0x03;
	memcpy(area + MXCSR_OFF, &(uint32_t){ 0x1f80 }, 4);
	memcpy(area + 512, &bv, 8);
	for (unsigned i = 0; i < 16; i++)
		for (unsigned j = 0; j < 16; j++) {
			area[XMM_OFF + 16 * i + j] = (uint8_t)(0x10 * i + j);
			if (off_ymmh)
				area[off_ymmh + 16 * i + j] = (uint8_t)(0x10 * i + j + 0x80);
		}
	xs.area = area;
	xs.size = area_size;
	xs.xcr0 = xcr0;
}

static enum regmap_emu_status run(const uint8_t *b, size_t len)
{
	struct regmap_emu_insn insn;
	enum regmap_emu_status st = regmap_emu_decode(&insn, b, len);

	if (st != REGMAP_EMU_OK)
		return st;
	ck_assert(regmap_emu_insn_needs_xstate(&insn));
	return regmap_emu_execute_x(&insn, &cpu, &xs, &vec_mem_ops, NULL);
}

#define RUN(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; run(b_, sizeof b_); })

static void xmm_get(unsigned i, void *buf)
{
	memcpy(buf, area + XMM_OFF + 16 * i, 16);
}

static void xmm_put(unsigned i, const void *buf)
{
	memcpy(area + XMM_OFF + 16 * i, buf, 16);
}

START_TEST(sse_load_store_add)
{
	uint64_t x[2], x3[2];

	/* movdqu xmm0, [0x0]: xmm0 = rcx:rax */
	ck_assert_int_eq(RUN(0xf3, 0x0f, 0x6f, 0x04, 0x25, 0, 0, 0, 0), REGMAP_EMU_OK);
	xmm_get(0, x);
	ck_assert_uint_eq(x[0], init.gpr[REGMAP_RAX]);
	ck_assert_uint_eq(x[1], init.gpr[REGMAP_RCX]);
	ck_assert_uint_eq(cpu.rip, VEC_RIP + 9);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX], init.gpr[REGMAP_RAX]);

	/* movq [0x8], xmm2: rcx = xmm2's low qword, nothing else changes */
	setup();
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xd6, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	xmm_get(2, x);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RCX], x[0]);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX], init.gpr[REGMAP_RAX]);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RDX], init.gpr[REGMAP_RDX]);

	/* paddq xmm3, [0x10]: xmm3 += rbx:rdx, qword by qword */
	setup();
	xmm_get(3, x3);
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xd4, 0x1c, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	xmm_get(3, x);
	ck_assert_uint_eq(x[0], x3[0] + init.gpr[REGMAP_RDX]);
	ck_assert_uint_eq(x[1], x3[1] + init.gpr[REGMAP_RBX]);

	/* pextrd [0x4], xmm0, 1: the upper half of rax only */
	setup();
	ck_assert_int_eq(RUN(0x66, 0x0f, 0x3a, 0x16, 0x04, 0x25, 0x04, 0, 0, 0, 0x01),
			 REGMAP_EMU_OK);
	xmm_get(0, x);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX],
			  (init.gpr[REGMAP_RAX] & 0xffffffff) | (x[0] & ~0xffffffffull));
}
END_TEST

START_TEST(gpr_and_flags_results)
{
	double one = 1.0, two = 2.0, v = 1234.75;
	uint64_t x[2] = { 0, 0 };

	/* cvttsd2si rax, [0x8]: rax = (int64_t)(double)rcx */
	memcpy(&cpu.gpr[REGMAP_RCX], &v, 8);
	ck_assert_int_eq(RUN(0xf2, 0x48, 0x0f, 0x2c, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX], 1234);

	/* comisd xmm0, [0x8]: 1.0 < 2.0 sets CF, clears ZF PF */
	setup();
	memcpy(&cpu.gpr[REGMAP_RCX], &two, 8);
	memcpy(x, &one, 8);
	xmm_put(0, x);
	cpu.rflags = 0x202 | REGMAP_FLAGS_ZF | REGMAP_FLAGS_PF;
	ck_assert_int_eq(RUN(0x66, 0x0f, 0x2f, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.rflags & REGMAP_FLAGS_ARITH, REGMAP_FLAGS_CF);
	ck_assert_uint_eq(cpu.rflags & 0x200, 0x200);
}
END_TEST

START_TEST(avx_ymm_load)
{
	uint64_t lo[2], hi[2];

	/* vmovdqu ymm1, [0x40]: ymm1 = r11:r10:r9:r8 */
	ck_assert_int_eq(RUN(0xc5, 0xfe, 0x6f, 0x0c, 0x25, 0x40, 0, 0, 0), REGMAP_EMU_OK);
	xmm_get(1, lo);
	memcpy(hi, area + off_ymmh + 16, 16);
	ck_assert_uint_eq(lo[0], init.gpr[REGMAP_R8]);
	ck_assert_uint_eq(lo[1], init.gpr[REGMAP_R9]);
	ck_assert_uint_eq(hi[0], init.gpr[REGMAP_R10]);
	ck_assert_uint_eq(hi[1], init.gpr[REGMAP_R11]);

	/* vmovdqu ymm1, [0x80]: 32 bytes from 0x80 leave the map */
	setup();
	memcpy(saved, area, area_size);
	ck_assert_int_eq(RUN(0xc5, 0xfe, 0x6f, 0x0c, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_mem_eq(area, saved, area_size);
}
END_TEST

START_TEST(alignment_faults)
{
	memcpy(saved, area, area_size);
	/* movdqa xmm0, [0x8]: legacy 16-byte operand, misaligned */
	ck_assert_int_eq(RUN(0x66, 0x0f, 0x6f, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_FAULT_GP);
	ck_assert_mem_eq(area, saved, area_size);
	ck_assert_uint_eq(cpu.rip, VEC_RIP);
	/* movdqu xmm0, [0x8] is fine */
	ck_assert_int_eq(RUN(0xf3, 0x0f, 0x6f, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
}
END_TEST

START_TEST(avx_alignment_faults)
{
	memcpy(saved, area, area_size);
	/* vmovdqa ymm2, [0x10]: VEX needs 32-byte alignment; vmovdqu does not */
	ck_assert_int_eq(RUN(0xc5, 0xfd, 0x6f, 0x14, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_FAULT_GP);
	ck_assert_mem_eq(area, saved, area_size);
	ck_assert_int_eq(RUN(0xc5, 0xfe, 0x6f, 0x14, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
}
END_TEST

/*
 * Does the CPU keep a native fld's address as FIP (FNSTENV right after it
 * shows it)?  Intel and AMD do; AMD's XSAVE stores it only while an x87
 * exception is pending, so the emulator writes it into the area itself.
 */
static uint32_t native_env[7];

/*
 * Does this CPU keep the x87 pointers of a load?  On AMD a context switch
 * loses them (the kernel's save stores them only with an exception
 * pending; regmap(7)), so one run can show zeros where the CPU keeps
 * them: yes if any of X87_TRIALS runs shows them (native_env: that run's).
 */
#define X87_TRIALS	20

static bool native_fld_keeps_fip(void)
{
	static const double one = 1.0;
	uint64_t fld_addr;

	for (unsigned i = 0; i < X87_TRIALS; i++) {
		__asm__ volatile("fninit\n\t"
				 "lea 1f(%%rip), %0\n"
				 "1:\tfldl %2\n\t"	/* dd 05 disp32: FOP 0x505 */
				 "fnstenv %1\n\t"
				 "fninit"
				 : "=&r"(fld_addr), "=m"(native_env) : "m"(one));
		if (native_env[3] == (uint32_t)fld_addr)
			return true;
	}
	return false;
}

START_TEST(x87_load_store)
{
	long double want = 0;
	bool keeps;
	double d;
	uint16_t fsw;

	/* fld qword [0x0]: st0 = rax's bits as a double */
	memcpy(&d, &init.gpr[REGMAP_RAX], 8);
	want = d;
	keeps = native_fld_keeps_fip();
	for (unsigned i = 1;; i++) {
		ck_assert_int_eq(RUN(0xdd, 0x04, 0x25, 0, 0, 0, 0), REGMAP_EMU_OK);
		/* the stub's run can lose them to a context switch too: from the start again */
		if (!keeps || *(uint64_t *)(void *)(area + 8) == VEC_RIP || i == X87_TRIALS)
			break;
		setup();
	}
	ck_assert_mem_eq(area + 32, &want, 10);
	memcpy(&fsw, area + 2, 2);
	ck_assert_uint_eq((fsw >> 11) & 7, 7);	/* TOP */
	/*
	 * The saved FPU instruction and data pointers are the target's
	 * instruction and map address, not the stub's, where this CPU keeps
	 * them (the expectation comes from a native fld)
	 */
	ck_assert_uint_eq(*(uint64_t *)(void *)(area + 8), keeps ? VEC_RIP : 0);
	/* ... and the opcode, dd 04 (not the stub's dd 05), if the CPU keeps it */
	if (keeps && (native_env[4] >> 16 & 0x7ff) == 0x505)
		ck_assert_uint_eq(*(uint16_t *)(void *)(area + 6), 0x504);

	/* fstp qword [0x8]: rcx = the same bits, the stack is empty again */
	ck_assert_int_eq(RUN(0xdd, 0x1c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RCX], init.gpr[REGMAP_RAX]);
	memcpy(&fsw, area + 2, 2);
	ck_assert_uint_eq((fsw >> 11) & 7, 0);
}
END_TEST

/* zmm i's qword q (the area as the emulator left it) */
static uint64_t zmm_q(unsigned i, unsigned q)
{
	uint64_t v;

	if (q < 2)
		memcpy(&v, area + XMM_OFF + 16 * i + 8 * q, 8);
	else if (q < 4)
		memcpy(&v, area + off_ymmh + 16 * i + 8 * (q - 2), 8);
	else
		memcpy(&v, area + off_zmmh + 32 * i + 8 * (q - 4), 8);
	return v;
}

/*
 * A masked operand that runs past the map: the CPU does not fault on the
 * elements the mask leaves out, so if those it selects are all inside it
 * is a map access (tests/t_masked_vector does the same natively across a
 * guard page).
 */
START_TEST(avx512_masked_past_the_map)
{
	/* vmovdqu64 zmm0{k1}{z}, [0x60]: 64 bytes from 0x60, the map ends at 0x90 */
	static const uint8_t ld[] = { 0x62, 0xf1, 0xfe, 0xc9, 0x6f, 0x04, 0x25, 0x60, 0, 0, 0 };
	/* vmovdqu64 [0x60]{k1}, zmm1 */
	static const uint8_t st[] = { 0x62, 0xf1, 0xfe, 0x49, 0x7f, 0x0c, 0x25, 0x60, 0, 0, 0 };
	uint64_t k1 = 0xf, z1[8];

	memcpy(area + off_k + 8, &k1, 8);
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_OK);
	for (unsigned q = 0; q < 4; q++)
		ck_assert_uint_eq(zmm_q(0, q), init.gpr[REGMAP_R12 + q]);
	for (unsigned q = 4; q < 8; q++)
		ck_assert_uint_eq(zmm_q(0, q), 0);
	ck_assert_uint_eq(cpu.rip, VEC_RIP + sizeof(ld));

	/* elements 4 and 5 are rip and rflags, still inside */
	setup();
	k1 = 0x3f;
	memcpy(area + off_k + 8, &k1, 8);
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_OK);
	ck_assert_uint_eq(zmm_q(0, 4), VEC_RIP + sizeof(ld));
	ck_assert_uint_eq(zmm_q(0, 5), init.rflags);
	ck_assert_uint_eq(zmm_q(0, 6), 0);

	/* element 6 at 0x90 selected: partly outside; only 6 and 7: not the map at all */
	setup();
	k1 = 0x7f;
	memcpy(area + off_k + 8, &k1, 8);
	memcpy(saved, area, area_size);
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_PARTIAL);
	ck_assert_mem_eq(area, saved, area_size);
	ck_assert_cpu_eq(cpu, init);
	k1 = 0xc0;
	memcpy(area + off_k + 8, &k1, 8);
	memcpy(saved, area, area_size);
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_NOT_MAP);
	ck_assert_mem_eq(area, saved, area_size);

	/* a masked store writes only the selected elements, all inside */
	setup();
	k1 = 0x3;
	memcpy(area + off_k + 8, &k1, 8);
	for (unsigned q = 0; q < 8; q++)
		z1[q] = zmm_q(1, q);
	ck_assert_int_eq(run(st, sizeof(st)), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_R12], z1[0]);
	ck_assert_uint_eq(cpu.gpr[REGMAP_R13], z1[1]);
	ck_assert_uint_eq(cpu.gpr[REGMAP_R14], init.gpr[REGMAP_R14]);
	ck_assert_uint_eq(cpu.gpr[REGMAP_R15], init.gpr[REGMAP_R15]);
	ck_assert_uint_eq(cpu.rip, VEC_RIP + sizeof(st));
}
END_TEST

/* vpmaskmovq ymm0, ymm1, [0x80]: the mask is the top bit of ymm1's qwords */
START_TEST(avx2_maskmov_past_the_map)
{
	static const uint8_t ld[] = { 0xc4, 0xe2, 0xf5, 0x8c, 0x04, 0x25, 0x80, 0, 0, 0 };

	/* qwords 0 and 1 selected (rip, rflags), 2 and 3 (past the map) not */
	area[XMM_OFF + 16 + 7] = 0x80;
	area[XMM_OFF + 16 + 15] = 0x80;
	area[off_ymmh + 16 + 7] = 0x00;
	area[off_ymmh + 16 + 15] = 0x00;
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_OK);
	ck_assert_uint_eq(zmm_q(0, 0), VEC_RIP + sizeof(ld));
	ck_assert_uint_eq(zmm_q(0, 1), init.rflags);
	ck_assert_uint_eq(zmm_q(0, 2), 0);
	ck_assert_uint_eq(zmm_q(0, 3), 0);

	/* qword 2 selected too: partly outside */
	area[off_ymmh + 16 + 7] = 0x80;
	memcpy(saved, area, area_size);
	init = cpu;
	ck_assert_int_eq(run(ld, sizeof(ld)), REGMAP_EMU_PARTIAL);
	ck_assert_mem_eq(area, saved, area_size);
}
END_TEST

START_TEST(avx512_masked_store_and_broadcast)
{
	uint64_t z[8], k1 = 0x5;

	/* vmovdqu32 [0x0]{k1}, zmm0 with k1 = 0101b: dwords 0 and 2 only */
	memcpy(area + off_k + 8, &k1, 8);
	ck_assert_int_eq(RUN(0x62, 0xf1, 0x7e, 0x49, 0x7f, 0x04, 0x25, 0, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX], (init.gpr[REGMAP_RAX] & ~0xffffffffull) | 0x03020100);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RCX], (init.gpr[REGMAP_RCX] & ~0xffffffffull) | 0x0b0a0908);
	for (unsigned i = 2; i < 16; i++)
		ck_assert_uint_eq(cpu.gpr[i], init.gpr[i]);

	/* vpbroadcastq zmm0, [0x18]: all eight qwords = rbx */
	setup();
	ck_assert_int_eq(RUN(0x62, 0xf2, 0xfd, 0x48, 0x59, 0x04, 0x25, 0x18, 0, 0, 0),
			 REGMAP_EMU_OK);
	memcpy(z, area + XMM_OFF, 16);
	memcpy(z + 2, area + off_ymmh, 16);
	memcpy(z + 4, area + off_zmmh, 32);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(z[i], init.gpr[REGMAP_RBX]);
}
END_TEST

START_TEST(simd_exceptions)
{
	float one[4] = { 1, 1, 1, 1 }, r[4];
	uint32_t mxcsr;

	/* divps xmm0, [0x0] by zero with ZM clear: #XM, nothing changes */
	cpu.gpr[REGMAP_RAX] = cpu.gpr[REGMAP_RCX] = 0;
	init = cpu;
	xmm_put(0, one);
	memcpy(area + MXCSR_OFF, &(uint32_t){ 0x1f80 & ~0x200u }, 4);
	memcpy(saved, area, area_size);
	ck_assert_int_eq(RUN(0x0f, 0x5e, 0x04, 0x25, 0, 0, 0, 0), REGMAP_EMU_FAULT_XM);
	ck_assert_mem_eq(area, saved, area_size);
	ck_assert_uint_eq(cpu.rip, VEC_RIP);

	/* masked: infinities and ZE set */
	memcpy(area + MXCSR_OFF, &(uint32_t){ 0x1f80 }, 4);
	ck_assert_int_eq(RUN(0x0f, 0x5e, 0x04, 0x25, 0, 0, 0, 0), REGMAP_EMU_OK);
	xmm_get(0, r);
	ck_assert(r[0] == __builtin_inff() && r[3] == __builtin_inff());
	memcpy(&mxcsr, area + MXCSR_OFF, 4);
	ck_assert_uint_eq(mxcsr, 0x1f80 | 0x4);

	/* ldmxcsr [0x0] with reserved bits set: #GP; with a valid value it loads */
	setup();
	cpu.gpr[REGMAP_RAX] = 0xffff0000;
	ck_assert_int_eq(RUN(0x0f, 0xae, 0x14, 0x25, 0, 0, 0, 0), REGMAP_EMU_FAULT_GP);
	cpu.gpr[REGMAP_RAX] = 0x1f80 | 0x6000;
	ck_assert_int_eq(RUN(0x0f, 0xae, 0x14, 0x25, 0, 0, 0, 0), REGMAP_EMU_OK);
	memcpy(&mxcsr, area + MXCSR_OFF, 4);
	ck_assert_uint_eq(mxcsr, 0x7f80);
}
END_TEST

START_TEST(statuses_and_api)
{
	static const uint8_t movdqu[] = { 0xf3, 0x0f, 0x6f, 0x04, 0x25, 0, 0, 0, 0 };
	static const uint8_t mov[] = { 0x48, 0x8b, 0x04, 0x25, 0x08, 0, 0, 0 };
	struct regmap_emu_insn insn;

	ck_assert_int_eq(regmap_emu_decode(&insn, mov, sizeof(mov)), REGMAP_EMU_OK);
	ck_assert(!regmap_emu_insn_needs_xstate(&insn));
	ck_assert_int_eq(regmap_emu_decode(&insn, movdqu, sizeof(movdqu)), REGMAP_EMU_OK);
	ck_assert(regmap_emu_insn_needs_xstate(&insn));
	/* without the state: say so, change nothing */
	ck_assert_int_eq(regmap_emu_execute(&insn, &cpu, &vec_mem_ops, NULL),
			 REGMAP_EMU_NEED_XSTATE);
	ck_assert_uint_eq(cpu.rip, VEC_RIP);
	/* a misaligned or malformed area is refused */
	xs.area = area + 16;
	ck_assert_int_eq(regmap_emu_execute_x(&insn, &cpu, &xs, &vec_mem_ops, NULL),
			 REGMAP_EMU_BAD_XSTATE);
	xs.area = area;
	area[520] = 1;	/* XCOMP_BV */
	ck_assert_int_eq(regmap_emu_execute_x(&insn, &cpu, &xs, &vec_mem_ops, NULL),
			 REGMAP_EMU_BAD_XSTATE);
	area[520] = 0;
	/* not a map access */
	ck_assert_int_eq(RUN(0xf3, 0x0f, 0x6f, 0x04, 0x25, 0, 0x10, 0, 0), REGMAP_EMU_NOT_MAP);
	/* gathers (VSIB) and maskmovdqu (implicit [rdi]) stay unsupported */
	ck_assert_int_eq(RUN(0x66, 0x0f, 0xf7, 0xc1), REGMAP_EMU_UNSUPPORTED);
	ck_assert_str_eq(regmap_emu_status_str(REGMAP_EMU_FAULT_XM), "SIMD floating-point exception");
}
END_TEST

/* Threads running vector instructions at once each get their own stub slot. */
static void *thread_body(void *arg)
{
	static const uint8_t paddq[] = { 0x66, 0x0f, 0xd4, 0x1c, 0x25, 0x10, 0, 0, 0 };
	uintptr_t id = (uintptr_t)arg, bad = 0;
	uint8_t *a = aligned_alloc(64, (area_size + 63) & ~(size_t)63);
	struct regmap_xstate x;
	struct regmap_emu_insn insn;

	if (!a || regmap_emu_decode(&insn, paddq, sizeof(paddq)) != REGMAP_EMU_OK)
		return (void *)1;
	memcpy(a, area, area_size);
	x.area = a;
	x.size = area_size;
	x.xcr0 = xcr0;
	for (uint64_t i = 0; i < 20000; i++) {
		struct regmap_cpu c = init;
		uint64_t before[2], after[2];

		c.gpr[REGMAP_RDX] = i * 0x1000 + id;
		c.gpr[REGMAP_RBX] = ~i;
		memcpy(before, a + XMM_OFF + 48, 16);
		if (regmap_emu_execute_x(&insn, &c, &x, &vec_mem_ops, NULL) != REGMAP_EMU_OK)
			bad++;
		memcpy(after, a + XMM_OFF + 48, 16);
		bad += after[0] != before[0] + c.gpr[REGMAP_RDX] ||
		       after[1] != before[1] + c.gpr[REGMAP_RBX];
	}
	free(a);
	return (void *)bad;
}

START_TEST(threads_share_the_pool)
{
	pthread_t t[4];

	for (uintptr_t i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, thread_body, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_vec");
	TCase *base, *avx, *avx2, *avx512;
	unsigned a, b, c, d;
	int ret, err;

	err = regmap_emu_xinit();
	if (err == -ENOTSUP) {
		printf("check_emu_vec: SKIP: the CPU has no XSAVE\n");
		return 77;
	}
	if (err) {
		printf("check_emu_vec: regmap_emu_xinit failed: %d\n", err);
		return EXIT_FAILURE;
	}
	xcr0 = xgetbv0();
	__cpuid_count(0xd, 0, a, b, c, d);
	area_size = b;
	__cpuid_count(0xd, 2, a, b, c, d);
	off_ymmh = xcr0 & 4 ? b : 0;
	__cpuid_count(0xd, 5, a, b, c, d);
	off_k = b;
	__cpuid_count(0xd, 6, a, b, c, d);
	off_zmmh = b;
	area = aligned_alloc(64, (area_size + 63) & ~(size_t)63);
	saved = malloc(area_size);
	if (!area || !saved)
		return EXIT_FAILURE;
	base = vec_tcase(s, "sse_x87", 0);
	avx = vec_tcase(s, "avx", VEC_CPU_AVX);
	avx2 = vec_tcase(s, "avx2", VEC_CPU_AVX2);
	avx512 = vec_tcase(s, "avx512", VEC_CPU_AVX512);

	/* every group needs XSAVE (checked above); AVX, AVX2, AVX-512 their own features */
	tcase_add_checked_fixture(base, setup, NULL);
	tcase_add_test(base, sse_load_store_add);
	tcase_add_test(base, gpr_and_flags_results);
	tcase_add_test(base, alignment_faults);
	tcase_add_test(base, x87_load_store);
	tcase_add_test(base, simd_exceptions);
	tcase_add_test(base, statuses_and_api);
	tcase_add_test(base, threads_share_the_pool);
	tcase_add_checked_fixture(avx, setup, NULL);
	tcase_add_test(avx, avx_ymm_load);
	tcase_add_test(avx, avx_alignment_faults);
	tcase_add_checked_fixture(avx2, setup, NULL);
	tcase_add_test(avx2, avx2_maskmov_past_the_map);
	tcase_add_checked_fixture(avx512, setup, NULL);
	tcase_add_test(avx512, avx512_masked_store_and_broadcast);
	tcase_add_test(avx512, avx512_masked_past_the_map);
	ret = vec_run_suite(s);
	free(area);
	free(saved);
	return ret;
}
