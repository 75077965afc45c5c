/*
 * difftest --rewrite's native runner: entry and exits (see
 * difftest_rewrite.h).  dt_rw_enter loads all 16 GPRs and rflags from
 * dt_rw_ctx and jumps to the code under test; the code page's exit and
 * landing pad jump back to dt_rw_exit / dt_rw_landed, which store the
 * registers and flags without touching the test stack (the flags are
 * pushed only after the host's rsp is back), clear AC, DF and TF, and
 * return to dt_rw_enter's caller.
 */
#include "difftest_rewrite.h"

#define C(off)	(dt_rw_ctx + (off))(%rip)

	.text
	.globl	dt_rw_enter, dt_rw_exit, dt_rw_landed
	.type	dt_rw_enter, @function
dt_rw_enter:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, C(DT_RW_HOSTRSP)
	pushq	C(DT_RW_INFLAGS)
	popfq
	mov	C(DT_RW_IN + 0x00), %rax
	mov	C(DT_RW_IN + 0x08), %rcx
	mov	C(DT_RW_IN + 0x10), %rdx
	mov	C(DT_RW_IN + 0x18), %rbx
	mov	C(DT_RW_IN + 0x28), %rbp
	mov	C(DT_RW_IN + 0x30), %rsi
	mov	C(DT_RW_IN + 0x38), %rdi
	mov	C(DT_RW_IN + 0x40), %r8
	mov	C(DT_RW_IN + 0x48), %r9
	mov	C(DT_RW_IN + 0x50), %r10
	mov	C(DT_RW_IN + 0x58), %r11
	mov	C(DT_RW_IN + 0x60), %r12
	mov	C(DT_RW_IN + 0x68), %r13
	mov	C(DT_RW_IN + 0x70), %r14
	mov	C(DT_RW_IN + 0x78), %r15
	mov	C(DT_RW_IN + 0x20), %rsp
	jmp	*C(DT_RW_TARGET)

	/* mov to memory and jmp leave registers and flags alone */
dt_rw_landed:
	movq	$DT_RW_LANDED, C(DT_RW_HOW)
	jmp	1f
dt_rw_exit:
	movq	$DT_RW_EXIT, C(DT_RW_HOW)
1:	mov	%rax, C(DT_RW_OUT + 0x00)
	mov	%rcx, C(DT_RW_OUT + 0x08)
	mov	%rdx, C(DT_RW_OUT + 0x10)
	mov	%rbx, C(DT_RW_OUT + 0x18)
	mov	%rsp, C(DT_RW_OUT + 0x20)
	mov	%rbp, C(DT_RW_OUT + 0x28)
	mov	%rsi, C(DT_RW_OUT + 0x30)
	mov	%rdi, C(DT_RW_OUT + 0x38)
	mov	%r8, C(DT_RW_OUT + 0x40)
	mov	%r9, C(DT_RW_OUT + 0x48)
	mov	%r10, C(DT_RW_OUT + 0x50)
	mov	%r11, C(DT_RW_OUT + 0x58)
	mov	%r12, C(DT_RW_OUT + 0x60)
	mov	%r13, C(DT_RW_OUT + 0x68)
	mov	%r14, C(DT_RW_OUT + 0x70)
	mov	%r15, C(DT_RW_OUT + 0x78)
	mov	C(DT_RW_HOSTRSP), %rsp
	pushfq
	popq	C(DT_RW_OUTFLAGS)
	/* the C ABI: DF clear; and no AC or TF the code may have set */
	pushq	$0x202
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size	dt_rw_enter, . - dt_rw_enter

	.section .note.GNU-stack,"",@progbits
