/*
 * wl_loads.S: the tightest loop of map loads.
 *
 * Per iteration one load through the map, "mov rax, [0x10]" (rax = rdx),
 * and three register instructions around it, so the loop does one
 * access per iteration and nothing else worth measuring.  The loaded
 * values are summed, so the result (n(n+1)/2) proves every load saw
 * the right register.  bench_loads_insn labels the load: the minimal
 * tracer and handler emulate only this one instruction.
 */
	.intel_syntax noprefix
	.text

/* uint64_t bench_loads_map(uint64_t n) */
	.globl	bench_loads_map
	.type	bench_loads_map, @function
bench_loads_map:
	xor	r8d, r8d
	test	rdi, rdi
	jz	2f
1:	mov	rdx, rdi
	.globl	bench_loads_insn
bench_loads_insn:
	mov	rax, qword ptr [0x10]		/* 48 8b 04 25 10 00 00 00 */
	add	r8, rax
	dec	rdi
	jnz	1b
2:	mov	rax, r8
	ret
	.size	bench_loads_map, . - bench_loads_map

/* the same loop with the register itself */
	.globl	bench_loads_native
	.type	bench_loads_native, @function
bench_loads_native:
	xor	r8d, r8d
	test	rdi, rdi
	jz	2f
1:	mov	rdx, rdi
	mov	rax, rdx
	add	r8, rax
	dec	rdi
	jnz	1b
2:	mov	rax, r8
	ret
	.size	bench_loads_native, . - bench_loads_native

	.section .note.GNU-stack, "", @progbits
