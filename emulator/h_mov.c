/*
 * Data movement: MOV (and MOVNTI), MOVZX, MOVSX/MOVSXD, MOVBE.  No flags.
 * op[0] is the destination, op[1] the source; either may be the map.
 */
#include "emu_handlers.h"

EMU_HANDLER(emu_h_mov)
{
	uint64_t v;
	enum regmap_emu_status st = emu_op_read(ctx, 1, &v);

	return st ? st : emu_op_write(ctx, 0, v);
}

EMU_HANDLER(emu_h_movzx)
{
	/* emu_op_read zero-extends already */
	return emu_h_mov(ctx);
}

EMU_HANDLER(emu_h_movsx)
{
	uint64_t v;
	enum regmap_emu_status st = emu_op_read(ctx, 1, &v);

	return st ? st : emu_op_write(ctx, 0, emu_sext(v, ctx->insn->op[1].size));
}

EMU_HANDLER(emu_h_movbe)
{
	unsigned size = ctx->insn->op[0].size;
	uint64_t v;
	enum regmap_emu_status st = emu_op_read(ctx, 1, &v);

	if (st)
		return st;
	v = __builtin_bswap64(v) >> (64 - 8 * size);
	return emu_op_write(ctx, 0, v);
}
