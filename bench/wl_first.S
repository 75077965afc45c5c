/*
 * wl_first.S: the cost of a site's first execution.  Each function is
 * BENCH_FIRST_SITES copies of one map instruction, every copy a site of
 * its own, run once: with native-speed sites each execution is the
 * site's first trap plus its rewrite; with rewriting off, a first trap
 * (a decode-cache miss).
 *	bench_first_inplace: mov rax, [0x10] (in place: mov rax, rdx)
 *	bench_first_stub:    mov [0x14], ecx (a stub: a 4-byte store into
 *	                     rdx's top half)
 * Each returns a sum over the copies that proves every one ran right.
 */
	.intel_syntax noprefix
	.text

#define SITES	64

/* uint64_t bench_first_inplace_map(uint64_t v): SITES * v */
	.globl	bench_first_inplace_map
	.type	bench_first_inplace_map, @function
bench_first_inplace_map:
	xor	r8d, r8d
	mov	rdx, rdi
	.rept	SITES
	mov	rax, qword ptr [0x10]
	add	r8, rax
	.endr
	mov	rax, r8
	ret
	.size	bench_first_inplace_map, . - bench_first_inplace_map

	.globl	bench_first_inplace_native
	.type	bench_first_inplace_native, @function
bench_first_inplace_native:
	xor	r8d, r8d
	mov	rdx, rdi
	.rept	SITES
	mov	rax, rdx
	add	r8, rax
	.endr
	mov	rax, r8
	ret
	.size	bench_first_inplace_native, . - bench_first_inplace_native

/* uint64_t bench_first_stub_map(uint64_t v): SITES * ((v << 32) | low 32 bits of v) */
	.globl	bench_first_stub_map
	.type	bench_first_stub_map, @function
bench_first_stub_map:
	xor	r8d, r8d
	mov	rcx, rdi
	.rept	SITES
	mov	rdx, rdi
	mov	dword ptr [0x14], ecx
	add	r8, rdx
	.endr
	mov	rax, r8
	ret
	.size	bench_first_stub_map, . - bench_first_stub_map

	.globl	bench_first_stub_native
	.type	bench_first_stub_native, @function
bench_first_stub_native:
	xor	r8d, r8d
	mov	rcx, rdi
	.rept	SITES
	mov	edx, edi
	mov	rax, rcx
	shl	rax, 32
	or	rdx, rax
	add	r8, rdx
	.endr
	mov	rax, r8
	ret
	.size	bench_first_stub_native, . - bench_first_stub_native

	.section .note.GNU-stack, "", @progbits
