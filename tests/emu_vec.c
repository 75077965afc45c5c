/* Fixed-vector harness for the emulator's Check tests (see emu_vec.h). */
#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_vec.h"

uint8_t vec_mem[VEC_MEM_SIZE];
struct regmap_cpu cpu, init, want;
struct regmap_emu_result res;
size_t len;

static int vec_range(uint64_t addr, size_t len)
{
	return addr >= VEC_MEM_BASE && len <= VEC_MEM_SIZE &&
	       addr - VEC_MEM_BASE <= VEC_MEM_SIZE - len;
}

static int vec_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (!vec_range(addr, len))
		return -EFAULT;
	memcpy(buf, vec_mem + (addr - VEC_MEM_BASE), len);
	return 0;
}

static int vec_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	if (!vec_range(addr, len))
		return -EFAULT;
	memcpy(vec_mem + (addr - VEC_MEM_BASE), buf, len);
	return 0;
}

const struct regmap_emu_mem vec_mem_ops = { vec_read, vec_write, NULL };

void vec_init(struct regmap_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	for (unsigned i = 0; i < 16; i++)
		cpu->gpr[i] = 0x0101010101010100ull * (i + 1) + 0x10 * i + 1;
	cpu->gpr[REGMAP_RSP] = VEC_MEM_BASE + VEC_MEM_SIZE / 2;
	cpu->rip = VEC_RIP;
	cpu->rflags = 0x202;
	memset(vec_mem, 0, sizeof(vec_mem));
}

enum regmap_emu_status vec_exec(struct regmap_cpu *cpu, const uint8_t *bytes,
				size_t len, struct regmap_emu_result *res)
{
	return regmap_emu_step(bytes, len, cpu, &vec_mem_ops, res);
}

void vec_setup(void)
{
	vec_init(&cpu);
	init = cpu;
}

struct regmap_cpu next(unsigned insn_len)
{
	struct regmap_cpu c = init;

	c.rip += insn_len;
	return c;
}

void expect_next(void)
{
	want = next(len);
}

uint64_t map_get(const struct regmap_cpu *c, unsigned off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, (const uint8_t *)c + off, size);
	return v;
}

static sigjmp_buf vec_segv_jmp;

static void vec_segv(int sig)
{
	(void)sig;
	siglongjmp(vec_segv_jmp, 1);
}

bool vec_native_segv(void (*fn)(void *), void *arg)
{
	struct sigaction sa, old;
	volatile bool segv = true;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vec_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(vec_segv_jmp, 1)) {
		fn(arg);
		segv = false;
	}
	sigaction(SIGSEGV, &old, NULL);
	return segv;
}

/* XCR0: the state components the OS saves (0 without OSXSAVE). */
static uint64_t vec_xcr0(void)
{
	unsigned a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static unsigned vec_cpu_features(void)
{
	unsigned a, b, c, d, f = 0;
	uint64_t xcr0 = vec_xcr0();

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		f |= c & bit_POPCNT ? VEC_CPU_POPCNT : 0;
		f |= c & bit_SSE4_2 ? VEC_CPU_SSE42 : 0;
		f |= (c & bit_AVX) && (xcr0 & 6) == 6 ? VEC_CPU_AVX : 0;
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		f |= b & bit_BMI ? VEC_CPU_BMI1 : 0;
		f |= b & bit_BMI2 ? VEC_CPU_BMI2 : 0;
		f |= b & bit_ADX ? VEC_CPU_ADX : 0;
		f |= (b & bit_AVX512F) && (f & VEC_CPU_AVX) && (xcr0 & 0xe6) == 0xe6 ?
		     VEC_CPU_AVX512 : 0;
		f |= (b & bit_AVX2) && (f & VEC_CPU_AVX) ? VEC_CPU_AVX2 : 0;
	}
	return f;
}

const char *vec_cpu_lacks(unsigned need)
{
	static const char *const names[] = {
		"POPCNT", "BMI1", "BMI2", "ADX", "SSE4.2", "AVX (or the OS does not enable it)",
		"AVX-512F (or the OS does not enable it)", "AVX2 (or the OS does not enable AVX)",
	};
	unsigned missing = need & ~vec_cpu_features();

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (missing & (1u << i))
			return names[i];
	return NULL;
}

/* Groups not run: kept in a suite of their own, which is freed, never run. */
static Suite *vec_skipped;
static char vec_skip_note[1024];

TCase *vec_tcase(Suite *s, const char *name, unsigned need)
{
	const char *lack = vec_cpu_lacks(need);
	TCase *tc = tcase_create(name);
	size_t n = strlen(vec_skip_note);

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	if (!lack) {
		suite_add_tcase(s, tc);
		return tc;
	}
	if (!vec_skipped)
		vec_skipped = suite_create("skipped");
	suite_add_tcase(vec_skipped, tc);
	snprintf(vec_skip_note + n, sizeof(vec_skip_note) - n,
		 "SKIP: the tests of group %s did not run: this CPU lacks %s\n", name, lack);
	return tc;
}

int vec_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (vec_skipped) {
		/* srunner_free() is the only way to free a suite and its groups */
		srunner_free(srunner_create(vec_skipped));
		vec_skipped = NULL;
		fputs(vec_skip_note, stdout);
	}
	if (failed)
		return EXIT_FAILURE;
	return vec_skip_note[0] ? 77 : EXIT_SUCCESS;
}
