/*
 * emu_fastop(stub, f): run a fastop stub on the registers and arithmetic
 * flags in *f and store them back (see fastop.h).
 */
	.text
	.globl emu_fastop
	.type emu_fastop, @function
emu_fastop:
	.cfi_startproc
	push	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	mov	%rdi, %r11
	mov	%rsi, %r12
	/* only CF PF AF ZF SF OF, plus the always-one bit 1 */
	mov	32(%r12), %r10
	and	$0x8d5, %r10
	or	$2, %r10
	mov	0(%r12), %rax
	mov	8(%r12), %rdx
	mov	16(%r12), %rcx
	mov	24(%r12), %rsi
	push	%r10
	.cfi_adjust_cfa_offset 8
	popfq
	.cfi_adjust_cfa_offset -8
	call	*%r11
	pushfq
	.cfi_adjust_cfa_offset 8
	popq	32(%r12)
	.cfi_adjust_cfa_offset -8
	mov	%rax, 0(%r12)
	mov	%rdx, 8(%r12)
	mov	%rcx, 16(%r12)
	mov	%rsi, 24(%r12)
	pop	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	ret
	.cfi_endproc
	.size emu_fastop, . - emu_fastop

	.section .note.GNU-stack,"",@progbits
