/*
 * Fixed vectors for SETcc and CMOVcc, and through them emu_cond(): every
 * condition under all 32 combinations of CF PF ZF SF OF, with the native
 * SETcc on the same flags as the oracle.
 *
 * The encodings (checked with as + objdump): SETcc byte [disp32] is
 * 0f 90+cc 04 25 disp32; CMOVcc rax, [disp32] is 48 0f 40+cc 04 25 disp32
 * (without 48: eax; with 66: ax).
 */
#include <check.h>
#include <stdlib.h>

#include "emu_vec.h"

/* The five flags the conditions read, spread from the 5 bits of k. */
static uint64_t flags_of(unsigned k)
{
	static const uint64_t bit[5] = {
		REGMAP_FLAGS_CF, REGMAP_FLAGS_PF, REGMAP_FLAGS_ZF, REGMAP_FLAGS_SF, REGMAP_FLAGS_OF,
	};
	uint64_t f = 0x202;

	for (unsigned i = 0; i < 5; i++)
		if (k & (1u << i))
			f |= bit[i];
	return f;
}

/* The CPU's own SETcc with the arithmetic flags of flags (red zone skipped). */
static int native_cc(unsigned cc, uint64_t flags)
{
	uint64_t f = (flags & REGMAP_FLAGS_ARITH) | 2;
	uint8_t r = 0xff;

#define CC(insn) asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" insn \
			      " %[r]\n\tlea 128(%%rsp), %%rsp" \
			      : [r] "=q"(r) : [f] "r"(f) : "cc", "memory")
	switch (cc) {
	case 0x0: CC("seto"); break;
	case 0x1: CC("setno"); break;
	case 0x2: CC("setb"); break;
	case 0x3: CC("setae"); break;
	case 0x4: CC("sete"); break;
	case 0x5: CC("setne"); break;
	case 0x6: CC("setbe"); break;
	case 0x7: CC("seta"); break;
	case 0x8: CC("sets"); break;
	case 0x9: CC("setns"); break;
	case 0xa: CC("setp"); break;
	case 0xb: CC("setnp"); break;
	case 0xc: CC("setl"); break;
	case 0xd: CC("setge"); break;
	case 0xe: CC("setle"); break;
	case 0xf: CC("setg"); break;
	default: abort();
	}
#undef CC
	return r;
}

START_TEST(setcc_all_conditions)
{
	unsigned cc = _i;
	int seen[2] = { 0, 0 };

	for (unsigned k = 0; k < 32; k++) {
		const uint8_t insn[] = { 0x0f, 0x90 + cc, 0x04, 0x25, 0x09, 0, 0, 0 };
		int t;

		vec_setup();
		cpu.rflags = flags_of(k);
		init = cpu;
		t = native_cc(cc, cpu.rflags);
		ck_assert(t == 0 || t == 1);
		seen[t]++;
		/* setCC byte [0x9]: byte 1 of rcx <- 0 or 1 */
		ck_assert_int_eq(vec_exec(&cpu, insn, sizeof(insn), NULL), REGMAP_EMU_OK);
		want = init;
		want.rip += sizeof(insn);
		want.gpr[REGMAP_RCX] = (init.gpr[REGMAP_RCX] & ~0xff00ull) | (uint64_t)t << 8;
		ck_assert_msg(cpu.gpr[REGMAP_RCX] == want.gpr[REGMAP_RCX],
			      "cc %#x flags %#llx: got rcx %#llx, want %#llx", cc,
			      (unsigned long long)init.rflags,
			      (unsigned long long)cpu.gpr[REGMAP_RCX],
			      (unsigned long long)want.gpr[REGMAP_RCX]);
		ck_assert_cpu_eq(cpu, want);
	}
	/* every condition was seen both true and false */
	ck_assert_int_gt(seen[0], 0);
	ck_assert_int_gt(seen[1], 0);
}
END_TEST

