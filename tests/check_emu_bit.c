/*
 * Fixed vectors for BT BTS BTR BTC (immediate and register bit offsets)
 * and BSF BSR TZCNT LZCNT POPCNT on the map.  A register bit offset is
 * signed and addresses the bit string as memory does (regmap(7)), so it
 * can reach a neighbouring register or leave the map.  Flags the SDM
 * leaves undefined are masked, except where the CPU itself is the oracle;
 * so are results the SDM leaves undefined (a zero source of BSF/BSR) and
 * the instructions that depend on the CPU (TZCNT, LZCNT).
 */
#include <check.h>

#include "emu_vec.h"

/* flags BT* leave undefined (ZF is unaffected) */
#define BT_UNDEF (OF | SF | AF | PF)

static void check_status(enum regmap_emu_status st, enum regmap_emu_status expect,
			 uint64_t fault_addr)
{
	ck_assert_int_eq(st, expect);
	ck_assert_uint_eq(res.fault_addr, fault_addr);
	want = init;
	check_cpu(0);
}

START_TEST(bt_immediate)
{
	/* bt dword [0x0], 3: bit 3 of 0x01010101 is clear; ZF unaffected */
	cpu.rflags |= CF | ZF;
	ck_assert_int_eq(VEC_RUN(0x0f, 0xba, 0x24, 0x25, 0x00, 0x00, 0x00, 0x00, 0x03), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | ZF;
	check_cpu(BT_UNDEF);

	/* bts qword [0x8], 63 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xba, 0x2c, 0x25, 0x08, 0x00, 0x00, 0x00, 0x3f),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 0x8202020202020211ull;
	want.rflags = 0x202;
	check_cpu(BT_UNDEF);

	/* btr word [0x10], 0x15: the immediate is masked to 5; bit 5 of 0x0321 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x66, 0x0f, 0xba, 0x34, 0x25, 0x10, 0x00, 0x00, 0x00, 0x15),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDX] = 0x0303030303030301ull;
	want.rflags = 0x202 | CF;
	check_cpu(BT_UNDEF);

	/*
	 * bts qword [0x88], 11 with CF set: the BTS itself clears CF, but
	 * the map write of rflags | OF (CF included) wins.
	 */
	vec_setup();
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xba, 0x2c, 0x25, 0x88, 0x00, 0x00, 0x00, 0x0b),
			 REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x203 | OF;
	check_cpu(0);
}
END_TEST

