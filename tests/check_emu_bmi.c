/*
 * Fixed vectors for the BMI1/BMI2 instructions, ADCX/ADOX and CRC32 with
 * a map operand.  Expected values come from small reference
 * implementations of the Intel definitions written here (PDEP, PEXT,
 * CRC32C); flags the SDM leaves undefined are masked.
 */
#include <check.h>

#include "emu_vec.h"

/* PDEP: the low bits of src go, in order, to the set bits of mask. */
static uint64_t ref_pdep(uint64_t src, uint64_t mask)
{
	uint64_t r = 0;

	for (unsigned i = 0, k = 0; i < 64; i++)
		if (mask >> i & 1)
			r |= (src >> k++ & 1) << i;
	return r;
}

/* PEXT: the bits of src under the set bits of mask, packed low. */
static uint64_t ref_pext(uint64_t src, uint64_t mask)
{
	uint64_t r = 0;

	for (unsigned i = 0, k = 0; i < 64; i++)
		if (mask >> i & 1)
			r |= (src >> i & 1) << k++;
	return r;
}

/* CRC32 as the instruction defines it: CRC-32C, reflected, no inversion. */
static uint32_t ref_crc32c(uint32_t crc, uint64_t data, unsigned bytes)
{
	for (unsigned b = 0; b < bytes; b++) {
		crc ^= (data >> (8 * b)) & 0xff;
		for (int i = 0; i < 8; i++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
	}
	return crc;
}

START_TEST(bmi1)
{
	/* andn rax, rcx, [0x10]: ~rcx & rdx */
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xf0, 0xf2, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0101010101010120ull;
	want.rflags = 0x202;
	check_cpu(AF | PF);

	/* bextr eax, [0x8], edx with start 4, length 8: (0x02020211 >> 4) & 0xff */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x0804;
	cpu.rflags |= CF | OF;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0x68, 0xf7, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x21;
	want.rflags = 0x202;
	check_cpu(AF | SF | PF);

	/* blsi rax, [0x10]: lowest set bit of rdx; CF for a non-zero source */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xf8, 0xf3, 0x1c, 0x25, 0x10, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 1;
	want.rflags = 0x202 | CF;
	check_cpu(AF | PF);

	/* blsmsk ecx, [0x18]: 0x04040431 ^ 0x04040430, zero-extended */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0x70, 0xf3, 0x14, 0x25, 0x18, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 1;
	want.rflags = 0x202;
	check_cpu(AF | PF);

	/* blsr rdx, [0x0]: rax & (rax - 1) */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xe8, 0xf3, 0x0c, 0x25, 0x00, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDX] = 0x0101010101010100ull;
	want.rflags = 0x202;
	check_cpu(AF | PF);
}
END_TEST

START_TEST(bzhi_pdep_pext)
{
	/* bzhi rax, [0x8], rdx with index 12 */
	cpu.gpr[REGMAP_RDX] = 12;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xe8, 0xf5, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x211;
	want.rflags = 0x202;
	check_cpu(AF | PF);

	/* ... with index 128 (>= 64): source unchanged, CF set */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x80;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xe8, 0xf5, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.rflags = 0x202 | CF;
	check_cpu(AF | PF);

	/* pdep rax, rcx, [0x10]: no flag changes */
	vec_setup();
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xf3, 0xf5, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_pdep(init.gpr[REGMAP_RCX], init.gpr[REGMAP_RDX]);
	check_cpu(0);

	/* pext eax, ecx, [0x10] */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0x72, 0xf5, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_pext((uint32_t)init.gpr[REGMAP_RCX],
					(uint32_t)init.gpr[REGMAP_RDX]);
	check_cpu(0);
}
END_TEST

