/*
 * fuzz_emu: robustness of the whole emulator.  Random instruction bytes
 * (fully random, or biased toward what regmap handles: legacy prefixes,
 * REX, the 0F/0F38/0F3A maps, VEX BMI, memory operands aimed at the map)
 * with random registers, through decode, execute, execute_x and format;
 * fuzz_emu_check.c lists the invariants.  A case is fixed by (seed, case
 * number), so a failure prints the command that replays it.
 *
 * usage: fuzz_emu [--seed S] [--iterations N] [--case K] [-v]
 * (default: seed 1, 300000 iterations, a few seconds)
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_emu.h"

#define FZ_DEFAULT_ITERATIONS	300000

static uint64_t fz_case_seed(uint64_t seed, uint64_t k)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ull + k * 0xd1b54a32d192ed03ull + 1;

	z = (z ^ (z >> 32)) * 0xd6e8feb86659fd93ull;
	return z ^ (z >> 32);
}

static void fz_print_case(const struct fuzz_case *c)
{
	struct regmap_emu_insn insn;
	char text[128];

	printf("  bytes:");
	for (unsigned i = 0; i < c->len; i++)
		printf(" %02x", c->bytes[i]);
	printf(" (%u given)\n", c->len);
	if (regmap_emu_decode(&insn, c->bytes, c->len) != REGMAP_EMU_BAD_INSN) {
		struct regmap_cpu cpu = c->cpu;

		regmap_emu_format(&insn, c->cpu.rip, text, sizeof(text));
		printf("  insn:  %s (without xstate and target memory: %s)\n", text,
		       regmap_emu_status_str(regmap_emu_execute(&insn, &cpu, NULL, NULL)));
	}
	for (unsigned r = 0; r < 16; r++)
		printf("  %-3s %016" PRIx64 "%s", regmap_emu_reg_name(8 * r), c->cpu.gpr[r],
		       r % 4 == 3 ? "\n" : "");
	printf("  rip %016" PRIx64 "  rflags %" PRIx64 "  fs %" PRIx64 "  gs %" PRIx64 "\n",
	       c->cpu.rip, c->cpu.rflags, c->cpu.fs_base, c->cpu.gs_base);
	printf("  memory callback %d fails; memory seed %#" PRIx64 "\n", c->fail_after, c->seed);
}

static void fz_usage(const char *prog)
{
	printf("usage: %s [--seed S] [--iterations N] [--case K] [-v]\n"
	       "  --seed S        seed (default 1); a case is fixed by (seed, case number)\n"
	       "  --iterations N  run cases 0 .. N-1 (default %d)\n"
	       "  --case K        run only case K and print it\n", prog, FZ_DEFAULT_ITERATIONS);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "case", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t seed = 1, iters = FZ_DEFAULT_ITERATIONS, first = 0;
	bool one = false, verbose = false;
	unsigned long failed = 0;
	struct fuzz_stats *s = &fuzz_emu_stats;
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': iters = strtoull(optarg, NULL, 0); break;
		case 'c': first = strtoull(optarg, NULL, 0); one = true; break;
		case 'v': verbose = true; break;
		case 'h': fz_usage(argv[0]); return 0;
		default: fz_usage(argv[0]); return 2;
		}
	}
	if (one)
		iters = 1;
	if (!fuzz_emu_init()) {
		printf("fuzz_emu: out of memory\n");
		return 1;
	}
	for (uint64_t k = first; k < first + iters; k++) {
		struct fuzz_case c;
		char why[256];

		fuzz_emu_gen(&c, fz_case_seed(seed, k));
		if (one || verbose)
			fz_print_case(&c);
		if (fuzz_emu_check(&c, why, sizeof(why)))
			continue;
		printf("fuzz_emu: case %" PRIu64 " FAILED: %s\n", k, why);
		if (!one && !verbose)
			fz_print_case(&c);
		printf("  replay: %s --seed %" PRIu64 " --case %" PRIu64 "\n", argv[0], seed, k);
		if (++failed >= 10)
			break;
	}
	printf("fuzz_emu: %" PRIu64 " cases (seed %" PRIu64 "): %lu decoded, %lu unsupported, "
	       "%lu bad, %lu vector; executed: %lu ok, %lu not in map, %lu partial, "
	       "%lu faults, %lu memory faults, %lu other; %lu failed\n",
	       iters, seed, s->decoded, s->unsupported, s->bad, s->vector, s->ok, s->not_map,
	       s->partial, s->faults, s->mem_faults, s->other, failed);
	/* a mix that never emulates anything would prove nothing */
	if (failed || (iters >= 10000 && s->ok < iters / 50))
		return 1;
	if (s->cpu_lacks) {
		printf("fuzz_emu: SKIP: %lu cases not executed: this CPU lacks their instructions "
		       "(%s, ...), which the emulator runs on the CPU\n", s->cpu_lacks, s->lacks);
		return 77;
	}
	return 0;
}
