/*
 * Fixed vectors for MUL, IMUL (one, two and three operands), DIV and IDIV
 * on the map, including the divide errors, which must come back as
 * REGMAP_EMU_FAULT_DE with the state untouched.  Products and quotients
 * are computed here with 128-bit C arithmetic; flags the SDM leaves
 * undefined are masked, except where the CPU itself (the same
 * instruction on registers) is the oracle.
 */
#include <check.h>

#include "emu_vec.h"

/* flags MUL and IMUL leave undefined */
#define MUL_UNDEF (REGMAP_FLAGS_PF | REGMAP_FLAGS_AF | REGMAP_FLAGS_ZF | REGMAP_FLAGS_SF)

typedef unsigned __int128 u128;
typedef __int128 s128;

/* A divide error: status FAULT_DE and nothing changed. */
static void check_de(enum regmap_emu_status st)
{
	ck_assert_int_eq(st, REGMAP_EMU_FAULT_DE);
	want = init;
	check_cpu(0);
}

/*
 * The CPU's mulq/divq on rdx:rax with the arithmetic flags in *flags
 * (the red zone is stepped over before pushing).
 */
#define NATIVE_RDX_RAX(insn, rax, rdx, src, flags) do { \
	uint64_t f_ = ((flags) & ARITH) | 0x202; \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t" \
			 "push %[f]\n\tpopfq\n\t" \
			 insn " %[s]\n\t" \
			 "pushfq\n\tpop %[f]\n\t" \
			 "lea 128(%%rsp), %%rsp" \
			 : "+a"(rax), "+d"(rdx), [f] "+r"(f_) \
			 : [s] "r"(src) \
			 : "cc", "memory"); \
	(flags) = f_; \
} while (0)

