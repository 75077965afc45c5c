/*
 * Fixed vectors for the exchange family: XCHG, XADD, CMPXCHG,
 * CMPXCHG8B, CMPXCHG16B.  Expected states are built from the Intel
 * definitions by applying the register writes to a copy of the initial
 * state and then the memory write to its bytes (the map is the register
 * file, and the memory write comes last).  Flags come from running the
 * same operation natively on register operands.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "emu_vec.h"

/* Store size bytes of v at map offset off of state c (a memory write). */
static void map_put(struct regmap_cpu *c, unsigned off, uint64_t v, unsigned size)
{
	memcpy((uint8_t *)c + off, &v, size);
}

enum { OP_ADD, OP_CMP };

/*
 * Run add or cmp natively (b into a) with the arithmetic flags of flags;
 * return the resulting flags, store add's result in *res.  The red zone
 * is skipped before pushing.
 */
static uint64_t native(int op, unsigned size, uint64_t a, uint64_t b, uint64_t flags,
		       uint64_t *res)
{
	uint64_t f = (flags & ARITH) | 2;

#define NAT(insn) asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" insn \
			       "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp" \
			       : [f] "+r"(f), [a] "+r"(a) : [b] "r"(b) : "cc", "memory")
	switch (op * 16 + size) {
	case OP_ADD * 16 + 1: NAT("addb %b[b], %b[a]"); break;
	case OP_ADD * 16 + 2: NAT("addw %w[b], %w[a]"); break;
	case OP_ADD * 16 + 4: NAT("addl %k[b], %k[a]"); break;
	case OP_ADD * 16 + 8: NAT("addq %[b], %[a]"); break;
	case OP_CMP * 16 + 1: NAT("cmpb %b[b], %b[a]"); break;
	case OP_CMP * 16 + 2: NAT("cmpw %w[b], %w[a]"); break;
	case OP_CMP * 16 + 4: NAT("cmpl %k[b], %k[a]"); break;
	case OP_CMP * 16 + 8: NAT("cmpq %[b], %[a]"); break;
	default: abort();
	}
#undef NAT
	if (res)
		*res = a & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
	return f;
}

static uint64_t with_flags(uint64_t rflags, uint64_t arith)
{
	return (rflags & ~(uint64_t)ARITH) | (arith & ARITH);
}

