/*
 * difftest --rewrite's native runner: entry and exits (see
 * difftest_rewrite.h).  dt_rw_enter loads all 16 GPRs and rflags from
 * dt_rw_ctx and jumps to the code under test; the code page's exit and
 * landing pad jump back to dt_rw_exit / dt_rw_landed, which store the
 * registers and flags without touching the test stack (the flags are
 * pushed only after the host's rsp is back), clear AC, DF and TF, and
 * return to dt_rw_enter's caller.
 */
#include "difftest_gprs.h"
#include "difftest_rewrite.h"

#define C(off)		(dt_rw_ctx + (off))(%rip)
#define IN(off)		C(DT_RW_IN + (off))
#define OUT(off)	C(DT_RW_OUT + (off))

	.text
	.globl	dt_rw_enter, dt_rw_exit, dt_rw_landed
	.type	dt_rw_enter, @function
dt_rw_enter:
	DT_HOST_SAVE
	mov	%rsp, C(DT_RW_HOSTRSP)
	/*
	 * The planted code was just written, perhaps on another CPU:
	 * serialize before running it (cross-modifying code, as in
	 * difftest_jit.S).
	 */
	xor	%eax, %eax
	cpuid
	pushq	C(DT_RW_INFLAGS)
	popfq
	DT_GPRS_LOAD(IN)
	mov	C(DT_RW_IN + 0x20), %rsp
	jmp	*C(DT_RW_TARGET)

	/* mov to memory and jmp leave registers and flags alone */
dt_rw_landed:
	movq	$DT_RW_LANDED, C(DT_RW_HOW)
	jmp	1f
dt_rw_exit:
	movq	$DT_RW_EXIT, C(DT_RW_HOW)
1:	DT_GPRS_STORE(OUT)
	mov	C(DT_RW_HOSTRSP), %rsp
	pushfq
	popq	C(DT_RW_OUTFLAGS)
	/* the C ABI: DF clear; and no AC or TF the code may have set */
	pushq	$0x202
	popfq
	DT_HOST_RESTORE
	ret
	.size	dt_rw_enter, . - dt_rw_enter

	.section .note.GNU-stack,"",@progbits
