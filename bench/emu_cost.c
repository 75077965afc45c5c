/*
 * emu_cost.c: the emulator's own cost per access, without any signal or
 * ptrace around it.
 *
 *	emu_cost [N]
 *
 * For each instruction the bench workloads put on the map, two phases of
 * N accesses each:
 *   cold    regmap_emu_step(): decode with Zydis and execute, as on a
 *           decode-cache miss;
 *   cached  regmap_emu_execute() on an instruction decoded once, as on a
 *           hit (what regmap-run and libregmap do in a hot loop).
 * Natively it prints the measured ns per access of each phase.  Under
 * `valgrind --tool=callgrind` it also dumps the instruction count of each
 * phase separately (callgrind client requests), which bench/run.sh turns
 * into instructions per access: a number that does not depend on the
 * noise of the machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s) do { (void)(s); } while (0)
#endif

struct cost_insn {
	const char *name;
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	uint8_t len;
};

/* the map instructions of bench/wl_*.S */
static const struct cost_insn insns[] = {
	{ "mov_rax,[0x10]", { 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0 }, 8 },
	{ "add_[0x40],rdi", { 0x48, 0x01, 0x3c, 0x25, 0x40, 0, 0, 0 }, 8 },
	{ "xor_[0x48],r8",  { 0x4c, 0x31, 0x04, 0x25, 0x48, 0, 0, 0 }, 8 },
	{ "rol_[0x50],7",   { 0x48, 0xc1, 0x04, 0x25, 0x50, 0, 0, 0, 0x07 }, 9 },
	{ "mov_[0x58],r10", { 0x4c, 0x89, 0x14, 0x25, 0x58, 0, 0, 0 }, 8 },
};

static int no_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx, (void)addr, (void)buf, (void)len;
	return -EFAULT;
}

static int no_mem_w(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx, (void)addr, (void)buf, (void)len;
	return -EFAULT;
}

static const struct regmap_emu_mem mem = { no_mem, no_mem_w, NULL };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void cpu_init(struct regmap_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	for (int i = 0; i < 16; i++)
		cpu->gpr[i] = 0x0123456789abcdefull * (i + 1);
	cpu->gpr[REGMAP_RSP] = 0x7ffc00001000ull;
	cpu->rip = 0x401000;
	cpu->rflags = 0x202;
}

/* N decode + execute; returns the number of failed steps */
static __attribute__((noinline)) unsigned phase_cold(const struct cost_insn *in, uint64_t n,
						     struct regmap_cpu *cpu)
{
	unsigned bad = 0;

	while (n--)
		bad += regmap_emu_step(in->bytes, in->len, cpu, &mem, NULL) != REGMAP_EMU_OK;
	return bad;
}

static __attribute__((noinline)) unsigned phase_cached(const struct regmap_emu_insn *insn,
						       uint64_t n, struct regmap_cpu *cpu)
{
	unsigned bad = 0;

	while (n--)
		bad += regmap_emu_execute(insn, cpu, &mem, NULL) != REGMAP_EMU_OK;
	return bad;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 200000;
	struct regmap_emu_insn insn;
	struct regmap_cpu cpu;
	char tag[64];
	unsigned i, bad = 0;

	if (!n)
		n = 1;
	printf("# emu_cost: %" PRIu64 " accesses per phase%s\n", n,
	       RUNNING_ON_VALGRIND ? " (under valgrind: times are not native)" : "");
	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		const struct cost_insn *in = &insns[i];
		uint64_t t0, t1, t2;

		if (regmap_emu_decode(&insn, in->bytes, in->len) != REGMAP_EMU_OK) {
			fprintf(stderr, "emu_cost: %s does not decode\n", in->name);
			return 1;
		}
		cpu_init(&cpu);
		/* warm-up, outside the counts */
		bad += phase_cold(in, n / 10 + 1, &cpu);
		bad += phase_cached(&insn, n / 10 + 1, &cpu);

		CALLGRIND_ZERO_STATS;
		t0 = now_ns();
		bad += phase_cold(in, n, &cpu);
		t1 = now_ns();
		snprintf(tag, sizeof(tag), "cold %s", in->name);
		CALLGRIND_DUMP_STATS_AT(tag);
		bad += phase_cached(&insn, n, &cpu);
		t2 = now_ns();
		snprintf(tag, sizeof(tag), "cached %s", in->name);
		CALLGRIND_DUMP_STATS_AT(tag);
		printf("%s cold_ns=%.1f cached_ns=%.1f\n", in->name,
		       (double)(t1 - t0) / n, (double)(t2 - t1) / n);
	}
	if (bad) {
		fprintf(stderr, "emu_cost: %u steps did not emulate\n", bad);
		return 1;
	}
	return 0;
}
