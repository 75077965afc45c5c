/*
 * Two- and one-operand arithmetic and logic: ADD ADC SUB SBB AND OR XOR
 * CMP TEST (emu_h_alu2) and INC DEC NEG NOT (emu_h_alu1).  The result
 * and the flags come from the CPU through the fastop in insn->fop (see
 * fop_alu.S), run with the target's arithmetic flags so that ADC and SBB
 * see its CF.  op[0] is the destination; either operand may be the map.
 */
#include "emu_handlers.h"

/*
 * Source operand i at the operation's size.  An immediate is kept as the
 * CPU sign-extends it (imm8 in a qword ADD), not cut to its encoded size
 * as emu_op_read does.
 */
static enum regmap_emu_status alu_src(struct emu_ctx *ctx, unsigned i,
				      unsigned size, uint64_t *val)
{
	const struct emu_operand *op = &ctx->insn->op[i];

	if (op->kind == EMU_OP_IMM) {
		*val = op->imm & emu_mask(size);
		return REGMAP_EMU_OK;
	}
	return emu_op_read(ctx, i, val);
}

static const void *alu_stub(const struct emu_ctx *ctx, unsigned size)
{
	return ctx->insn->fop ? ctx->insn->fop[emu_fop_size_index(size)] : NULL;
}

EMU_HANDLER(emu_h_alu2)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = alu_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (!st)
		st = alu_src(ctx, 1, size, &f.rsi);
	if (st)
		return st;

	emu_fastop(stub, &f);

	if (insn->variant == EMU_ALU_WRITE) {
		st = emu_op_write(ctx, 0, f.rax & emu_mask(size));
		if (st)
			return st;
	}
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}

EMU_HANDLER(emu_h_alu1)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = alu_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (st)
		return st;

	emu_fastop(stub, &f);

	st = emu_op_write(ctx, 0, f.rax & emu_mask(size));
	if (st)
		return st;
	/* NOT changes no flag: its stub hands them back as loaded */
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}
