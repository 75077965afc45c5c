/*
 * Fixed vectors for ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT on
 * the map.  Expected values are worked out by hand from the Intel
 * definitions (comments show the arithmetic); flags the SDM leaves
 * undefined are masked out.
 */
#include <check.h>

#include "emu_vec.h"

START_TEST(add_sizes)
{
	/* add qword [0x10], 5: rdx 0x...0321 + 5 = 0x...0326 */
	ck_assert_int_eq(VEC_RUN(0x48, 0x83, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, 0x05), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDX] = 0x0303030303030326ull;
	want.rflags = 0x202;		/* 0x26 has three bits set: PF clear */
	check_cpu(0);

	/* add byte [0x9], 0xff: byte 1 of rcx, 0x02 + 0xff = 0x101 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x80, 0x04, 0x25, 0x09, 0x00, 0x00, 0x00, 0xff), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0x0202020202020111ull;
	want.rflags = 0x202 | CF | AF;
	check_cpu(0);

	/* add qword [0x0], -1: the imm8 is sign-extended to 64 bits */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x83, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00, 0xff), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010100ull;
	want.rflags = 0x202 | CF | PF | AF;
	check_cpu(0);

	/* lock add qword [0x10], 5: LOCK changes nothing */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf0, 0x48, 0x83, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, 0x05),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDX] = 0x0303030303030326ull;
	want.rflags = 0x202;
	check_cpu(0);
}
END_TEST

START_TEST(map_as_source)
{
	/* sub ax, [0x30]: 0x0101 - 0x0761 = 0xf9a0, borrow */
	ck_assert_int_eq(VEC_RUN(0x66, 0x2b, 0x04, 0x25, 0x30, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x010101010101f9a0ull;
	want.rflags = 0x202 | CF | PF | SF;
	check_cpu(0);

	/* add eax, [0x8]: 0x01010101 + 0x02020211; the register write zero-extends */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x03, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x03030312ull;
	want.rflags = 0x202 | PF;
	check_cpu(0);

	/* add ah, [0x8]: 0x01 + 0x11 into bits 8..15 of rax */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x02, 0x24, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101011201ull;
	want.rflags = 0x202 | PF;
	check_cpu(0);

	/* add rax, [0x80]: the rip slot reads the next instruction's address */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x03, 0x04, 0x25, 0x80, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010101ull + VEC_RIP + 8;
	want.rflags = 0x202 | PF;	/* low byte 0x01 + 0x08 = 0x09 */
	check_cpu(0);
}
END_TEST

START_TEST(straddle_and_unaligned)
{
	/*
	 * xor dword [0xe], -1: bytes 0xe-0xf are the top of rcx, 0x10-0x11
	 * the bottom of rdx: 0x03210202 ^ 0xffffffff = 0xfcdefdfd.
	 */
	ck_assert_int_eq(VEC_RUN(0x83, 0x34, 0x25, 0x0e, 0x00, 0x00, 0x00, 0xff), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0xfdfd020202020211ull;
	want.gpr[REGMAP_RDX] = 0x030303030303fcdeull;
	want.rflags = 0x202 | SF;	/* low byte 0xfd: seven bits, PF clear */
	check_cpu(AF);

	/* and word [0x3e], si: top word of rdi 0x0808 & 0x0761 = 0 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x66, 0x21, 0x34, 0x25, 0x3e, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDI] = 0x0000080808080871ull;
	want.rflags = 0x202 | ZF | PF;
	check_cpu(AF);
}
END_TEST

START_TEST(carry_in)
{
	/* adc qword [0x18], rcx with CF set: rbx + rcx + 1 */
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x48, 0x11, 0x0c, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBX] = 0x0606060606060643ull;
	want.rflags = 0x202;
	check_cpu(0);

	/* the same with CF clear */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x11, 0x0c, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBX] = 0x0606060606060642ull;
	want.rflags = 0x202 | PF;
	check_cpu(0);

	/* sbb dword [0x18], 0x10 with CF set: 0x04040431 - 0x10 - 1 */
	vec_setup();
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x83, 0x1c, 0x25, 0x18, 0x00, 0x00, 0x00, 0x10), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBX] = 0x0404040404040420ull;
	want.rflags = 0x202;
	check_cpu(0);
}
END_TEST

