/*
 * Fastop stub tables of the shifts and rotates (h_shift.c).  The count
 * is always in cl: the CPU masks it exactly as for the imm8 and the
 * implicit-1 forms, and leaves the flags alone for a masked count of 0.
 */
#include "fastop_macros.S"

	FOP_RCL shl, shl
	FOP_RCL shr, shr
	FOP_RCL sar, sar
	FOP_RCL rol, rol
	FOP_RCL ror, ror
	FOP_RCL rcl, rcl
	FOP_RCL rcr, rcr

/* name: insn %cl, src, dst with dst = rax-family, src = rsi-family; no byte form */
	.macro FOP_RSCL_W name, insn
	FOP_STUB .Lfop_\name\()_2, \insn\()w %cl, %si, %ax
	FOP_STUB .Lfop_\name\()_4, \insn\()l %cl, %esi, %eax
	FOP_STUB .Lfop_\name\()_8, \insn\()q %cl, %rsi, %rax
	FOP_TABLE \name, 0, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

	FOP_RSCL_W shld, shld
	FOP_RSCL_W shrd, shrd

	.section .note.GNU-stack,"",@progbits
