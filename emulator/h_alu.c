/*
 * Two- and one-operand arithmetic and logic: ADD ADC SUB SBB AND OR XOR
 * CMP TEST (emu_h_alu2) and INC DEC NEG NOT (emu_h_alu1).  The result
 * and the flags come from the CPU through the fastop in insn->fop (see
 * fop_alu.S), run with the target's arithmetic flags so that ADC and SBB
 * see its CF.  op[0] is the destination; either operand may be the map.
 * An immediate source comes from emu_op_read as the CPU extends it (imm8
 * in a qword ADD), cut to the operation's size.
 */
#include "emu_handlers.h"

EMU_HANDLER(emu_h_alu2)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_fop_load(ctx, &f);
	if (st)
		return st;
	return emu_fop_finish(ctx, stub, &f, size, insn->variant == EMU_ALU_WRITE);
}

EMU_HANDLER(emu_h_alu1)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (st)
		return st;
	/* NOT changes no flag: its stub hands them back as loaded */
	return emu_fop_finish(ctx, stub, &f, size, true);
}
