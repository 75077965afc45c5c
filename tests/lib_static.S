/*
 * lib_static.S: a statically linked program (no libc, no PT_INTERP),
 * which regmap-run --in-process must refuse.  Run directly it prints
 * "static program ran" and exits 0.
 */
	.intel_syntax noprefix
	.section .rodata
msg:
	.ascii	"static program ran\n"
	.set	msg_len, . - msg

	.text
	.globl	_start
_start:
	mov	eax, 1			/* write(1, msg, msg_len) */
	mov	edi, 1
	lea	rsi, [rip + msg]
	mov	edx, msg_len
	syscall
	mov	eax, 231		/* exit_group(0) */
	xor	edi, edi
	syscall

	.section .note.GNU-stack, "", @progbits
