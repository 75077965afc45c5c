/*
 * The template of difftest's native runner (see difftest_jit.h).  It is
 * copied to a JIT mapping; the instruction under test is written to the
 * end of the slot, so it runs right before the epilogue and falls through
 * into it, and the rip it reads is the address of the epilogue.
 *
 *   void entry(void): load all 16 GPRs and rflags from the data page,
 *   jump to the instruction, store all 16 GPRs and rflags back.
 *
 * Everything is rip-relative, so no register is needed to reach the data
 * and none is clobbered around the instruction.  rflags are loaded with
 * push/popf while rsp is still the caller's, and stored with pushf after
 * the caller's rsp is back.
 */
#include "difftest_gprs.h"
#include "difftest_jit.h"

#define D(off)	(.Ltmpl + DT_JIT_DATA + (off))(%rip)
#define IN(off)		D(DT_D_IN + (off))
#define OUT(off)	D(DT_D_OUT + (off))

	.text
	.balign 64
	.globl dt_jit_tmpl, dt_jit_after, dt_jit_land, dt_jit_tmpl_end
	.type dt_jit_tmpl, @function
dt_jit_tmpl:
.Ltmpl:
	DT_HOST_SAVE
	mov	%rsp, D(DT_D_HOSTRSP)
	/* the vector families: load the vector/x87 state */
	mov	D(DT_D_XMASK), %rax
	test	%rax, %rax
	jz	1f
	stmxcsr	D(DT_D_HOSTMX)
	fnstcw	D(DT_D_HOSTMX + 4)
	mov	%rax, %rdx
	shr	$32, %rdx
	xrstor64 D(DT_D_XAREA)
1:
	pushq	D(DT_D_INFLAGS)
	popfq
	DT_GPRS_LOAD(IN)
	mov	D(DT_D_IN + 0x20), %rsp
	jmp	*D(DT_D_INSN)

	.balign 16
	.fill	DT_JIT_SLOT, 1, 0xcc
dt_jit_after:
	DT_GPRS_STORE(OUT)
	mov	D(DT_D_HOSTRSP), %rsp
	pushfq
	popq	D(DT_D_OUTFLAGS)
	/* the C ABI needs DF=0 */
	cld
	/* the vector families: save the state, give the caller a clean FPU */
	mov	D(DT_D_XMASK), %rax
	test	%rax, %rax
	jz	2f
	mov	%rax, %rdx
	shr	$32, %rdx
	xsave64	D(DT_D_XAREA)
	test	$4, %al
	jz	3f
	vzeroupper
3:
	fninit
	fldcw	D(DT_D_HOSTMX + 4)
	ldmxcsr	D(DT_D_HOSTMX)
2:
	DT_HOST_RESTORE
	ret

	/* CALL/JMP m land here: mov and jmp leave the flags alone */
dt_jit_land:
	movq	$1, D(DT_D_LANDED)
	jmp	dt_jit_after
dt_jit_tmpl_end:
	.size dt_jit_tmpl, . - dt_jit_tmpl

	.section .note.GNU-stack,"",@progbits
