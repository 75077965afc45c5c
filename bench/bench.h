/*
 * bench.h: the benchmark workloads (one file each) and the pieces the
 * driver programs share.
 *
 * Every map workload has a twin with the map operand replaced by the
 * register it stands for ("native"), so the two run the same loop and
 * must return the same value: a run whose result differs from its twin's
 * was not emulated correctly and is not a measurement.
 */
#ifndef REGMAP_BENCH_H
#define REGMAP_BENCH_H

#include <stdint.h>

/* wl_loads.S: n x "mov rax, [0x10]" (rax = rdx); returns n(n+1)/2 */
uint64_t bench_loads_map(uint64_t n);
uint64_t bench_loads_native(uint64_t n);
/* address and length of the one instruction the minimal baselines know */
extern const char bench_loads_insn[];
#define BENCH_LOADS_INSN_LEN	8

/* wl_alu.S: n x three read-modify-write ALU ops on the map */
uint64_t bench_alu_map(uint64_t n);
uint64_t bench_alu_native(uint64_t n);
#define BENCH_ALU_PER_ITER	3

/* wl_mixed.S: a checksum over buf[0..n) keeping its state in map registers */
uint64_t bench_mixed_map(const uint8_t *buf, uint64_t n);
uint64_t bench_mixed_native(const uint8_t *buf, uint64_t n);
#define BENCH_MIXED_PER_ITER	3

/*
 * wl_threads.c: BENCH_THREADS threads running at once bench_loads_native(n)
 * (kind 0), bench_loads_map(n) (1) or bench_zero(n) (2)
 */
#define BENCH_THREADS		4
int bench_threads(uint64_t n, int kind, uint64_t warmup, uint64_t *ns);

/*
 * wl_first.S: BENCH_FIRST_SITES sites of one instruction, each run once
 * (the cost of a site's first execution): in place, and with a stub
 */
#define BENCH_FIRST_SITES	64
uint64_t bench_first_inplace_map(uint64_t v);
uint64_t bench_first_inplace_native(uint64_t v);
uint64_t bench_first_stub_map(uint64_t v);
uint64_t bench_first_stub_native(uint64_t v);

/* wl_zero.c: CPU-bound, never touches the map */
uint64_t bench_zero(uint64_t n);

/* min_handler.c: the minimal in-process baseline (+ libregmap's code read) */
int bench_min_handler_install(int with_code_read);

/* workload.c */
uint64_t bench_now_ns(void);

#endif /* REGMAP_BENCH_H */
