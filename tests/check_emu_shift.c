/*
 * Fixed vectors for SHL/SAL SHR SAR ROL ROR RCL RCR SHLD SHRD on the map:
 * implicit-1, imm8 and CL counts, count masking, a count of 0, carry in,
 * straddling words and the rflags slot.  Expected values are worked out
 * from the Intel definitions; where the SDM leaves flags undefined, the
 * CPU itself (the same instruction on a register) is the oracle.
 */
#include <check.h>

#include "emu_vec.h"

/*
 * The CPU's own shl %cl, %al with the arithmetic flags in *flags.  The
 * red zone is stepped over before pushing.
 */
static uint8_t native_shlb(uint8_t val, uint8_t count, uint64_t *flags)
{
	uint64_t f = (*flags & ARITH) | 0x202;

	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
			 "push %[f]\n\tpopfq\n\t"
			 "shlb %%cl, %[v]\n\t"
			 "pushfq\n\tpop %[f]\n\t"
			 "lea 128(%%rsp), %%rsp"
			 : [v] "+q"(val), [f] "+r"(f)
			 : "c"(count)
			 : "cc", "memory");
	*flags = f;
	return val;
}

START_TEST(implicit_one)
{
	/* shl qword [0x0], 1 (D1 /4) */
	ck_assert_int_eq(VEC_RUN(0x48, 0xd1, 0x24, 0x25, 0x00, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0202020202020202ull;
	want.rflags = 0x202;
	check_cpu(AF);

	/* D0 /6, the SAL alias: shl byte [0x8], 1: 0x11 -> 0x22 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xd0, 0x34, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0x0202020202020222ull;
	want.rflags = 0x202 | PF;
	check_cpu(AF);
}
END_TEST

START_TEST(imm_and_cl_counts)
{
	/* shr dword [0x8], 4: 0x02020211 -> 0x00202021, 4-byte write only */
	ck_assert_int_eq(VEC_RUN(0xc1, 0x2c, 0x25, 0x08, 0x00, 0x00, 0x00, 0x04), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0x0202020200202021ull;
	want.rflags = 0x202 | PF;
	check_cpu(OF | AF);

	/* sar word [0x16], cl with cl = 35, masked to 3: 0x8003 -> 0xf000 */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 0x23;
	cpu.gpr[REGMAP_RDX] = 0x8003030303030321ull;
	ck_assert_int_eq(VEC_RUN(0x66, 0xd3, 0x3c, 0x25, 0x16, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDX] = 0xf000030303030321ull;
	want.rflags = 0x202 | PF | SF;
	check_cpu(OF | AF);

	/* shl qword [0x18], cl with cl = 64: masked to 0, nothing changes */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 0x40;
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0x48, 0xd3, 0x24, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	check_cpu(0);
}
END_TEST

START_TEST(count_beyond_width)
{
	uint64_t flags = CF | OF;
	uint8_t r;

	/* shl byte [0x8], 9: the count is masked to 5 bits, not 3: result 0 */
	cpu.rflags |= CF | OF;
	ck_assert_int_eq(VEC_RUN(0xc0, 0x24, 0x25, 0x08, 0x00, 0x00, 0x00, 0x09), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0x0202020202020200ull;
	/* CF, OF and AF are undefined here: the flags must be the CPU's */
	r = native_shlb(0x11, 9, &flags);
	ck_assert_uint_eq(r, 0);
	want.rflags = (init.rflags & ~(uint64_t)ARITH) | (flags & ARITH);
	ck_assert_uint_eq(want.rflags & (ZF | PF | SF), ZF | PF);
	check_cpu(0);
}
END_TEST

START_TEST(rotates)
{
	/* rol byte [0x19], 4: 0x04 -> 0x40; only CF (and OF) change */
	cpu.rflags |= CF | PF | AF | ZF | SF;
	ck_assert_int_eq(VEC_RUN(0xc0, 0x04, 0x25, 0x19, 0x00, 0x00, 0x00, 0x04), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBX] = 0x0404040404044031ull;
	want.rflags = 0x202 | PF | AF | ZF | SF;
	check_cpu(OF);

	/* rcl qword [0x28], 1 with CF set: the old top bit goes to CF */
	vec_setup();
	cpu.gpr[REGMAP_RBP] = 0x8000000000000001ull;
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x48, 0xd1, 0x14, 0x25, 0x28, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBP] = 3;
	want.rflags = 0x202 | CF | OF;	/* OF = top bit of the result ^ CF */
	check_cpu(0);

	/* rcr word [0x28], 1 with CF set: 0x0651 -> 0x8328 */
	vec_setup();
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x66, 0xd1, 0x1c, 0x25, 0x28, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBP] = 0x0606060606068328ull;
	want.rflags = 0x202 | CF | OF;
	check_cpu(0);

	/*
	 * ror dword [0x2e], cl with cl = 8: bytes 0x2e-0x31 are the top of
	 * rbp and the bottom of rsi: 0x07610606 -> 0x06076106.
	 */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 8;
	cpu.rflags |= CF | ZF;
	ck_assert_int_eq(VEC_RUN(0xd3, 0x0c, 0x25, 0x2e, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RBP] = 0x6106060606060651ull;
	want.gpr[REGMAP_RSI] = 0x0707070707070607ull;
	want.rflags = 0x202 | ZF;	/* CF = top bit of the result */
	check_cpu(OF);
}
END_TEST

START_TEST(double_shifts)
{
	/* shld dword [0x30], ecx, 8: 0x07070761 << 8 | 0x02020211 >> 24 */
	ck_assert_int_eq(VEC_RUN(0x0f, 0xa4, 0x0c, 0x25, 0x30, 0x00, 0x00, 0x00, 0x08), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RSI] = 0x0707070707076102ull;
	want.rflags = 0x202 | CF;	/* CF = bit 24 of the old value */
	check_cpu(OF | AF);

	/* shrd qword [0x38], rdx, cl with cl = 4: low nibble of rdx enters at the top */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 4;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xad, 0x14, 0x25, 0x38, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDI] = 0x1080808080808087ull;
	want.rflags = 0x202 | PF;
	check_cpu(OF | AF);
}
END_TEST

START_TEST(rflags_and_statuses)
{
	/*
	 * shl qword [0x88], 1 with rflags 0x203: writes 0x406 (PF, DF) over
	 * the shift's own flags; IF and bit 1 are not writable and stay.
	 */
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x48, 0xd1, 0x24, 0x25, 0x88, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x606;
	check_cpu(0);

	/* shl dword [0x8e], 1: partly outside the map */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xd1, 0x24, 0x25, 0x8e, 0x00, 0x00, 0x00), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, 0x90);
	want = init;
	check_cpu(0);

	/* shl qword [0x1000], cl: not a map access */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0xd3, 0x24, 0x25, 0x00, 0x10, 0x00, 0x00), REGMAP_EMU_NOT_MAP);
	want = init;
	check_cpu(0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_shift");
	TCase *tc = tcase_create("vectors");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, implicit_one);
	tcase_add_test(tc, imm_and_cl_counts);
	tcase_add_test(tc, count_beyond_width);
	tcase_add_test(tc, rotates);
	tcase_add_test(tc, double_shifts);
	tcase_add_test(tc, rflags_and_statuses);
	suite_add_tcase(s, tc);
	return vec_run_suite(s);
}