START_TEST(xchg_swaps)
{
	want = next(8);

	/* xchg [0x8], rax: rax and rcx swap */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x87, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RAX];
	ck_assert_cpu_eq(cpu, want);

	/* lock xchg [0x8], rax: the same */
	vec_setup();
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xf0, 0x48, 0x87, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RAX];
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(xchg_own_slot)
{
	want = next(8);

	/* xchg [0x0], rax: rax <- [0] = rax, then [0] <- old rax: unchanged */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x87, 0x04, 0x25, 0x00, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_cpu_eq(cpu, want);

	/*
	 * xchg [0x0], eax: eax <- [0..4) zero-extends rax, then the 4-byte
	 * memory write puts back the same low half: rax = (u32)rax.
	 */
	vec_setup();
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x87, 0x04, 0x25, 0x00, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (uint32_t)init.gpr[REGMAP_RAX];
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(xchg_sizes)
{
	want = next(7);

	/* xchg [0x9], al: byte 1 of rcx <-> al */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x86, 0x04, 0x25, 0x09, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffull) | map_get(&init, 9, 1);
	map_put(&want, 9, init.gpr[REGMAP_RAX], 1);
	ck_assert_cpu_eq(cpu, want);

	/* xchg [0x10], ah */
	vec_setup();
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x86, 0x24, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xff00ull) | map_get(&init, 0x10, 1) << 8;
	map_put(&want, 0x10, init.gpr[REGMAP_RAX] >> 8, 1);
	ck_assert_cpu_eq(cpu, want);

	/* xchg [0x1c], ecx: the high half of rbx; ecx's write zero-extends rcx */
	vec_setup();
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x87, 0x0c, 0x25, 0x1c, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RBX] >> 32;
	map_put(&want, 0x1c, init.gpr[REGMAP_RCX], 4);
	ck_assert_cpu_eq(cpu, want);

	/* xchg [rdi+4], cx with rdi = 0x3d: straddles rsi and rdi, rdi's byte 0 changes */
	vec_setup();
	cpu.gpr[REGMAP_RDI] = 0x3d;
	init = cpu;
	want = next(4);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x87, 0x4f, 0x04), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = (init.gpr[REGMAP_RCX] & ~0xffffull) | map_get(&init, 0x41, 2);
	map_put(&want, 0x41, init.gpr[REGMAP_RCX], 2);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(xchg_outside)
{
	/* xchg [0x8c], rax: partly outside */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x87, 0x04, 0x25, 0x8c, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	/* xchg [0x100], rax: not a map access */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x87, 0x04, 0x25, 0x00, 1, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(xadd_qword)
{
	uint64_t sum, f;

	want = next(9);
	/* xadd [0x8], rax: rax <- rcx, rcx <- rcx + rax */
	f = native(OP_ADD, 8, init.gpr[REGMAP_RCX], init.gpr[REGMAP_RAX], init.rflags, &sum);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc1, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.gpr[REGMAP_RCX] = sum;
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* xadd [0x0], rax: the memory write of 2 * rax comes last */
	vec_setup();
	want = next(9);
	f = native(OP_ADD, 8, init.gpr[REGMAP_RAX], init.gpr[REGMAP_RAX], init.rflags, &sum);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc1, 0x04, 0x25, 0x00, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = sum;
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* lock xadd [0x8], rax with a carry out and zero result */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 1;
	cpu.gpr[REGMAP_RCX] = ~0ull;
	cpu.rflags = 0x202 | REGMAP_FLAGS_OF | REGMAP_FLAGS_SF;
	init = cpu;
	want = next(10);
	f = native(OP_ADD, 8, ~0ull, 1, init.rflags, &sum);
	ck_assert_uint_eq(sum, 0);
	ck_assert(f & REGMAP_FLAGS_CF);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xf0, 0x48, 0x0f, 0xc1, 0x04, 0x25, 0x08, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = ~0ull;
	want.gpr[REGMAP_RCX] = 0;
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(xadd_small)
{
	uint64_t sum, f;

	want = next(8);
	/* xadd [0x8], eax: eax <- ecx (zero-extends), 4 bytes at 0x8 <- sum */
	cpu.gpr[REGMAP_RCX] = 0x123456789abcdef0ull;
	cpu.gpr[REGMAP_RAX] = 0xffff0000ffff0000ull;
	init = cpu;
	want = next(8);
	f = native(OP_ADD, 4, 0x9abcdef0, 0xffff0000, init.rflags, &sum);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc1, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = 0x9abcdef0;
	map_put(&want, 0x8, sum, 4);
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* xadd [0x9], cl: byte 1 of rcx and cl; 0x7f + 0x01 overflows */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 0x1111111111117f01ull;
	init = cpu;
	want = next(8);
	f = native(OP_ADD, 1, 0x7f, 0x01, init.rflags, &sum);
	ck_assert(f & REGMAP_FLAGS_OF);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc0, 0x0c, 0x25, 0x09, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = 0x111111111111807full;	/* cl <- 0x7f, then [0x9] <- 0x80 */
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* xadd [0x12], dx: bytes 2..3 of rdx */
	vec_setup();
	want = next(9);
	f = native(OP_ADD, 2, map_get(&init, 0x12, 2), init.gpr[REGMAP_RDX] & 0xffff,
		   init.rflags, &sum);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x0f, 0xc1, 0x14, 0x25, 0x12, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RDX] = (init.gpr[REGMAP_RDX] & ~0xffffull) | map_get(&init, 0x12, 2);
	map_put(&want, 0x12, sum, 2);
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(xadd_rflags_slot)
{
	uint64_t sum, f;

	want = next(9);
	/*
	 * xadd [0x88], rax: rax <- rflags; the flags of the add are replaced
	 * by the memory write of the sum (user-modifiable bits only).
	 */
	f = native(OP_ADD, 8, init.rflags, init.gpr[REGMAP_RAX], init.rflags, &sum);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc1, 0x04, 0x25, 0x88, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.rflags;
	want.rflags = (with_flags(init.rflags, f) & ~(uint64_t)REGMAP_FLAGS_USER) |
		      (sum & REGMAP_FLAGS_USER);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(cmpxchg_equal)
{
	uint64_t f;

	/* cmpxchg [0x8], rdx with rax == rcx: rcx <- rdx, ZF */
	cpu.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	init = cpu;
	want = next(9);
	f = native(OP_CMP, 8, init.gpr[REGMAP_RAX], init.gpr[REGMAP_RCX], init.rflags, NULL);
	ck_assert(f & REGMAP_FLAGS_ZF);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xb1, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RDX];
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/*
	 * cmpxchg [0x8], edx, equal: only the 4 bytes at 0x8 are written;
	 * rax keeps its upper half (no accumulator write).
	 */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0xdeadbeef00000000ull | (uint32_t)init.gpr[REGMAP_RCX];
	init = cpu;
	want = next(8);
	f = native(OP_CMP, 4, (uint32_t)init.gpr[REGMAP_RAX], (uint32_t)init.gpr[REGMAP_RCX],
		   init.rflags, NULL);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xb1, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	map_put(&want, 0x8, init.gpr[REGMAP_RDX], 4);
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg [0x0], rcx: the accumulator is its own operand: rax <- rcx */
	vec_setup();
	want = next(9);
	f = native(OP_CMP, 8, init.gpr[REGMAP_RAX], init.gpr[REGMAP_RAX], init.rflags, NULL);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg [0x11], cl with al == byte 1 of rdx: that byte <- cl */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffull) | map_get(&init, 0x11, 1);
	init = cpu;
	want = next(8);
	f = native(OP_CMP, 1, map_get(&init, 0x11, 1), map_get(&init, 0x11, 1), init.rflags, NULL);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xb0, 0x0c, 0x25, 0x11, 0, 0, 0), REGMAP_EMU_OK);
	map_put(&want, 0x11, init.gpr[REGMAP_RCX], 1);
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(cmpxchg_unequal)
{
	static const uint8_t insn[] = { 0x48, 0x0f, 0xb1, 0x14, 0x25, 0x08, 0, 0, 0 };
	uint64_t f;

	want = next(9);
	/* cmpxchg [0x8], rdx with rax != rcx: rax <- rcx, and no map write */
	f = native(OP_CMP, 8, init.gpr[REGMAP_RAX], init.gpr[REGMAP_RCX], init.rflags, NULL);
	ck_assert(!(f & REGMAP_FLAGS_ZF));
	ck_assert_int_eq(vec_exec(&cpu, insn, sizeof(insn), &res), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);
	for (unsigned i = 0; i < res.naccess; i++)
		ck_assert_int_eq(res.access[i].write, 0);

	/* lock cmpxchg: the same */
	vec_setup();
	want = next(10);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xf0, 0x48, 0x0f, 0xb1, 0x14, 0x25, 0x08, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/*
	 * cmpxchg [0x4], ecx, unequal (eax vs rax's high half): eax <- m
	 * zero-extends rax; writing m back to bytes 4..7 would have left
	 * them non-zero, and must not happen.
	 */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0x1234567801010101ull;
	init = cpu;
	want = next(8);
	f = native(OP_CMP, 4, (uint32_t)init.gpr[REGMAP_RAX], init.gpr[REGMAP_RAX] >> 32,
		   init.rflags, NULL);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xb1, 0x0c, 0x25, 0x04, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RAX] >> 32;
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg [0x12], si, unequal: ax <- the word, rest of rax kept */
	vec_setup();
	want = next(9);
	f = native(OP_CMP, 2, init.gpr[REGMAP_RAX] & 0xffff, map_get(&init, 0x12, 2),
		   init.rflags, NULL);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x0f, 0xb1, 0x34, 0x25, 0x12, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffffull) | map_get(&init, 0x12, 2);
	want.rflags = with_flags(init.rflags, f);
	ck_assert_cpu_eq(cpu, want);

	/* not in the map */
	vec_setup();
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xb1, 0x14, 0x25, 0x00, 1, 0, 0),
			 REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(cmpxchg8b)
{
	/* cmpxchg8b [0x8], equal: edx:eax == rcx; rcx <- ecx:ebx; other flags kept */
	cpu.gpr[REGMAP_RAX] = 0xaaaaaaaa00000000ull | (uint32_t)init.gpr[REGMAP_RCX];
	cpu.gpr[REGMAP_RDX] = 0xbbbbbbbb00000000ull | init.gpr[REGMAP_RCX] >> 32;
	cpu.rflags = 0x202 | REGMAP_FLAGS_CF | REGMAP_FLAGS_SF;
	init = cpu;
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc7, 0x0c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RCX] << 32 | (uint32_t)init.gpr[REGMAP_RBX];
	want.rflags = init.rflags | REGMAP_FLAGS_ZF;
	ck_assert_cpu_eq(cpu, want);

	/* unequal: eax, edx <- the halves of m, zero-extended; ZF cleared */
	vec_setup();
	cpu.rflags = 0x202 | REGMAP_FLAGS_ZF | REGMAP_FLAGS_OF;
	init = cpu;
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc7, 0x0c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (uint32_t)init.gpr[REGMAP_RCX];
	want.gpr[REGMAP_RDX] = init.gpr[REGMAP_RCX] >> 32;
	want.rflags = 0x202 | REGMAP_FLAGS_OF;
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg8b [0x84]: straddles rip and rflags (unequal: rip's high half != edx) */
	vec_setup();
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc7, 0x0c, 0x25, 0x84, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (VEC_RIP + 8) >> 32;
	want.gpr[REGMAP_RDX] = (uint32_t)init.rflags;
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg8b [0x8c]: partly outside */
	vec_setup();
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xc7, 0x0c, 0x25, 0x8c, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(cmpxchg16b)
{
	/* cmpxchg16b [0x0], equal: rdx:rax == rcx:rax; [0x0] <- rbx, [0x8] <- rcx */
	cpu.gpr[REGMAP_RDX] = init.gpr[REGMAP_RCX];
	cpu.rflags = 0x202 | REGMAP_FLAGS_CF;
	init = cpu;
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RBX];
	want.rflags = init.rflags | REGMAP_FLAGS_ZF;
	ck_assert_cpu_eq(cpu, want);

	/* lock cmpxchg16b [0x0], unequal: rax <- rax, rdx <- rcx; ZF cleared */
	vec_setup();
	cpu.rflags = 0x202 | REGMAP_FLAGS_ZF | REGMAP_FLAGS_PF;
	init = cpu;
	want = next(10);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xf0, 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RDX] = init.gpr[REGMAP_RCX];
	want.rflags = 0x202 | REGMAP_FLAGS_PF;
	ck_assert_cpu_eq(cpu, want);

	/* cmpxchg16b [0x80], equal: rip and rflags; the write jumps and sets flags */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = VEC_RIP + 9;
	cpu.gpr[REGMAP_RDX] = init.rflags;
	cpu.gpr[REGMAP_RBX] = 0x402000;
	cpu.gpr[REGMAP_RCX] = 0x202 | REGMAP_FLAGS_CF | REGMAP_FLAGS_DF;
	init = cpu;
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = 0x402000;
	want.rflags = 0x202 | REGMAP_FLAGS_CF | REGMAP_FLAGS_DF;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(cmpxchg16b_alignment)
{
	/* [0x8] is in the map but not 16-byte aligned: #GP, nothing changes */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x08, 0, 0, 0),
			 REGMAP_EMU_FAULT_GP);
	ck_assert_cpu_eq(cpu, init);
	/* [0x90]: aligned, outside the map */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x90, 0, 0, 0),
			 REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

static Suite *xchg_suite(void)
{
	Suite *s = suite_create("emu_xchg");
	TCase *tc = tcase_create("xchg");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, xchg_swaps);
	tcase_add_test(tc, xchg_own_slot);
	tcase_add_test(tc, xchg_sizes);
	tcase_add_test(tc, xchg_outside);
	tcase_add_test(tc, xadd_qword);
	tcase_add_test(tc, xadd_small);
	tcase_add_test(tc, xadd_rflags_slot);
	tcase_add_test(tc, cmpxchg_equal);
	tcase_add_test(tc, cmpxchg_unequal);
	tcase_add_test(tc, cmpxchg8b);
	tcase_add_test(tc, cmpxchg16b);
	tcase_add_test(tc, cmpxchg16b_alignment);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vec_run_suite(xchg_suite());
}
