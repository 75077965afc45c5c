/*
 * Assembler macros that define fastop stub tables (see fastop.h).
 *
 * Each table is four pointers, for operand sizes 1, 2, 4 and 8, emitted
 * as the symbol emu_fop_<name>; a size that does not exist is 0 (NULL).
 * Each stub is the one real instruction followed by ret.
 */

	.macro FOP_TABLE name, s1, s2, s4, s8
	.section .data.rel.ro,"aw"
	.balign 8
	.globl emu_fop_\name
	.type emu_fop_\name, @object
	.size emu_fop_\name, 32
emu_fop_\name:
	.quad \s1, \s2, \s4, \s8
	.text
	.endm

	.macro FOP_STUB label, insn:vararg
	.text
	.type \label, @function
\label:
	\insn
	ret
	.size \label, . - \label
	.endm

/* name: insn src, dst with dst = rax-family, src = rsi-family; all sizes */
	.macro FOP_RS name, insn
	FOP_STUB .Lfop_\name\()_1, \insn\()b %sil, %al
	FOP_STUB .Lfop_\name\()_2, \insn\()w %si, %ax
	FOP_STUB .Lfop_\name\()_4, \insn\()l %esi, %eax
	FOP_STUB .Lfop_\name\()_8, \insn\()q %rsi, %rax
	FOP_TABLE \name, .Lfop_\name\()_1, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

/* as FOP_RS without the byte form (imul, bsf, popcnt, bt, ...) */
	.macro FOP_RS_W name, insn
	FOP_STUB .Lfop_\name\()_2, \insn\()w %si, %ax
	FOP_STUB .Lfop_\name\()_4, \insn\()l %esi, %eax
	FOP_STUB .Lfop_\name\()_8, \insn\()q %rsi, %rax
	FOP_TABLE \name, 0, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

/* name: insn dst with dst = rax-family; all sizes (inc, dec, neg, not) */
	.macro FOP_R name, insn
	FOP_STUB .Lfop_\name\()_1, \insn\()b %al
	FOP_STUB .Lfop_\name\()_2, \insn\()w %ax
	FOP_STUB .Lfop_\name\()_4, \insn\()l %eax
	FOP_STUB .Lfop_\name\()_8, \insn\()q %rax
	FOP_TABLE \name, .Lfop_\name\()_1, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

/* name: insn src with src = rsi-family; all sizes (mul, imul, div, idiv on rdx:rax) */
	.macro FOP_S name, insn
	FOP_STUB .Lfop_\name\()_1, \insn\()b %sil
	FOP_STUB .Lfop_\name\()_2, \insn\()w %si
	FOP_STUB .Lfop_\name\()_4, \insn\()l %esi
	FOP_STUB .Lfop_\name\()_8, \insn\()q %rsi
	FOP_TABLE \name, .Lfop_\name\()_1, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

/* name: insn %cl, dst with dst = rax-family; all sizes (shifts, rotates) */
	.macro FOP_RCL name, insn
	FOP_STUB .Lfop_\name\()_1, \insn\()b %cl, %al
	FOP_STUB .Lfop_\name\()_2, \insn\()w %cl, %ax
	FOP_STUB .Lfop_\name\()_4, \insn\()l %cl, %eax
	FOP_STUB .Lfop_\name\()_8, \insn\()q %cl, %rax
	FOP_TABLE \name, .Lfop_\name\()_1, .Lfop_\name\()_2, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm
