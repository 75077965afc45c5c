/*
 * Fastop stub tables of the two- and one-operand ALU instructions
 * (h_alu.c).  emu_fop_add and emu_fop_cmp are also used by XADD,
 * CMPXCHG, CMPS and SCAS, so every table here keeps the FOP_RS / FOP_R
 * convention: destination in rax, source in rsi, all four sizes.
 */
#include "fastop_macros.S"

	FOP_RS add, add
	FOP_RS adc, adc
	FOP_RS sub, sub
	FOP_RS sbb, sbb
	FOP_RS and, and
	FOP_RS or, or
	FOP_RS xor, xor
	FOP_RS cmp, cmp
	FOP_RS test, test

	FOP_R inc, inc
	FOP_R dec, dec
	FOP_R neg, neg
	FOP_R not, not

	.section .note.GNU-stack,"",@progbits
