/*
 * Conditional moves and sets: SETcc m8 and CMOVcc r, m.  insn->cond is
 * the condition (the low nibble of the opcode); emu_cond() evaluates it
 * on the flags at the start of the instruction.  Neither changes flags.
 */
#include "emu_handlers.h"

EMU_HANDLER(emu_h_setcc)
{
	const struct emu_insn *insn = ctx->insn;

	if (insn->mem != 0)
		return REGMAP_EMU_NOT_MAP;
	return emu_op_write(ctx, 0, emu_cond(ctx->in.rflags, insn->cond));
}

EMU_HANDLER(emu_h_cmovcc)
{
	const struct emu_insn *insn = ctx->insn;
	const struct emu_operand *dst = &insn->op[0];
	uint64_t v;
	enum regmap_emu_status st;

	if (insn->mem != 1 || insn->nops != 2)
		return REGMAP_EMU_NOT_MAP;
	/* The CPU reads the source whatever the condition (and faults on it). */
	st = emu_op_read(ctx, 1, &v);
	if (st)
		return st;
	if (emu_cond(ctx->in.rflags, insn->cond))
		return emu_op_write(ctx, 0, v);
	/*
	 * False: a 32-bit destination is still written with its own value,
	 * which zero-extends it; 16- and 64-bit destinations are untouched.
	 */
	if (dst->size == 4)
		emu_reg_set(&ctx->out, dst->reg, 4, emu_reg_get(&ctx->in, dst->reg, 4));
	return REGMAP_EMU_OK;
}
