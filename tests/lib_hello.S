/*
 * lib_hello.S: the original regmap's way of using the map from assembly:
 * call map_registers() (from libregmap), then set the write system
 * call's registers through the map.  Prints "memory-mapped registers
 * work!" and exits 0.  (examples/hello.S does the same with a weak
 * reference, so it also runs without libregmap under regmap-run.)
 */
	.intel_syntax noprefix

	.section .rodata
msg:
	.ascii	"memory-mapped registers work!\n"
	.set	msg_len, . - msg

	.text
	.globl	main
	.type	main, @function
main:
	push	rbx
	call	map_registers@PLT

	mov	qword ptr [0x38], 1		/* rdi: stdout */
	lea	rbx, [rip + msg]
	mov	qword ptr [0x30], rbx		/* rsi: the message */
	mov	qword ptr [0x10], msg_len	/* rdx: its length */
	mov	qword ptr [0x00], 1		/* rax: SYS_write */
	syscall
	cmp	rax, msg_len
	jne	1f

	xor	eax, eax
	pop	rbx
	ret
1:	mov	eax, 1
	pop	rbx
	ret
	.size	main, . - main

	.section .note.GNU-stack, "", @progbits
