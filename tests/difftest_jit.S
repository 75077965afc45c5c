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
#include <asm/prctl.h>
#include <asm/unistd.h>

#include "difftest_gprs.h"
#include "difftest_jit.h"

#define D(off)	(.Ltmpl + DT_JIT_DATA + (off))(%rip)
#define IN(off)		D(DT_D_IN + (off))
#define OUT(off)	D(DT_D_OUT + (off))

/*
 * The fs or gs base := base (an operand), with arch_prctl(): the results
 * are or-ed into the data page.  Clobbers rax, rcx, rdi, rsi, r11.
 */
.macro SETBASE which, base
	mov	$\which, %edi
	mov	\base, %rsi
	mov	$__NR_arch_prctl, %eax
	syscall
.endm

	.text
	.balign 64
	.globl dt_jit_tmpl, dt_jit_after, dt_jit_land, dt_jit_tmpl_end
	.type dt_jit_tmpl, @function
dt_jit_tmpl:
.Ltmpl:
	DT_HOST_SAVE
	mov	%rsp, D(DT_D_HOSTRSP)
	/*
	 * The instruction was just written to the code page, perhaps on
	 * another CPU (the thread can move in between): cross-modifying
	 * code, which needs a serializing instruction before it runs (SDM
	 * vol. 3, 8.1.3).  Without it about one case in 2*10^6 got #UD or
	 * ran stale bytes on a virtualized AMD EPYC (in the difftest before
	 * the addressing forms too).
	 */
	xor	%eax, %eax
	cpuid
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
	/*
	 * The addressing forms: the fs and gs bases the case needs.  From
	 * here until they are back, nothing may use fs (glibc's thread
	 * pointer): no C code runs, and dt_jit_sigentry puts them back
	 * before the signal handler does.
	 */
	cmpq	$0, D(DT_D_SEGSET)
	je	5f
	SETBASE	ARCH_SET_FS, D(DT_D_FS)
	or	%rax, D(DT_D_SEGERR)
	SETBASE	ARCH_SET_GS, D(DT_D_GS)
	or	%rax, D(DT_D_SEGERR)
5:
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
	cmpq	$0, D(DT_D_SEGSET)
	je	6f
	SETBASE	ARCH_SET_FS, D(DT_D_HOSTFS)
	or	%rax, D(DT_D_SEGERR)
	SETBASE	ARCH_SET_GS, D(DT_D_HOSTGS)
	or	%rax, D(DT_D_SEGERR)
6:
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

/*
 * The native run's signal handler (not part of the template): a fault
 * while the case's fs and gs bases are set must not run C code before
 * glibc's are back (its thread pointer, the stack protector's canary and
 * siglongjmp's pointer guard live at fs:).  rdi, rsi, rdx are the
 * handler's arguments.
 */
	.globl dt_jit_sigentry
	.type dt_jit_sigentry, @function
dt_jit_sigentry:
	cmpq	$0, dt_seg_dirty(%rip)
	je	1f
	push	%rdi
	push	%rsi
	push	%rdx
	SETBASE	ARCH_SET_FS, dt_seg_host(%rip)
	SETBASE	ARCH_SET_GS, dt_seg_host+8(%rip)
	pop	%rdx
	pop	%rsi
	pop	%rdi
1:
	jmp	dt_on_fault
	.size dt_jit_sigentry, . - dt_jit_sigentry

	.section .note.GNU-stack,"",@progbits
