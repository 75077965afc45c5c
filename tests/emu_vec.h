/*
 * Fixed-vector harness for the emulator's Check tests: a known register
 * state, a small fake target memory, and one call that runs instruction
 * bytes through regmap_emu_step().
 */
#ifndef REGMAP_TEST_EMU_VEC_H
#define REGMAP_TEST_EMU_VEC_H

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

#endif
