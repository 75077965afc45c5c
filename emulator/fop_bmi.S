/*
 * Fastop stub tables of the BMI1/BMI2/ADX instructions and CRC32
 * (h_bmi.c).  These exist in 32- and 64-bit forms only (CRC32 is indexed
 * by its source size instead).
 *
 * Register convention, in Intel operand order:
 *   three operands   insn rax, rsi, rdx     (op[0], op[1], op[2])
 *   two operands     insn rax, rsi          (BLSI BLSMSK BLSR ADCX ADOX)
 *   MULX             mulx rax, rcx, rsi     (hi, lo, source; rdx implicit)
 *   CRC32            crc32 eax/rax, rsi-family
 * AT&T order is the reverse.
 */
#include "fastop_macros.S"

/* Intel "insn rax, rsi, rdx" at 32 and 64 bits */
	.macro FOP_3 name, insn
	FOP_STUB .Lfop_\name\()_4, \insn %edx, %esi, %eax
	FOP_STUB .Lfop_\name\()_8, \insn %rdx, %rsi, %rax
	FOP_TABLE \name, 0, 0, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

/* Intel "insn rax, rsi" at 32 and 64 bits */
	.macro FOP_2 name, insn
	FOP_STUB .Lfop_\name\()_4, \insn %esi, %eax
	FOP_STUB .Lfop_\name\()_8, \insn %rsi, %rax
	FOP_TABLE \name, 0, 0, .Lfop_\name\()_4, .Lfop_\name\()_8
	.endm

	FOP_3 andn, andn
	FOP_3 bextr, bextr
	FOP_3 bzhi, bzhi
	FOP_3 pdep, pdep
	FOP_3 pext, pext
	FOP_3 sarx, sarx
	FOP_3 shlx, shlx
	FOP_3 shrx, shrx

	FOP_2 blsi, blsi
	FOP_2 blsmsk, blsmsk
	FOP_2 blsr, blsr
	FOP_2 adcx, adcx
	FOP_2 adox, adox

	FOP_STUB .Lfop_mulx_4, mulx %esi, %ecx, %eax
	FOP_STUB .Lfop_mulx_8, mulx %rsi, %rcx, %rax
	FOP_TABLE mulx, 0, 0, .Lfop_mulx_4, .Lfop_mulx_8

	FOP_STUB .Lfop_crc32_1, crc32b %sil, %eax
	FOP_STUB .Lfop_crc32_2, crc32w %si, %eax
	FOP_STUB .Lfop_crc32_4, crc32l %esi, %eax
	FOP_STUB .Lfop_crc32_8, crc32q %rsi, %rax
	FOP_TABLE crc32, .Lfop_crc32_1, .Lfop_crc32_2, .Lfop_crc32_4, .Lfop_crc32_8

	.section .note.GNU-stack,"",@progbits
