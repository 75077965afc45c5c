/*
 * fuzz_emu: robustness test of the whole emulator (emu.h).  A case is
 * instruction bytes plus a CPU state plus a small fake target memory;
 * fuzz_emu_check() runs it through regmap_emu_decode(),
 * regmap_emu_execute(), regmap_emu_execute_x() and regmap_emu_format()
 * and checks the contracts of emu.h that hold for every input.
 *
 * fuzz_emu.c drives it with seeded random cases (make check);
 * fuzz_emu_libfuzzer.c is a libFuzzer entry point over the same checks.
 */
#ifndef FUZZ_EMU_H
#define FUZZ_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

/* The only target memory outside the map: callbacks fail anywhere else. */
#define FUZZ_MEM_BASE	0x10000ull
#define FUZZ_MEM_SIZE	0x400u

struct fuzz_case {
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	uint8_t len;		/* bytes given to the decoder, 1..15 */
	int fail_after;		/* this callback call (0-based) fails even in range; -1: none */
	uint64_t seed;		/* contents of the fake memory and of the XSAVE area */
	struct regmap_cpu cpu;
};

/* The vector path and the XSAVE area; false if it could not allocate. */
bool fuzz_emu_init(void);

/* True if the case breaks no invariant; else why (NUL-terminated) says which. */
bool fuzz_emu_check(const struct fuzz_case *c, char *why, size_t whylen);

/* Fill c from a 64-bit seed: biased toward map accesses regmap handles. */
void fuzz_emu_gen(struct fuzz_case *c, uint64_t seed);

/* Only the state (registers, fault injection, seed), for given bytes. */
void fuzz_emu_gen_state(struct fuzz_case *c, uint64_t seed);

/* Counters of what the cases reached, for the summary line. */
struct fuzz_stats {
	unsigned long decoded, unsupported, bad, vector, ok, not_map, partial;
	unsigned long faults, mem_faults, other;
	unsigned long cpu_lacks;	/* not executed: the CPU lacks the instruction */
	const char *lacks;		/* ... for example this feature */
};
extern struct fuzz_stats fuzz_emu_stats;

#endif /* FUZZ_EMU_H */
