/*
 * emu_vx_run(frame, code): run one re-encoded vector/x87 instruction
 * (code: the instruction followed by ret, in a stub slot) on the target's
 * state, see vx.h for the frame.
 *
 *   XRSTOR the target's components (RFBM), optionally put the masked
 *   MXCSR in place, load 15 GPRs and the arithmetic flags, call the slot,
 *   store GPRs and flags, optionally store the x87 environment, take
 *   MXCSR and abort if an unmasked SIMD exception was raised, XSAVE, and
 *   give the caller back a clean
 *   FPU: its own MXCSR and x87 control word, an empty x87 stack, and no
 *   dirty upper AVX state.
 *
 * rsp stays the caller's stack (instructions naming rsp never come here).
 * Only the arithmetic flags are loaded: TF, DF and AC never reach RFLAGS.
 */
#define F_RFLAGS	0x80
#define F_AREA		0x88
#define F_RFBM		0x90
#define F_MXRUN		0x98
#define F_MXOUT		0x9c
#define F_HMXCSR	0xa0
#define F_HFCW		0xa4
#define F_OPTS		0xa8
#define F_XMMASK	0xb0
#define F_ABORTED	0xb4
#define F_FENV		0xb8

	.text
	.globl emu_vx_run
	.type emu_vx_run, @function
emu_vx_run:
	.cfi_startproc
	push	%rbx
	.cfi_adjust_cfa_offset 8
	push	%rbp
	.cfi_adjust_cfa_offset 8
	push	%r12
	.cfi_adjust_cfa_offset 8
	push	%r13
	.cfi_adjust_cfa_offset 8
	push	%r14
	.cfi_adjust_cfa_offset 8
	push	%r15
	.cfi_adjust_cfa_offset 8
	stmxcsr	F_HMXCSR(%rdi)
	fnstcw	F_HFCW(%rdi)
	movl	$0, F_ABORTED(%rdi)

	mov	F_RFBM(%rdi), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	F_AREA(%rdi), %rcx
	xrstor64 (%rcx)
	testl	$1, F_OPTS(%rdi)
	jz	1f
	ldmxcsr	F_MXRUN(%rdi)
1:
	push	%rdi
	.cfi_adjust_cfa_offset 8
	push	%rsi
	.cfi_adjust_cfa_offset 8
	mov	F_RFLAGS(%rdi), %rax
	and	$0x8d5, %rax
	or	$2, %rax
	push	%rax
	.cfi_adjust_cfa_offset 8
	popfq
	.cfi_adjust_cfa_offset -8
	mov	0x00(%rdi), %rax
	mov	0x08(%rdi), %rcx
	mov	0x10(%rdi), %rdx
	mov	0x18(%rdi), %rbx
	mov	0x28(%rdi), %rbp
	mov	0x30(%rdi), %rsi
	mov	0x40(%rdi), %r8
	mov	0x48(%rdi), %r9
	mov	0x50(%rdi), %r10
	mov	0x58(%rdi), %r11
	mov	0x60(%rdi), %r12
	mov	0x68(%rdi), %r13
	mov	0x70(%rdi), %r14
	mov	0x78(%rdi), %r15
	mov	0x38(%rdi), %rdi
	call	*(%rsp)
	/* stack: result rdi, code, frame */
	push	%rdi
	.cfi_adjust_cfa_offset 8
	mov	16(%rsp), %rdi
	mov	%rax, 0x00(%rdi)
	mov	%rcx, 0x08(%rdi)
	mov	%rdx, 0x10(%rdi)
	mov	%rbx, 0x18(%rdi)
	mov	%rbp, 0x28(%rdi)
	mov	%rsi, 0x30(%rdi)
	mov	%r8, 0x40(%rdi)
	mov	%r9, 0x48(%rdi)
	mov	%r10, 0x50(%rdi)
	mov	%r11, 0x58(%rdi)
	mov	%r12, 0x60(%rdi)
	mov	%r13, 0x68(%rdi)
	mov	%r14, 0x70(%rdi)
	mov	%r15, 0x78(%rdi)
	popq	0x38(%rdi)
	.cfi_adjust_cfa_offset -8
	pushfq
	.cfi_adjust_cfa_offset 8
	popq	F_RFLAGS(%rdi)
	.cfi_adjust_cfa_offset -8
	add	$16, %rsp
	.cfi_adjust_cfa_offset -16
	cld

	/*
	 * The x87 instruction and data pointers as the CPU keeps them (AMD's
	 * XSAVE stores them only with an exception pending).  FNSTENV masks
	 * every x87 exception; FLDCW puts the control word back (with all
	 * masked, it cannot raise a pending one itself).
	 */
	testl	$4, F_OPTS(%rdi)
	jz	5f
	fnstenv	F_FENV(%rdi)
	fldcw	F_FENV(%rdi)
5:

	testl	$1, F_OPTS(%rdi)
	jz	2f
	stmxcsr	F_MXOUT(%rdi)
	mov	F_MXOUT(%rdi), %eax
	test	F_XMMASK(%rdi), %eax
	jz	2f
	movl	$1, F_ABORTED(%rdi)
	jmp	3f
2:
	mov	F_RFBM(%rdi), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	mov	F_AREA(%rdi), %rcx
	xsave64	(%rcx)
3:
	testl	$2, F_OPTS(%rdi)
	jz	4f
	vzeroupper
4:
	fninit
	fldcw	F_HFCW(%rdi)
	ldmxcsr	F_HMXCSR(%rdi)
	pop	%r15
	.cfi_adjust_cfa_offset -8
	pop	%r14
	.cfi_adjust_cfa_offset -8
	pop	%r13
	.cfi_adjust_cfa_offset -8
	pop	%r12
	.cfi_adjust_cfa_offset -8
	pop	%rbp
	.cfi_adjust_cfa_offset -8
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size emu_vx_run, . - emu_vx_run

	.section .note.GNU-stack,"",@progbits
