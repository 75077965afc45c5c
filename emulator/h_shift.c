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

static const void *shift_stub(const struct emu_ctx *ctx, unsigned size)
{
	return ctx->insn->fop ? ctx->insn->fop[emu_fop_size_index(size)] : NULL;
}

/* Run the stub on f and write the result to op[0] and the flags. */
static enum regmap_emu_status shift_finish(struct emu_ctx *ctx, const void *stub,
					   struct emu_fop *f, unsigned size)
{
	enum regmap_emu_status st;

	emu_fastop(stub, f);
	/* written even for a count of 0, as the CPU does (zero-extending eax) */
	st = emu_op_write(ctx, 0, f->rax & emu_mask(size));
	if (st)
		return st;
	emu_set_arith_flags(ctx, f->flags);
	return REGMAP_EMU_OK;
}

EMU_HANDLER(emu_h_shift)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = shift_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (ctx->insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (st)
		return st;
	f.rcx = shift_count(ctx, 1);
	return shift_finish(ctx, stub, &f, size);
}

EMU_HANDLER(emu_h_shxd)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = shift_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (ctx->insn->nops < 3 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rax);
	if (!st)
		st = emu_op_read(ctx, 1, &f.rsi);
	if (st)
		return st;
	f.rcx = shift_count(ctx, 2);
	return shift_finish(ctx, stub, &f, size);
}
