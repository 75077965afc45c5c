/*
 * The one table from a Zydis mnemonic to the handler that emulates it.
 * Adding an instruction: one line here and, if no handler fits, one
 * handler in the family's h_*.c.
 */
#include <Zydis/Zydis.h>

#include "emu_handlers.h"

/* fastop tables of the fastop families (fop_*.S) */
EMU_FOP_DECLARE(add); EMU_FOP_DECLARE(adc); EMU_FOP_DECLARE(sub);
EMU_FOP_DECLARE(sbb); EMU_FOP_DECLARE(and); EMU_FOP_DECLARE(or);
EMU_FOP_DECLARE(xor); EMU_FOP_DECLARE(cmp); EMU_FOP_DECLARE(test);
EMU_FOP_DECLARE(inc); EMU_FOP_DECLARE(dec); EMU_FOP_DECLARE(neg);
EMU_FOP_DECLARE(not);
EMU_FOP_DECLARE(shl); EMU_FOP_DECLARE(shr); EMU_FOP_DECLARE(sar);
EMU_FOP_DECLARE(rol); EMU_FOP_DECLARE(ror); EMU_FOP_DECLARE(rcl);
EMU_FOP_DECLARE(rcr); EMU_FOP_DECLARE(shld); EMU_FOP_DECLARE(shrd);
EMU_FOP_DECLARE(mul); EMU_FOP_DECLARE(imul); EMU_FOP_DECLARE(div);
EMU_FOP_DECLARE(idiv);
EMU_FOP_DECLARE(bt); EMU_FOP_DECLARE(bts); EMU_FOP_DECLARE(btr);
EMU_FOP_DECLARE(btc); EMU_FOP_DECLARE(bsf); EMU_FOP_DECLARE(bsr);
EMU_FOP_DECLARE(tzcnt); EMU_FOP_DECLARE(lzcnt); EMU_FOP_DECLARE(popcnt);
EMU_FOP_DECLARE(andn); EMU_FOP_DECLARE(bextr); EMU_FOP_DECLARE(blsi);
EMU_FOP_DECLARE(blsmsk); EMU_FOP_DECLARE(blsr); EMU_FOP_DECLARE(bzhi);
EMU_FOP_DECLARE(pdep); EMU_FOP_DECLARE(pext); EMU_FOP_DECLARE(sarx);
EMU_FOP_DECLARE(shlx); EMU_FOP_DECLARE(shrx); EMU_FOP_DECLARE(mulx);
EMU_FOP_DECLARE(adcx); EMU_FOP_DECLARE(adox); EMU_FOP_DECLARE(crc32);
/* end of fastop tables */


