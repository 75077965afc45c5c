/*
 * wl_mixed.S: a realistic kernel, a Fletcher-style checksum over a
 * buffer whose running sums live in map registers.
 *
 * Per byte: one load from real memory, then three map accesses of three
 * kinds (a RMW add, a load, a store) mixed with register work:
 *	a (r9)  += byte			add [0x48], rax
 *	t = a				mov rdx, [0x48]
 *	b (r10) += t ^ (b >> 3)		(registers)
 *	r11 = b				mov [0x58], r10
 * The result is (b << 32) ^ a ^ r11.
 */
	.intel_syntax noprefix
	.text

/* uint64_t bench_mixed_map(const uint8_t *buf, uint64_t n) */
	.globl	bench_mixed_map
	.type	bench_mixed_map, @function
bench_mixed_map:
	xor	r9d, r9d
	xor	r10d, r10d
	xor	r11d, r11d
	xor	ecx, ecx
	test	rsi, rsi
	jz	2f
1:	movzx	eax, byte ptr [rdi + rcx]
	add	qword ptr [0x48], rax
	mov	rdx, qword ptr [0x48]
	mov	rax, r10
	shr	rax, 3
	xor	rdx, rax
	add	r10, rdx
	mov	qword ptr [0x58], r10
	inc	rcx
	cmp	rcx, rsi
	jb	1b
2:	mov	rax, r10
	shl	rax, 32
	xor	rax, r9
	xor	rax, r11
	ret
	.size	bench_mixed_map, . - bench_mixed_map

	.globl	bench_mixed_native
	.type	bench_mixed_native, @function
bench_mixed_native:
	xor	r9d, r9d
	xor	r10d, r10d
	xor	r11d, r11d
	xor	ecx, ecx
	test	rsi, rsi
	jz	2f
1:	movzx	eax, byte ptr [rdi + rcx]
	add	r9, rax
	mov	rdx, r9
	mov	rax, r10
	shr	rax, 3
	xor	rdx, rax
	add	r10, rdx
	mov	r11, r10
	inc	rcx
	cmp	rcx, rsi
	jb	1b
2:	mov	rax, r10
	shl	rax, 32
	xor	rax, r9
	xor	rax, r11
	ret
	.size	bench_mixed_native, . - bench_mixed_native

	.section .note.GNU-stack, "", @progbits