START_TEST(cmovcc_all_conditions)
{
	unsigned cc = _i;

	for (unsigned k = 0; k < 32; k++) {
		const uint8_t q[] = { 0x48, 0x0f, 0x40 + cc, 0x04, 0x25, 0x08, 0, 0, 0 };
		const uint8_t d[] = { 0x0f, 0x40 + cc, 0x04, 0x25, 0x08, 0, 0, 0 };
		const uint8_t w[] = { 0x66, 0x0f, 0x40 + cc, 0x04, 0x25, 0x08, 0, 0, 0 };
		uint64_t rax, rcx;
		int t;

		vec_setup();
		cpu.rflags = flags_of(k);
		cpu.gpr[REGMAP_RAX] = rax = 0x8877665544332211ull;
		cpu.gpr[REGMAP_RCX] = rcx = 0xf0e0d0c0b0a09080ull;
		init = cpu;
		t = native_cc(cc, cpu.rflags);

		/* cmovCC rax, [0x8] */
		ck_assert_int_eq(vec_exec(&cpu, q, sizeof(q), NULL), REGMAP_EMU_OK);
		want = init;
		want.rip += sizeof(q);
		want.gpr[REGMAP_RAX] = t ? rcx : rax;
		ck_assert_cpu_eq(cpu, want);

		/* cmovCC eax, [0x8]: the 32-bit destination is zero-extended either way */
		cpu = init;
		ck_assert_int_eq(vec_exec(&cpu, d, sizeof(d), NULL), REGMAP_EMU_OK);
		want = init;
		want.rip += sizeof(d);
		want.gpr[REGMAP_RAX] = t ? (uint32_t)rcx : (uint32_t)rax;
		ck_assert_cpu_eq(cpu, want);

		/* cmovCC ax, [0x8]: false leaves all of rax alone */
		cpu = init;
		ck_assert_int_eq(vec_exec(&cpu, w, sizeof(w), NULL), REGMAP_EMU_OK);
		want = init;
		want.rip += sizeof(w);
		want.gpr[REGMAP_RAX] = t ? (rax & ~0xffffull) | (rcx & 0xffff) : rax;
		ck_assert_cpu_eq(cpu, want);
	}
}
END_TEST

START_TEST(setcc_rflags_slot)
{
	want = init;

	/* seto byte [0x88] with OF clear: the low byte of rflags <- 0 (bit 1 stays) */
	cpu.rflags = 0x202 | REGMAP_FLAGS_CF | REGMAP_FLAGS_ZF | REGMAP_FLAGS_SF;
	init = cpu;
	want = init;
	want.rip += 8;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0x90, 0x04, 0x25, 0x88, 0, 0, 0), REGMAP_EMU_OK);
	want.rflags = 0x202;
	ck_assert_cpu_eq(cpu, want);

	/* with OF set: low byte <- 1, i.e. CF alone; OF lives in byte 1 and stays */
	vec_setup();
	cpu.rflags = 0x202 | REGMAP_FLAGS_OF | REGMAP_FLAGS_PF;
	init = cpu;
	want = init;
	want.rip += 8;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0x90, 0x04, 0x25, 0x88, 0, 0, 0), REGMAP_EMU_OK);
	want.rflags = 0x202 | REGMAP_FLAGS_OF | REGMAP_FLAGS_CF;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(cmovcc_source_always_read)
{
	/* cmove rax, [0x100] with ZF clear: not taken, but still not a map access */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0x44, 0x04, 0x25, 0x00, 0x01, 0, 0),
			 REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	/* cmove rax, [0x8c]: partly outside, condition false or true */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0x44, 0x04, 0x25, 0x8c, 0, 0, 0),
			 REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	cpu.rflags |= REGMAP_FLAGS_ZF;
	init = cpu;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0x44, 0x04, 0x25, 0x8c, 0, 0, 0),
			 REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	/* sete byte [0x90]: outside */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0x94, 0x04, 0x25, 0x90, 0, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);

	/* cmove r9d, [0x1] with ZF set: an unaligned dword inside rax */
	vec_setup();
	cpu.rflags |= REGMAP_FLAGS_ZF;
	init = cpu;
	want = init;
	want.rip += 9;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x44, 0x0f, 0x44, 0x0c, 0x25, 0x01, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_R9] = (init.gpr[REGMAP_RAX] >> 8) & 0xffffffffull;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

static Suite *cond_suite(void)
{
	Suite *s = suite_create("emu_cond");
	TCase *tc = tcase_create("cond");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_loop_test(tc, setcc_all_conditions, 0, 16);
	tcase_add_loop_test(tc, cmovcc_all_conditions, 0, 16);
	tcase_add_test(tc, setcc_rflags_slot);
	tcase_add_test(tc, cmovcc_source_always_read);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vec_run_suite(cond_suite());
}