static const struct emu_table_entry emu_table[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
	/* data movement (h_mov.c) */
	[ZYDIS_MNEMONIC_MOV]		= { emu_h_mov, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVNTI]		= { emu_h_mov, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVZX]		= { emu_h_movzx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSX]		= { emu_h_movsx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSXD]		= { emu_h_movsx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVBE]		= { emu_h_movbe, NULL, 0 },

	/* fastop families: h_alu.c h_shift.c h_muldiv.c h_bit.c h_bmi.c */
	[ZYDIS_MNEMONIC_ADD]		= { emu_h_alu2, emu_fop_add, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_ADC]		= { emu_h_alu2, emu_fop_adc, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_SUB]		= { emu_h_alu2, emu_fop_sub, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_SBB]		= { emu_h_alu2, emu_fop_sbb, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_AND]		= { emu_h_alu2, emu_fop_and, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_OR]		= { emu_h_alu2, emu_fop_or, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_XOR]		= { emu_h_alu2, emu_fop_xor, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_CMP]		= { emu_h_alu2, emu_fop_cmp, EMU_ALU_NOWRITE },
	[ZYDIS_MNEMONIC_TEST]		= { emu_h_alu2, emu_fop_test, EMU_ALU_NOWRITE },
	[ZYDIS_MNEMONIC_INC]		= { emu_h_alu1, emu_fop_inc, 0 },
	[ZYDIS_MNEMONIC_DEC]		= { emu_h_alu1, emu_fop_dec, 0 },
	[ZYDIS_MNEMONIC_NEG]		= { emu_h_alu1, emu_fop_neg, 0 },
	[ZYDIS_MNEMONIC_NOT]		= { emu_h_alu1, emu_fop_not, 0 },
	[ZYDIS_MNEMONIC_SHL]		= { emu_h_shift, emu_fop_shl, 0 },
	[ZYDIS_MNEMONIC_SHR]		= { emu_h_shift, emu_fop_shr, 0 },
	[ZYDIS_MNEMONIC_SAR]		= { emu_h_shift, emu_fop_sar, 0 },
	[ZYDIS_MNEMONIC_ROL]		= { emu_h_shift, emu_fop_rol, 0 },
	[ZYDIS_MNEMONIC_ROR]		= { emu_h_shift, emu_fop_ror, 0 },
	[ZYDIS_MNEMONIC_RCL]		= { emu_h_shift, emu_fop_rcl, 0 },
	[ZYDIS_MNEMONIC_RCR]		= { emu_h_shift, emu_fop_rcr, 0 },
	[ZYDIS_MNEMONIC_SHLD]		= { emu_h_shxd, emu_fop_shld, 0 },
	[ZYDIS_MNEMONIC_SHRD]		= { emu_h_shxd, emu_fop_shrd, 0 },
	[ZYDIS_MNEMONIC_MUL]		= { emu_h_mul1, emu_fop_mul, 0 },
	[ZYDIS_MNEMONIC_IMUL]		= { emu_h_imul, emu_fop_imul, 0 },
	[ZYDIS_MNEMONIC_DIV]		= { emu_h_div, emu_fop_div, 0 },
	[ZYDIS_MNEMONIC_IDIV]		= { emu_h_div, emu_fop_idiv, 0 },
	[ZYDIS_MNEMONIC_BT]		= { emu_h_bt, emu_fop_bt, EMU_ALU_NOWRITE },
	[ZYDIS_MNEMONIC_BTS]		= { emu_h_bt, emu_fop_bts, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_BTR]		= { emu_h_bt, emu_fop_btr, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_BTC]		= { emu_h_bt, emu_fop_btc, EMU_ALU_WRITE },
	[ZYDIS_MNEMONIC_BSF]		= { emu_h_bitscan, emu_fop_bsf, 0 },
	[ZYDIS_MNEMONIC_BSR]		= { emu_h_bitscan, emu_fop_bsr, 0 },
	[ZYDIS_MNEMONIC_TZCNT]		= { emu_h_bitscan, emu_fop_tzcnt, 0 },
	[ZYDIS_MNEMONIC_LZCNT]		= { emu_h_bitscan, emu_fop_lzcnt, 0 },
	[ZYDIS_MNEMONIC_POPCNT]		= { emu_h_bitscan, emu_fop_popcnt, 0 },
	[ZYDIS_MNEMONIC_ANDN]		= { emu_h_bmi, emu_fop_andn, 0 },
	[ZYDIS_MNEMONIC_BEXTR]		= { emu_h_bmi, emu_fop_bextr, 0 },
	[ZYDIS_MNEMONIC_BLSI]		= { emu_h_bmi, emu_fop_blsi, 0 },
	[ZYDIS_MNEMONIC_BLSMSK]		= { emu_h_bmi, emu_fop_blsmsk, 0 },
	[ZYDIS_MNEMONIC_BLSR]		= { emu_h_bmi, emu_fop_blsr, 0 },
	[ZYDIS_MNEMONIC_BZHI]		= { emu_h_bmi, emu_fop_bzhi, 0 },
	[ZYDIS_MNEMONIC_PDEP]		= { emu_h_bmi, emu_fop_pdep, 0 },
	[ZYDIS_MNEMONIC_PEXT]		= { emu_h_bmi, emu_fop_pext, 0 },
	[ZYDIS_MNEMONIC_SARX]		= { emu_h_bmi, emu_fop_sarx, 0 },
	[ZYDIS_MNEMONIC_SHLX]		= { emu_h_bmi, emu_fop_shlx, 0 },
	[ZYDIS_MNEMONIC_SHRX]		= { emu_h_bmi, emu_fop_shrx, 0 },
	[ZYDIS_MNEMONIC_MULX]		= { emu_h_bmi, emu_fop_mulx, 0 },
	[ZYDIS_MNEMONIC_RORX]		= { emu_h_bmi, NULL, 0 },
	[ZYDIS_MNEMONIC_ADCX]		= { emu_h_adx, emu_fop_adcx, 0 },
	[ZYDIS_MNEMONIC_ADOX]		= { emu_h_adx, emu_fop_adox, 0 },
	[ZYDIS_MNEMONIC_CRC32]		= { emu_h_crc32, emu_fop_crc32, 0 },

	/* end of fastop families */

	/* exchange, cond, stack, string: h_xchg.c h_cond.c h_stack.c h_string.c */
	[ZYDIS_MNEMONIC_XCHG]		= { emu_h_xchg, NULL, 0 },
	[ZYDIS_MNEMONIC_XADD]		= { emu_h_xadd, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPXCHG]	= { emu_h_cmpxchg, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPXCHG8B]	= { emu_h_cmpxchgnb, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPXCHG16B]	= { emu_h_cmpxchgnb, NULL, 0 },
	/* the condition is insn->cond, the low nibble of the opcode */
	[ZYDIS_MNEMONIC_SETO]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNO]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETB]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNB]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETZ]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNZ]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETBE]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNBE]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETS]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNS]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETP]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNP]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETL]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNL]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETLE]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_SETNLE]		= { emu_h_setcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVO]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNO]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVB]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNB]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVZ]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNZ]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVBE]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNBE]	= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVS]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNS]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVP]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNP]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVL]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNL]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVLE]		= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_CMOVNLE]	= { emu_h_cmovcc, NULL, 0 },
	[ZYDIS_MNEMONIC_PUSH]		= { emu_h_push, NULL, 0 },
	[ZYDIS_MNEMONIC_POP]		= { emu_h_pop, NULL, 0 },
	[ZYDIS_MNEMONIC_CALL]		= { emu_h_call, NULL, 0 },
	[ZYDIS_MNEMONIC_JMP]		= { emu_h_jmp, NULL, 0 },
	/* MOVSD and CMPSD are also SSE mnemonics: the handlers refuse those forms */
	[ZYDIS_MNEMONIC_MOVSB]		= { emu_h_movs, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSW]		= { emu_h_movs, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSD]		= { emu_h_movs, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSQ]		= { emu_h_movs, NULL, 0 },
	[ZYDIS_MNEMONIC_STOSB]		= { emu_h_stos, NULL, 0 },
	[ZYDIS_MNEMONIC_STOSW]		= { emu_h_stos, NULL, 0 },
	[ZYDIS_MNEMONIC_STOSD]		= { emu_h_stos, NULL, 0 },
	[ZYDIS_MNEMONIC_STOSQ]		= { emu_h_stos, NULL, 0 },
	[ZYDIS_MNEMONIC_LODSB]		= { emu_h_lods, NULL, 0 },
	[ZYDIS_MNEMONIC_LODSW]		= { emu_h_lods, NULL, 0 },
	[ZYDIS_MNEMONIC_LODSD]		= { emu_h_lods, NULL, 0 },
	[ZYDIS_MNEMONIC_LODSQ]		= { emu_h_lods, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPSB]		= { emu_h_cmps, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPSW]		= { emu_h_cmps, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPSD]		= { emu_h_cmps, NULL, 0 },
	[ZYDIS_MNEMONIC_CMPSQ]		= { emu_h_cmps, NULL, 0 },
	[ZYDIS_MNEMONIC_SCASB]		= { emu_h_scas, NULL, 0 },
	[ZYDIS_MNEMONIC_SCASW]		= { emu_h_scas, NULL, 0 },
	[ZYDIS_MNEMONIC_SCASD]		= { emu_h_scas, NULL, 0 },
	[ZYDIS_MNEMONIC_SCASQ]		= { emu_h_scas, NULL, 0 },

	/* end of exchange, cond, stack, string */
};

const struct emu_table_entry *emu_table_lookup(unsigned zydis_mnemonic)
{
	const struct emu_table_entry *e;

	if (zydis_mnemonic > ZYDIS_MNEMONIC_MAX_VALUE)
		return NULL;
	e = &emu_table[zydis_mnemonic];
	return e->handler ? e : NULL;
}
