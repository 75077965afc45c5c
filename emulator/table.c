/*
 * The one table from a Zydis mnemonic to the handler that emulates it.
 * Adding an instruction: one line here and, if no handler fits, one
 * handler in the family's h_*.c.
 */
#include <Zydis/Zydis.h>

#include "emu_handlers.h"


static const struct emu_table_entry emu_table[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
	/* data movement (h_mov.c) */
	[ZYDIS_MNEMONIC_MOV]		= { emu_h_mov, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVNTI]		= { emu_h_mov, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVZX]		= { emu_h_movzx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSX]		= { emu_h_movsx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVSXD]		= { emu_h_movsx, NULL, 0 },
	[ZYDIS_MNEMONIC_MOVBE]		= { emu_h_movbe, NULL, 0 },

	/* fastop families: h_alu.c h_shift.c h_muldiv.c h_bit.c h_bmi.c */

	/* end of fastop families */

	/* exchange, cond, stack, string: h_xchg.c h_cond.c h_stack.c h_string.c */

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