START_TEST(flags_only)
{
	/* cmp qword [0x8], rdx: rcx - rdx = 0xfefefefefefefef0, nothing written */
	ck_assert_int_eq(VEC_RUN(0x48, 0x39, 0x14, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | CF | PF | SF;
	check_cpu(0);

	/* test byte [0x0], 0x80: 0x01 & 0x80 = 0 clears CF and OF */
	vec_setup();
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xf6, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00, 0x80), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | ZF | PF;
	check_cpu(AF);
}
END_TEST

START_TEST(rflags_write_wins)
{
	/*
	 * add qword [0x88], 0x40: writes 0x242 (ZF) to rflags; the add's own
	 * flags (ZF clear, PF set) lose against the map write.
	 */
	ck_assert_int_eq(VEC_RUN(0x48, 0x83, 0x04, 0x25, 0x88, 0x00, 0x00, 0x00, 0x40), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x242;
	check_cpu(0);

	/* add qword [0x80], 0x10 jumps 0x10 bytes past the next instruction */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x83, 0x04, 0x25, 0x80, 0x00, 0x00, 0x00, 0x10), REGMAP_EMU_OK);
	expect_next();
	want.rip = VEC_RIP + 9 + 0x10;
	want.rflags = 0x202;		/* low byte 0x09 + 0x10 = 0x19 */
	check_cpu(0);
}
END_TEST

START_TEST(one_operand)
{
	/* inc byte [0x38]: 0x71 -> 0x72, CF kept */
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0xfe, 0x04, 0x25, 0x38, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDI] = 0x0808080808080872ull;
	want.rflags = 0x202 | CF | PF;
	check_cpu(0);

	/* dec qword [0x50]: 0x...0ba1 - 1, CF (clear) kept */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0xff, 0x0c, 0x25, 0x50, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R10] = 0x0b0b0b0b0b0b0ba0ull;
	want.rflags = 0x202 | PF;
	check_cpu(0);

	/* neg qword [0x40]: -0x0909090909090981 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0xf7, 0x1c, 0x25, 0x40, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R8] = 0xf6f6f6f6f6f6f67full;
	want.rflags = 0x202 | CF | AF | SF;
	check_cpu(0);

	/* not word [0x48]: 0x0a91 -> 0xf56e, no flag changes */
	vec_setup();
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0x66, 0xf7, 0x14, 0x25, 0x48, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R9] = 0x0a0a0a0a0a0af56eull;
	check_cpu(0);
}
END_TEST

START_TEST(outside_the_map)
{
	/* add qword [0x1000], 1: not a map access */
	ck_assert_int_eq(VEC_RUN(0x48, 0x83, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00, 0x01),
			 REGMAP_EMU_NOT_MAP);
	ck_assert_uint_eq(res.fault_addr, 0x1000);
	want = init;
	check_cpu(0);

	/* add dword [0x8e], 1: 0x8e-0x91 straddles the end of the map */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x83, 0x04, 0x25, 0x8e, 0x00, 0x00, 0x00, 0x01), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, 0x90);
	want = init;
	check_cpu(0);
}
END_TEST

static Suite *alu_suite(void)
{
	Suite *s = suite_create("emu_alu");
	TCase *tc = tcase_create("vectors");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, add_sizes);
	tcase_add_test(tc, map_as_source);
	tcase_add_test(tc, straddle_and_unaligned);
	tcase_add_test(tc, carry_in);
	tcase_add_test(tc, flags_only);
	tcase_add_test(tc, rflags_write_wins);
	tcase_add_test(tc, one_operand);
	tcase_add_test(tc, outside_the_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vec_run_suite(alu_suite());
}
