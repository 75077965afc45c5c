/*
 * wl_alu.S: read-modify-write ALU instructions on the map.
 *
 * Per iteration three RMW accesses of different kinds (add with a
 * register, xor with a register, rotate by an immediate), each reading
 * and writing a map register with flags computed: the path a program
 * that keeps its variables in map slots takes.  r8, r9, r10 hold the
 * state; the result mixes all three.
 */
	.intel_syntax noprefix
	.text

/* uint64_t bench_alu_map(uint64_t n) */
	.globl	bench_alu_map
	.type	bench_alu_map, @function
bench_alu_map:
	mov	r8, 1
	mov	r9, 2
	mov	r10, 3
	test	rdi, rdi
	jz	2f
1:	add	qword ptr [0x40], rdi		/* r8 += n */
	xor	qword ptr [0x48], r8		/* r9 ^= r8 */
	rol	qword ptr [0x50], 7		/* r10 = rol(r10, 7) */
	add	r10, r9
	dec	rdi
	jnz	1b
2:	mov	rax, r8
	xor	rax, r9
	add	rax, r10
	ret
	.size	bench_alu_map, . - bench_alu_map

	.globl	bench_alu_native
	.type	bench_alu_native, @function
bench_alu_native:
	mov	r8, 1
	mov	r9, 2
	mov	r10, 3
	test	rdi, rdi
	jz	2f
1:	add	r8, rdi
	xor	r9, r8
	rol	r10, 7
	add	r10, r9
	dec	rdi
	jnz	1b
2:	mov	rax, r8
	xor	rax, r9
	add	rax, r10
	ret
	.size	bench_alu_native, . - bench_alu_native

	.section .note.GNU-stack, "", @progbits
