/*
 * hello.S: the register map's "hello, world".
 *
 * Every register the write and exit system calls need is set through the
 * map, never with a register move: [0x00] is rax, [0x10] rdx, [0x30] rsi,
 * [0x38] rdi (regmap(7)).  Run it with
 *
 *	regmap-run ./examples/hello
 *
 * It also works in-process, linked with libregmap:
 *
 *	cc -o hello hello.S -Wl,--no-as-needed $(pkg-config --libs regmap)
 *
 * libregmap defines map_registers(); the weak reference below calls it
 * when it is there and skips it when it is not, so the same source also
 * links without libregmap (under regmap-run it is not needed).  A weak
 * reference alone does not make the linker keep a library it links
 * --as-needed (the default on Debian and Ubuntu): without
 * -Wl,--no-as-needed the program would run without libregmap and die of
 * SIGSEGV at its first map access.
 */
	.intel_syntax noprefix

	.section .rodata
msg:
	.ascii	"memory-mapped registers work!\n"
	.set	msg_len, . - msg

	.text
	.weak	map_registers
	.globl	main
	.type	main, @function
main:
	sub	rsp, 8			/* keep the stack 16-byte aligned for the call */

	/* map_registers() if libregmap is linked in */
	mov	rax, qword ptr [rip + map_registers@GOTPCREL]
	test	rax, rax
	jz	1f
	call	rax
1:
	/* write(1, msg, msg_len), every argument through the map */
	mov	qword ptr [0x38], 1		/* rdi = 1: standard output */
	lea	rcx, [rip + msg]
	mov	qword ptr [0x30], rcx		/* rsi = msg */
	mov	qword ptr [0x10], msg_len	/* rdx = its length */
	mov	qword ptr [0x00], 1		/* rax = SYS_write */
	syscall

	/* exit_group(0), through the map as well */
	mov	qword ptr [0x38], 0		/* rdi = 0: exit status */
	mov	qword ptr [0x00], 231		/* rax = SYS_exit_group */
	syscall
	.size	main, . - main

	.section .note.GNU-stack, "", @progbits
