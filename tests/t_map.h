/*
 * Small map accesses for the integration targets, as inline assembly
 * (examples/calc.c explains why C code must not dereference map
 * addresses itself).
 */
#ifndef REGMAP_T_MAP_H
#define REGMAP_T_MAP_H

#include <stdint.h>

/* x + v, the addition done on the map slot of rax */
static inline uint64_t t_map_add(uint64_t x, uint64_t v)
{
	__asm__ volatile("addq %%rdx, 0x0" : "+a"(x) : "d"(v) : "cc");
	return x;
}

/* Write v into rbx through the map, read rbx back through the map. */
static inline uint64_t t_map_roundtrip(uint64_t v)
{
	uint64_t out;

	__asm__ volatile("movq %1, 0x18\n\tmovq 0x18, %0"
			 : "=&r"(out) : "r"(v) : "rbx", "memory");
	return out;
}

/* rsp read through the map */
static inline __attribute__((always_inline)) uint64_t t_map_rsp(void)
{
	uint64_t v;

	__asm__ volatile("movq 0x20, %0" : "=r"(v));
	return v;
}

#endif /* REGMAP_T_MAP_H */
