/*
 * Target for tests/run_trace.sh: a fixed sequence of map accesses whose
 * trace is known in advance.  Each access instruction has its own
 * function symbol, sized to that one instruction inside step (as gdb
 * and regmap-run name an address by the symbol that contains it), so
 * the expected "<symbol>" does not depend on instruction lengths.
 * Exit 0 if rbx ends up as expected.
 */
	.intel_syntax noprefix
	.text
	.globl	main
	.type	main, @function
main:
	.cfi_startproc
	push	rbx
	.cfi_adjust_cfa_offset 8
	.cfi_offset rbx, -16
	movabs	rbx, 0x1122334455667788
	call	step
	movabs	rcx, 0xaabbccdd55667788
	xor	eax, eax
	cmp	rbx, rcx
	setne	al
	pop	rbx
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size	main, . - main

	.globl	step
	.type	step, @function
step:
	.cfi_startproc
	mov	ecx, 5
	mov	edx, 0x7788
	.globl	t_read_rbx
	.type	t_read_rbx, @function
t_read_rbx:
	mov	rsi, qword ptr [0x18]		/* R 8 rbx */
	.size	t_read_rbx, . - t_read_rbx
	.globl	t_add_rcx
	.type	t_add_rcx, @function
t_add_rcx:
	add	qword ptr [0x08], 3		/* R 8 rcx = 5, W 8 rcx = 8 */
	.size	t_add_rcx, . - t_add_rcx
	.globl	t_write_rbx_hi
	.type	t_write_rbx_hi, @function
t_write_rbx_hi:
	mov	dword ptr [0x1c], 0xaabbccdd	/* W 4 upper half of rbx */
	.size	t_write_rbx_hi, . - t_write_rbx_hi
	.globl	t_straddle
	.type	t_straddle, @function
t_straddle:
	mov	eax, dword ptr [0x0e]		/* R 4 bytes 6-7 of rcx, 0-1 of rdx */
	.size	t_straddle, . - t_straddle
	ret
	.cfi_endproc
	.size	step, . - step

	.section .note.GNU-stack, "", @progbits
