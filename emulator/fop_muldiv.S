/*
 * Fastop stub tables of MUL, IMUL, DIV and IDIV (h_muldiv.c).
 *
 * The one-operand forms work on rdx:rax with the source in rsi (FOP_S).
 * emu_fop_imul2 is the two-operand IMUL (rax *= rsi), which the
 * three-operand form also uses with rsi = the immediate.
 * Divide stubs must only run once h_muldiv.c has ruled out #DE.
 */
#include "fastop_macros.S"

	FOP_S mul, mul
	FOP_S imul, imul
	FOP_S div, div
	FOP_S idiv, idiv

	FOP_RS_W imul2, imul

	.section .note.GNU-stack,"",@progbits
