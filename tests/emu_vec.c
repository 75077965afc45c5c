/* Fixed-vector harness for the emulator's Check tests (see emu_vec.h). */
#include <errno.h>
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

int vec_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