START_TEST(mul_sizes)
{
	u128 p;

	/* mul byte [0x8]: AX = 0x01 * 0x11 */
	ck_assert_int_eq(VEC_RUN(0xf6, 0x24, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010011ull;
	want.rflags = 0x202;		/* AH = 0: CF = OF = 0 */
	check_cpu(MUL_UNDEF);

	/* mul dword [0x18]: EDX:EAX = 0x01010101 * 0x04040431, upper halves zeroed */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf7, 0x24, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	p = (u128)0x01010101 * 0x04040431;
	want.gpr[REGMAP_RAX] = (uint32_t)p;
	want.gpr[REGMAP_RDX] = (uint32_t)(p >> 32);
	ck_assert_uint_ne(want.gpr[REGMAP_RDX], 0);
	want.rflags = 0x202 | CF | OF;
	check_cpu(MUL_UNDEF);
}
END_TEST

START_TEST(mul_qword_native_flags)
{
	uint64_t rax, rdx, flags;
	u128 p;

	/* mul qword [0x10]: RDX:RAX = rax * rdx; all flags as the CPU makes them */
	cpu.rflags |= REGMAP_FLAGS_ZF | REGMAP_FLAGS_AF;
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x24, 0x25, 0x10, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	p = (u128)init.gpr[REGMAP_RAX] * init.gpr[REGMAP_RDX];
	want.gpr[REGMAP_RAX] = (uint64_t)p;
	want.gpr[REGMAP_RDX] = (uint64_t)(p >> 64);
	rax = init.gpr[REGMAP_RAX];
	rdx = init.gpr[REGMAP_RDX];
	flags = init.rflags;
	NATIVE_RDX_RAX("mulq", rax, rdx, init.gpr[REGMAP_RDX], flags);
	ck_assert_uint_eq(rax, want.gpr[REGMAP_RAX]);
	ck_assert_uint_eq(rdx, want.gpr[REGMAP_RDX]);
	ck_assert_uint_eq(flags & (CF | OF), CF | OF);
	want.rflags = (init.rflags & ~(uint64_t)ARITH) | (flags & ARITH);
	check_cpu(0);
}
END_TEST

START_TEST(imul_forms)
{
	s128 p;

	/* imul word [0x8]: DX:AX = 0x0101 * 0x0211 = 0x21311 */
	ck_assert_int_eq(VEC_RUN(0x66, 0xf7, 0x2c, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101011311ull;
	want.gpr[REGMAP_RDX] = 0x0303030303030002ull;
	want.rflags = 0x202 | CF | OF;
	check_cpu(MUL_UNDEF);

	/* imul qword [0x30] with a negative rax: signed 128-bit product */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = (uint64_t)-0x123456789abcll;
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x2c, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	p = (s128)(int64_t)init.gpr[REGMAP_RAX] * (int64_t)init.gpr[REGMAP_RSI];
	want.gpr[REGMAP_RAX] = (uint64_t)p;
	want.gpr[REGMAP_RDX] = (uint64_t)((u128)p >> 64);
	want.rflags = 0x202 | CF | OF;
	check_cpu(MUL_UNDEF);

	/* imul rcx, [0x10], -3: 0x0303030303030321 * -3 fits in 64 bits */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x6b, 0x0c, 0x25, 0x10, 0x00, 0x00, 0x00, 0xfd), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0xf6f6f6f6f6f6f69dull;
	want.rflags = 0x202;
	check_cpu(MUL_UNDEF);

	/* imul eax, [0xc]: 0x01010101 * 0x02020202 overflows; eax zero-extended */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x0f, 0xaf, 0x04, 0x25, 0x0c, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x08060402ull;	/* low half of 0x0002040608060402 */
	want.rflags = 0x202 | CF | OF;
	check_cpu(MUL_UNDEF);

	/* imul r10w, [0x8], 0x1234: 0x0211 * 0x1234 = 0x259d74 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x66, 0x44, 0x69, 0x14, 0x25, 0x08, 0x00, 0x00, 0x00, 0x34, 0x12),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R10] = 0x0b0b0b0b0b0b9d74ull;
	want.rflags = 0x202 | CF | OF;
	check_cpu(MUL_UNDEF);
}
END_TEST

START_TEST(div_sizes)
{
	uint64_t rax, rdx, flags;
	u128 n;

	/* div byte [0x30]: AX 257 / 0x61 = 2 rest 63 */
	ck_assert_int_eq(VEC_RUN(0xf6, 0x34, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101013f02ull;
	check_cpu(ARITH);

	/* div word [0x38]: DX:AX 0x03210101 / 0x0871; rdx and rax keep their upper bits */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x66, 0xf7, 0x34, 0x25, 0x38, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010000ull | (0x03210101 / 0x0871);
	want.gpr[REGMAP_RDX] = 0x0303030303030000ull | (0x03210101 % 0x0871);
	check_cpu(ARITH);

	/* div dword [0x8]: EDX:EAX 0x1_01010101 / 0x02020211, upper halves zeroed */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0xffffffff00000001ull;
	ck_assert_int_eq(VEC_RUN(0xf7, 0x34, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x101010101ull / 0x02020211;
	want.gpr[REGMAP_RDX] = 0x101010101ull % 0x02020211;
	check_cpu(ARITH);

	/* div qword [0x30]: RDX:RAX / rsi, flags as the CPU makes them */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x123;
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x34, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	n = (u128)0x123 << 64 | init.gpr[REGMAP_RAX];
	want.gpr[REGMAP_RAX] = (uint64_t)(n / init.gpr[REGMAP_RSI]);
	want.gpr[REGMAP_RDX] = (uint64_t)(n % init.gpr[REGMAP_RSI]);
	rax = init.gpr[REGMAP_RAX];
	rdx = init.gpr[REGMAP_RDX];
	flags = init.rflags;
	NATIVE_RDX_RAX("divq", rax, rdx, init.gpr[REGMAP_RSI], flags);
	ck_assert_uint_eq(rax, want.gpr[REGMAP_RAX]);
	ck_assert_uint_eq(rdx, want.gpr[REGMAP_RDX]);
	want.rflags = (init.rflags & ~(uint64_t)ARITH) | (flags & ARITH);
	check_cpu(0);
}
END_TEST

START_TEST(idiv_signs)
{
	/* idiv qword [0x30]: -1000 / 7 = -142 rest -6 (truncating) */
	cpu.gpr[REGMAP_RAX] = (uint64_t)-1000ll;
	cpu.gpr[REGMAP_RDX] = ~0ull;
	cpu.gpr[REGMAP_RSI] = 7;
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x3c, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = (uint64_t)-142ll;
	want.gpr[REGMAP_RDX] = (uint64_t)-6ll;
	check_cpu(ARITH);

	/* idiv byte [0x30]: AX -256 / 2 = -128, the most negative quotient, fits */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0x010101010101ff00ull;
	cpu.gpr[REGMAP_RSI] = 0x0707070707070702ull;
	ck_assert_int_eq(VEC_RUN(0xf6, 0x3c, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010080ull;
	check_cpu(ARITH);
}
END_TEST

START_TEST(divide_errors)
{
	/* div qword [0x30] by zero */
	cpu.gpr[REGMAP_RSI] = 0;
	check_de(VEC_RUN(0x48, 0xf7, 0x34, 0x25, 0x30, 0x00, 0x00, 0x00));

	/* idiv qword [0x30]: INT64_MIN / -1 */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0x8000000000000000ull;
	cpu.gpr[REGMAP_RDX] = ~0ull;
	cpu.gpr[REGMAP_RSI] = ~0ull;
	check_de(VEC_RUN(0x48, 0xf7, 0x3c, 0x25, 0x30, 0x00, 0x00, 0x00));

	/* idiv dword [0x30]: 2^31 / 1 does not fit */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0x80000000ull;
	cpu.gpr[REGMAP_RDX] = 0;
	cpu.gpr[REGMAP_RSI] = 1;
	check_de(VEC_RUN(0xf7, 0x3c, 0x25, 0x30, 0x00, 0x00, 0x00));

	/* idiv byte [0x30]: +128 / 1 does not fit (-128 would) */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0x80;
	cpu.gpr[REGMAP_RSI] = 1;
	check_de(VEC_RUN(0xf6, 0x3c, 0x25, 0x30, 0x00, 0x00, 0x00));

	/* div byte [0x30]: AX 0x0101 / 1 = 0x101 does not fit in AL */
	vec_setup();
	cpu.gpr[REGMAP_RSI] = 1;
	check_de(VEC_RUN(0xf6, 0x34, 0x25, 0x30, 0x00, 0x00, 0x00));

	/* div dword [0x8]: edx 0x03030321 >= divisor 0x02020211 */
	vec_setup();
	check_de(VEC_RUN(0xf7, 0x34, 0x25, 0x08, 0x00, 0x00, 0x00));
}
END_TEST

START_TEST(outside_the_map)
{
	/* div qword [0x1000]: not a map access (never a divide error) */
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x34, 0x25, 0x00, 0x10, 0x00, 0x00), REGMAP_EMU_NOT_MAP);
	want = init;
	check_cpu(0);

	/* mul dword [0x8e]: partly outside */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf7, 0x24, 0x25, 0x8e, 0x00, 0x00, 0x00), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, 0x90);
	want = init;
	check_cpu(0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_muldiv");
	TCase *tc = tcase_create("vectors");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, mul_sizes);
	tcase_add_test(tc, mul_qword_native_flags);
	tcase_add_test(tc, imul_forms);
	tcase_add_test(tc, div_sizes);
	tcase_add_test(tc, idiv_signs);
	tcase_add_test(tc, divide_errors);
	tcase_add_test(tc, outside_the_map);
	suite_add_tcase(s, tc);
	return vec_run_suite(s);
}
