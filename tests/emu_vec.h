/*
 * Fixed-vector harness for the emulator's Check tests: a known register
 * state, a small fake target memory, one call that runs instruction
 * bytes through regmap_emu_step(), and the state, checks and main() the
 * test programs share.
 */
#ifndef REGMAP_TEST_EMU_VEC_H
#define REGMAP_TEST_EMU_VEC_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

/* Address of the instruction in every vector. */
#define VEC_RIP		0x401000ull

/* The fake target memory: VEC_MEM_SIZE bytes at VEC_MEM_BASE. */
#define VEC_MEM_BASE	0x7ff000000000ull
#define VEC_MEM_SIZE	4096
extern uint8_t vec_mem[VEC_MEM_SIZE];
extern const struct regmap_emu_mem vec_mem_ops;

/*
 * A known state: gpr[i] = 0x0101010101010101 * (i + 1) with byte 0 = 0x10*i+1
 * (distinct bytes everywhere), rsp = VEC_MEM_BASE + VEC_MEM_SIZE / 2,
 * rip = VEC_RIP, rflags = 0x202, fs/gs base 0.  vec_mem is zeroed.
 */
void vec_init(struct regmap_cpu *cpu);

/* Run bytes[0..len) at cpu->rip; res may be NULL. */
enum regmap_emu_status vec_exec(struct regmap_cpu *cpu, const uint8_t *bytes,
				size_t len, struct regmap_emu_result *res);

/* VEC_EXEC(&cpu, 0x48, 0x8b, ...) runs the listed bytes. */
#define VEC_EXEC(cpu, ...) ({ \
	static const uint8_t vec_b_[] = { __VA_ARGS__ }; \
	vec_exec((cpu), vec_b_, sizeof vec_b_, NULL); })

/* Flag shorthands for expected rflags. */
#define CF	REGMAP_FLAGS_CF
#define PF	REGMAP_FLAGS_PF
#define AF	REGMAP_FLAGS_AF
#define ZF	REGMAP_FLAGS_ZF
#define SF	REGMAP_FLAGS_SF
#define DF	REGMAP_FLAGS_DF
#define OF	REGMAP_FLAGS_OF
#define ARITH	REGMAP_FLAGS_ARITH

/*
 * The state a test works on: cpu is what runs, init the state before
 * (set by vec_setup() and VEC_RUN, or by the test), want the state the
 * test expects; res and len come from the last VEC_RUN.
 */
extern struct regmap_cpu cpu, init, want;
extern struct regmap_emu_result res;
extern size_t len;

/* The fixture: vec_init(&cpu), and init = cpu. */
void vec_setup(void);

/* VEC_RUN(0x48, 0x8b, ...) runs the listed bytes on cpu; init keeps the state before. */
#define VEC_RUN(...) ({ \
	static const uint8_t vec_b_[] = { __VA_ARGS__ }; \
	init = cpu; \
	len = sizeof(vec_b_); \
	vec_exec(&cpu, vec_b_, sizeof(vec_b_), &res); })

/* The state after an instruction of insn_len bytes that changed nothing else. */
struct regmap_cpu next(unsigned insn_len);

/* want := the state before the last VEC_RUN, with rip past the instruction */
void expect_next(void);

/* size bytes at map offset off of state c */
uint64_t map_get(const struct regmap_cpu *c, unsigned off, unsigned size);

/*
 * a == b in every GPR, rip and rflags, except the rflags bits in undef.
 * Macros, so that a failure names the line of the check.
 */
#define ck_assert_cpu_eq_except(a, b, undef) do { \
	uint64_t undef_ = (undef); \
	for (int i_ = 0; i_ < 16; i_++) \
		ck_assert_msg((a).gpr[i_] == (b).gpr[i_], "gpr[%d]: got %#llx, want %#llx", \
			      i_, (unsigned long long)(a).gpr[i_], (unsigned long long)(b).gpr[i_]); \
	ck_assert_uint_eq((a).rip, (b).rip); \
	ck_assert_msg(((a).rflags & ~undef_) == ((b).rflags & ~undef_), \
		      "rflags: got %#llx, want %#llx (ignoring %#llx)", \
		      (unsigned long long)(a).rflags, (unsigned long long)(b).rflags, \
		      (unsigned long long)undef_); \
} while (0)

#define ck_assert_cpu_eq(a, b)	ck_assert_cpu_eq_except(a, b, 0)

/* cpu == want, ignoring the rflags bits in undef */
#define check_cpu(undef)	ck_assert_cpu_eq_except(cpu, want, undef)

/*
 * CPU features a group of tests needs: the emulator runs the instruction
 * on the CPU, as the target would, so on a CPU without it there is
 * nothing to compare (the target would get SIGILL, not SIGSEGV).
 */
#define VEC_CPU_POPCNT	0x01
#define VEC_CPU_BMI1	0x02
#define VEC_CPU_BMI2	0x04
#define VEC_CPU_ADX	0x08
#define VEC_CPU_SSE42	0x10	/* CRC32 */
#define VEC_CPU_AVX	0x20	/* AVX, with its state enabled by the OS (XCR0) */
#define VEC_CPU_AVX512	0x40	/* AVX-512 F, with its state enabled by the OS */
#define VEC_CPU_AVX2	0x80	/* AVX2, with AVX's state enabled by the OS */

/*
 * Run fn(arg) natively and say whether it raised SIGSEGV (caught, and the
 * previous handler put back): for expectations that depend on what this
 * CPU does with an access or a jump where nothing is mapped.
 */
bool vec_native_segv(void (*fn)(void *), void *arg);

/* The name of a feature in need that this CPU lacks, or NULL if it has them all. */
const char *vec_cpu_lacks(unsigned need);

/*
 * A group of tests (a TCase of s, with vec_setup() as its fixture) that
 * needs the CPU features in need.  Check has no "skipped" result, so the
 * program reports it itself: a group the CPU cannot run is not run (its
 * tests may still be added to it), and vec_run_suite() then prints which
 * groups were skipped and why, and exits 77 (SKIP) unless a test failed.
 * PASS therefore means that every test of the program ran and passed.
 */
TCase *vec_tcase(Suite *s, const char *name, unsigned need);

/*
 * main() of a test program: run every group of s; EXIT_FAILURE if a test
 * failed, else 77 if a group was skipped, else EXIT_SUCCESS.
 */
int vec_run_suite(Suite *s);

#endif
