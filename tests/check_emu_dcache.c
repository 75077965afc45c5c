/*
 * The decode cache's core (emulator/dcache.c), which regmap-run and
 * libregmap both use: an entry answers only for the same rip and the
 * same instruction bytes, and keeps only instructions that can run.
 */
#include <check.h>
#include <string.h>

#include "emu_vec.h"

/* mov rax, [0x10] and mov rax, [0x18]: same length, one byte differs */
static const uint8_t load_rdx[] = { 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0 };
static const uint8_t load_rbx[] = { 0x48, 0x8b, 0x04, 0x25, 0x18, 0, 0, 0 };

START_TEST(hit_needs_same_rip_and_bytes)
{
	struct regmap_emu_dcache_entry e;
	bool hit = true;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, load_rdx, sizeof(load_rdx), &hit),
			 REGMAP_EMU_OK);
	ck_assert(!hit);
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, load_rdx, sizeof(load_rdx), &hit),
			 REGMAP_EMU_OK);
	ck_assert(hit);
	/* trailing bytes after the instruction do not matter */
	{
		uint8_t more[15] = { 0 };

		memcpy(more, load_rdx, sizeof(load_rdx));
		more[sizeof(load_rdx)] = 0xcc;
		regmap_emu_dcache_get(&e, VEC_RIP, more, sizeof(more), &hit);
		ck_assert(hit);
	}
	/* another address with the same bytes: decoded again */
	regmap_emu_dcache_get(&e, VEC_RIP + 16, load_rdx, sizeof(load_rdx), &hit);
	ck_assert(!hit);
	/* changed code at the same address: decoded again, and it is the new one */
	regmap_emu_dcache_get(&e, VEC_RIP + 16, load_rbx, sizeof(load_rbx), &hit);
	ck_assert(!hit);
	ck_assert_int_eq(regmap_emu_execute(&e.insn, &cpu, &vec_mem_ops, NULL), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX], init.gpr[REGMAP_RBX]);
	/* fewer bytes than the instruction: never a hit */
	regmap_emu_dcache_get(&e, VEC_RIP + 16, load_rbx, 4, &hit);
	ck_assert(!hit);
}
END_TEST

START_TEST(unsupported_and_bad_not_kept)
{
	struct regmap_emu_dcache_entry e;
	/* rdtsc: decodes, but regmap has no handler for it */
	static const uint8_t rdtsc[] = { 0x0f, 0x31 };
	static const uint8_t bad[] = { 0x06 };	/* push es: invalid in 64-bit mode */
	char text[64];
	bool hit;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, rdtsc, sizeof(rdtsc), &hit),
			 REGMAP_EMU_UNSUPPORTED);
	regmap_emu_format(&e.insn, VEC_RIP, text, sizeof(text));
	ck_assert_str_eq(text, "rdtsc");
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, rdtsc, sizeof(rdtsc), &hit),
			 REGMAP_EMU_UNSUPPORTED);
	ck_assert(!hit);
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, bad, sizeof(bad), &hit),
			 REGMAP_EMU_BAD_INSN);
	ck_assert(!hit);
	ck_assert_int_eq(regmap_emu_dcache_get(&e, VEC_RIP, bad, sizeof(bad), &hit),
			 REGMAP_EMU_BAD_INSN);
	ck_assert(!hit);
}
END_TEST

START_TEST(slots_in_range)
{
	for (unsigned bits = 1; bits <= 16; bits++)
		for (uint64_t rip = 0x400000; rip < 0x400000 + 4096; rip += 7)
			ck_assert_uint_lt(regmap_emu_dcache_slot(rip, bits), 1u << bits);
	/* consecutive instructions of a loop do not share a slot */
	ck_assert_uint_ne(regmap_emu_dcache_slot(0x401000, 6), regmap_emu_dcache_slot(0x401008, 6));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_dcache");
	TCase *tc = tcase_create("dcache");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, hit_needs_same_rip_and_bytes);
	tcase_add_test(tc, unsupported_and_bad_not_kept);
	tcase_add_test(tc, slots_in_range);
	suite_add_tcase(s, tc);
	return vec_run_suite(s);
}