START_TEST(bmi2_shifts)
{
	/* sarx eax, [0x0], ecx with ecx = 36, masked to 4: 0xf0000000 -> 0xff000000 */
	cpu.gpr[REGMAP_RAX] = 0x12345678f0000000ull;
	cpu.gpr[REGMAP_RCX] = 36;
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0x72, 0xf7, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0xff000000ull;
	check_cpu(0);

	/* shlx rax, [0x8], rdx with rdx = 0x44, masked to 4 */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x44;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xe9, 0xf7, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x2020202020202110ull;
	check_cpu(0);

	/* shrx rax, [0xc], rdx: the qword at 0xc is the top of rcx and the bottom of rdx */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x44;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xeb, 0xf7, 0x04, 0x25, 0x0c, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0000004402020202ull >> 4;
	check_cpu(0);

	/* rorx eax, [0x8], 8 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe3, 0x7b, 0xf0, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00, 0x08),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x11020202ull;
	check_cpu(0);

	/* rorx rax, [0x8], 68: the count is masked to 4 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe3, 0xfb, 0xf0, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00, 0x44),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x1020202020202021ull;
	check_cpu(0);
}
END_TEST

START_TEST(mulx)
{
	unsigned __int128 p = (unsigned __int128)0x0303030303030321ull * 0x0404040404040431ull;
	uint64_t q = (uint64_t)0x03030321 * 0x04040431;

	/* mulx rax, rcx, [0x18]: rdx * rbx, high half to rax, low to rcx; no flags */
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xf3, 0xf6, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = (uint64_t)(p >> 64);
	want.gpr[REGMAP_RCX] = (uint64_t)p;
	check_cpu(0);

	/* mulx rax, rax, [0x18]: both halves to rax, the high half stays */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xfb, 0xf6, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = (uint64_t)(p >> 64);
	check_cpu(0);

	/* mulx r8d, r9d, [0x18]: edx * ebx, zero-extended halves */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xc4, 0x62, 0x33, 0xf6, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R8] = q >> 32;
	want.gpr[REGMAP_R9] = (uint32_t)q;
	check_cpu(0);
}
END_TEST

START_TEST(adx)
{
	/* adcx rax, [0x8] with CF: rax + rcx + 1; only CF may change */
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0x66, 0x48, 0x0f, 0x38, 0xf6, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x0303030303030313ull;
	want.rflags = init.rflags & ~(uint64_t)CF;
	check_cpu(0);

	/* adox eax, [0x8] with OF: the carry goes through OF; CF, ZF untouched */
	vec_setup();
	cpu.rflags |= CF | OF | ZF;
	ck_assert_int_eq(VEC_RUN(0xf3, 0x0f, 0x38, 0xf6, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0x03030313ull;
	want.rflags = 0x202 | CF | ZF;
	check_cpu(0);

	/* adox eax, [0x8] with a carry out of bit 31: OF set, eax wraps */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0xfffffffffefefefeull;
	ck_assert_int_eq(VEC_RUN(0xf3, 0x0f, 0x38, 0xf6, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = (uint32_t)(0xfefefefeu + 0x02020211u);
	want.rflags = 0x202 | OF;
	check_cpu(0);
}
END_TEST

START_TEST(crc32)
{
	uint64_t rcx = 0x0202020202020211ull;

	/* crc32 eax, byte [0x8] */
	ck_assert_int_eq(VEC_RUN(0xf2, 0x0f, 0x38, 0xf0, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_crc32c(0x01010101, rcx, 1);
	check_cpu(0);

	/* crc32 eax, word [0x8] */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x66, 0xf2, 0x0f, 0x38, 0xf1, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_crc32c(0x01010101, rcx, 2);
	check_cpu(0);

	/* crc32 eax, dword [0x8] */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf2, 0x0f, 0x38, 0xf1, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_crc32c(0x01010101, rcx, 4);
	check_cpu(0);

	/* crc32 rax, qword [0x8]: only the low 32 bits of rax are the crc */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf2, 0x48, 0x0f, 0x38, 0xf1, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_crc32c(0x01010101, rcx, 8);
	check_cpu(0);

	/* crc32 rax, byte [0x8]: a byte source with a 64-bit destination */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0xf2, 0x48, 0x0f, 0x38, 0xf0, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = ref_crc32c(0x01010101, rcx, 1);
	check_cpu(0);
}
END_TEST

START_TEST(outside_the_map)
{
	/* andn rax, rcx, [0x8c]: partly outside */
	ck_assert_int_eq(VEC_RUN(0xc4, 0xe2, 0xf0, 0xf2, 0x04, 0x25, 0x8c, 0x00, 0x00, 0x00),
			 REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, 0x90);
	want = init;
	check_cpu(0);
}
END_TEST

/* the emulator runs these on the CPU, as the target would: a group per CPU feature */
int main(void)
{
	Suite *s = suite_create("emu_bmi");
	TCase *bmi1_tc = vec_tcase(s, "bmi1", VEC_CPU_BMI1);
	TCase *bmi2_tc = vec_tcase(s, "bmi2", VEC_CPU_BMI2);
	TCase *adx_tc = vec_tcase(s, "adx", VEC_CPU_ADX);
	TCase *crc_tc = vec_tcase(s, "crc32", VEC_CPU_SSE42);

	tcase_add_test(bmi1_tc, bmi1);
	tcase_add_test(bmi1_tc, outside_the_map);
	tcase_add_test(bmi2_tc, bzhi_pdep_pext);
	tcase_add_test(bmi2_tc, bmi2_shifts);
	tcase_add_test(bmi2_tc, mulx);
	tcase_add_test(adx_tc, adx);
	tcase_add_test(crc_tc, crc32);
	return vec_run_suite(s);
}
