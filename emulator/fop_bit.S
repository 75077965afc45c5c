/*
 * Fastop stub tables of the bit tests and bit scans (h_bit.c): the
 * operand-sized word in rax, the bit offset or the source in rsi.  The
 * scans get the old destination in rax so that a zero source leaves it
 * as the CPU leaves it.  TZCNT and LZCNT run as themselves: on a CPU
 * without BMI1/LZCNT they are BSF/BSR there as they are in the target.
 */
#include "fastop_macros.S"

	FOP_RS_W bt, bt
	FOP_RS_W bts, bts
	FOP_RS_W btr, btr
	FOP_RS_W btc, btc

	FOP_RS_W bsf, bsf
	FOP_RS_W bsr, bsr
	FOP_RS_W tzcnt, tzcnt
	FOP_RS_W lzcnt, lzcnt
	FOP_RS_W popcnt, popcnt

	.section .note.GNU-stack,"",@progbits
