/*
 * Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR (emu_h_shift) and
 * SHLD SHRD (emu_h_shxd), with an imm8, CL or implicit-1 count.  The
 * count goes to the stub in cl whatever its form: the CPU masks it (5
 * bits, 6 for 64-bit operands) and, for a masked count of 0, leaves the
 * flags alone, so result and flags are the CPU's (see fop_shift.S).
 */
#include "emu_handlers.h"

/*
 * The count operand i: an immediate (imm8, or the 1 of the D0/D1 forms,
 * which Zydis lists as an implicit operand), CL, or absent (1).
 */
static uint64_t shift_count(const struct emu_ctx *ctx, unsigned i)
{
	const struct emu_operand *op = &ctx->insn->op[i];

	if (i >= ctx->insn->nops)
		return 1;
	if (op->kind == EMU_OP_REG)
		return emu_reg_get(&ctx->in, op->reg, 1);
	return op->imm & 0xff;
}

EMU_HANDLER(emu_h_shift)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (ctx->insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (st)
		return st;
	f.rcx = shift_count(ctx, 1);
	/* written even for a count of 0, as the CPU does (zero-extending eax) */
	return emu_fop_finish(ctx, stub, &f, size, true);
}

EMU_HANDLER(emu_h_shxd)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (ctx->insn->nops < 3 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_fop_load(ctx, &f);
	if (st)
		return st;
	f.rcx = shift_count(ctx, 2);
	return emu_fop_finish(ctx, stub, &f, size, true);
}