START_TEST(bt_register_offset)
{
	/* btc qword [0x0], rcx with rcx = 72: bit 8 of the qword at 0x8, rcx itself */
	cpu.gpr[REGMAP_RCX] = 72;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xbb, 0x0c, 0x25, 0x00, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RCX] = 72 | 0x100;
	want.rflags = 0x202;
	check_cpu(BT_UNDEF);

	/* bt dword [0x10], edi with edi = -1: bit 31 of the dword at 0xc (top of rcx) */
	vec_setup();
	cpu.gpr[REGMAP_RDI] = 0xffffffffull;
	cpu.gpr[REGMAP_RCX] = 0x8000000000000000ull;
	ck_assert_int_eq(VEC_RUN(0x0f, 0xa3, 0x3c, 0x25, 0x10, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | CF;
	check_cpu(BT_UNDEF);

	/* bt qword [0x100], rax with rax = -0x780: bit 0 of the qword at 0x10 */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = (uint64_t)-0x780ll;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xa3, 0x04, 0x25, 0x00, 0x01, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | CF;
	check_cpu(BT_UNDEF);

	/* bt qword [0x88], rax with rax = 11: reads OF from the rflags slot */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 11;
	cpu.rflags |= OF;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xa3, 0x04, 0x25, 0x88, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.rflags = 0x202 | OF | CF;
	check_cpu(BT_UNDEF);
}
END_TEST

START_TEST(bt_word_offsets)
{
	/*
	 * lock bts word [0x40], dx with dx = 0x31 (upper bits of rdx ignored):
	 * bit 1 of the word at 0x46, the top of r8: 0x0909 -> 0x090b.
	 */
	cpu.gpr[REGMAP_RDX] = 0x1234000000000031ull;
	ck_assert_int_eq(VEC_RUN(0x66, 0xf0, 0x0f, 0xab, 0x14, 0x25, 0x40, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_R8] = 0x090b090909090981ull;
	want.rflags = 0x202;
	check_cpu(BT_UNDEF);

	/* the same with dx = -16: bit 0 of the word at 0x3e, the top of rdi */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = 0x123400000000fff0ull;
	ck_assert_int_eq(VEC_RUN(0x66, 0xf0, 0x0f, 0xab, 0x14, 0x25, 0x40, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RDI] = 0x0809080808080871ull;
	want.rflags = 0x202;
	check_cpu(BT_UNDEF);
}
END_TEST

START_TEST(bt_statuses)
{
	/* bts qword [0x8], rax with rax = -65: the qword at -8, outside */
	cpu.gpr[REGMAP_RAX] = (uint64_t)-65ll;
	check_status(VEC_RUN(0x48, 0x0f, 0xab, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
		     REGMAP_EMU_NOT_MAP, (uint64_t)-8ll);

	/* bt qword [0x88], rax with rax = 64: the qword at 0x90, outside */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 64;
	check_status(VEC_RUN(0x48, 0x0f, 0xa3, 0x04, 0x25, 0x88, 0x00, 0x00, 0x00),
		     REGMAP_EMU_NOT_MAP, 0x90);

	/* bt dword [0x8e], eax with eax = 0: 0x8e-0x91 straddles the end */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 0;
	check_status(VEC_RUN(0x0f, 0xa3, 0x04, 0x25, 0x8e, 0x00, 0x00, 0x00),
		     REGMAP_EMU_PARTIAL, 0x90);

	/* ... and with eax = 32 the dword at 0x92 is wholly outside */
	vec_setup();
	cpu.gpr[REGMAP_RAX] = 32;
	check_status(VEC_RUN(0x0f, 0xa3, 0x04, 0x25, 0x8e, 0x00, 0x00, 0x00),
		     REGMAP_EMU_NOT_MAP, 0x92);
}
END_TEST

/*
 * The CPU's own insn (AT&T, source %[s], destination rax at some size) on
 * a whole rax, with the arithmetic flags of flags: the result and every
 * flag, the undefined ones included, as this CPU leaves them.  The red
 * zone is stepped over before pushing.
 */
#define NATIVE_RAX(insn, rax, src, flags) ({ \
	uint64_t a_ = (rax), f_ = ((flags) & ARITH) | 0x202; \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t" \
			 "push %[f]\n\tpopfq\n\t" \
			 insn "\n\t" \
			 "pushfq\n\tpop %[f]\n\t" \
			 "lea 128(%%rsp), %%rsp" \
			 : "+a"(a_), [f] "+r"(f_) : [s] "r"((uint64_t)(src)) : "cc", "memory"); \
	(flags) = f_; \
	a_; })

/* want := the state before, rip past the insn, dst and the flags from a native run */
#define EXPECT_NATIVE(reg, insn, src) do { \
	uint64_t fl_ = init.rflags; \
	expect_next(); \
	want.gpr[reg] = NATIVE_RAX(insn, init.gpr[reg], src, fl_); \
	want.rflags = (init.rflags & ~(uint64_t)ARITH) | (fl_ & ARITH); \
} while (0)

START_TEST(scans)
{
	/* bsf eax, [0x8]: 0x02020211 -> 0, zero-extended */
	ck_assert_int_eq(VEC_RUN(0x0f, 0xbc, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 0;
	want.rflags = 0x202;
	check_cpu(ARITH & ~ZF);

	/* bsr rax, [0x10]: top set bit of 0x0303030303030321 is 57 */
	vec_setup();
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xbd, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 57;
	want.rflags = 0x202;
	check_cpu(ARITH & ~ZF);

	/*
	 * A zero source: ZF is set, and the destination is what the CPU
	 * leaves (the SDM: undefined; AMD: unchanged; Intel: unchanged, the
	 * 32-bit form zero-extending), flags and all: from a native BSF.
	 */
	/* bsf rax, [0x18] with rbx = 0 */
	vec_setup();
	cpu.gpr[REGMAP_RBX] = 0;
	ck_assert_int_eq(VEC_RUN(0x48, 0x0f, 0xbc, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RAX, "bsfq %[s], %%rax", 0);
	ck_assert_uint_eq(want.rflags & ZF, ZF);
	check_cpu(0);

	/* bsf eax, [0x18] with rbx = 0 */
	vec_setup();
	cpu.gpr[REGMAP_RBX] = 0;
	ck_assert_int_eq(VEC_RUN(0x0f, 0xbc, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RAX, "bsfl %k[s], %%eax", 0);
	ck_assert_uint_eq(want.rflags & ZF, ZF);
	check_cpu(0);

	/* bsr ax, [0x18] with rbx = 0 */
	vec_setup();
	cpu.gpr[REGMAP_RBX] = 0;
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0x66, 0x0f, 0xbd, 0x04, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RAX, "bsrw %w[s], %%ax", 0);
	ck_assert_uint_eq(want.rflags & ZF, ZF);
	check_cpu(0);
}
END_TEST

/*
 * TZCNT and LZCNT run on every CPU: without BMI1 (TZCNT) or LZCNT, the
 * F3 prefix is ignored and the same bytes are BSF and BSR, in the target
 * as here.  So the expected values come from the same instruction run
 * natively, on the same operands.
 */
START_TEST(zero_counts)
{
	/* tzcnt ax, [0x10]: 0x0321 has bit 0 set: 0 with TZCNT (ZF), 0 with BSF */
	cpu.rflags |= CF;
	ck_assert_int_eq(VEC_RUN(0x66, 0xf3, 0x0f, 0xbc, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RAX, "tzcntw %w[s], %%ax", init.gpr[REGMAP_RDX]);
	ck_assert_uint_eq(want.gpr[REGMAP_RAX], 0x0101010101010000ull);
	check_cpu(0);

	/* lzcnt ecx, [0x18] with rbx = 0: 32 and CF with LZCNT; BSR's zero source without */
	vec_setup();
	cpu.gpr[REGMAP_RBX] = 0;
	ck_assert_int_eq(VEC_RUN(0xf3, 0x0f, 0xbd, 0x0c, 0x25, 0x18, 0x00, 0x00, 0x00), REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RCX, "lzcntl %k[s], %%eax", 0);
	check_cpu(0);

	/* lzcnt rdx, [0x8]: 0x0202020202020211: 6 (LZCNT) or 57 (BSR) */
	vec_setup();
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xf3, 0x48, 0x0f, 0xbd, 0x14, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	EXPECT_NATIVE(REGMAP_RDX, "lzcntq %[s], %%rax", init.gpr[REGMAP_RCX]);
	ck_assert(want.gpr[REGMAP_RDX] == 6 || want.gpr[REGMAP_RDX] == 57);
	check_cpu(0);
}
END_TEST

START_TEST(population_count)
{
	/* popcnt rax, [0x8]: 0x0202020202020211 has 9 bits; every flag cleared */
	cpu.rflags |= ARITH;
	ck_assert_int_eq(VEC_RUN(0xf3, 0x48, 0x0f, 0xb8, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00),
			 REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = 9;
	want.rflags = 0x202;
	check_cpu(0);

	/* popcnt r11d, [0x8e]: partly outside */
	vec_setup();
	check_status(VEC_RUN(0xf3, 0x44, 0x0f, 0xb8, 0x1c, 0x25, 0x8e, 0x00, 0x00, 0x00),
		     REGMAP_EMU_PARTIAL, 0x90);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_bit");
	TCase *tc = vec_tcase(s, "bit", 0);
	TCase *pop = vec_tcase(s, "popcnt", VEC_CPU_POPCNT);

	tcase_add_test(tc, bt_immediate);
	tcase_add_test(tc, bt_register_offset);
	tcase_add_test(tc, bt_word_offsets);
	tcase_add_test(tc, bt_statuses);
	tcase_add_test(tc, scans);
	tcase_add_test(tc, zero_counts);
	tcase_add_test(pop, population_count);
	return vec_run_suite(s);
}
