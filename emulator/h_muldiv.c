/*
 * Multiply and divide: MUL and one-operand IMUL on rdx:rax (emu_h_mul1),
 * two- and three-operand IMUL (emu_h_imul), DIV and IDIV (emu_h_div).
 * Results and flags come from the CPU (fop_muldiv.S); the divide error
 * is predicted here first, because a #DE in the emulator itself would
 * kill the tracer or the in-process handler.
 */
#include "emu_handlers.h"

EMU_FOP_DECLARE(imul2);
EMU_FOP_DECLARE(idiv);

/*
 * The implicit operands of the one-operand forms: AX for a byte source,
 * else DX:AX, EDX:EAX or RDX:RAX.  The stubs take them whole from rax and
 * rdx; this writes back what the instruction defines (32-bit results
 * zero the upper halves of rax and rdx).
 */
static void muldiv_put(struct emu_ctx *ctx, const struct emu_fop *f, unsigned size)
{
	if (size == 1) {
		emu_reg_set(&ctx->out, REGMAP_RAX, 2, f->rax);
		return;
	}
	emu_reg_set(&ctx->out, REGMAP_RAX, size, f->rax);
	emu_reg_set(&ctx->out, REGMAP_RDX, size, f->rdx);
}

EMU_HANDLER(emu_h_mul1)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = {
		.rax = ctx->in.gpr[REGMAP_RAX],
		.rdx = ctx->in.gpr[REGMAP_RDX],
		.flags = ctx->in.rflags,
	};
	enum regmap_emu_status st;

	if (ctx->insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rsi);
	if (st)
		return st;
	emu_fastop(stub, &f);
	muldiv_put(ctx, &f, size);
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}

/*
 * IMUL r, r/m and IMUL r, r/m, imm.  Both run the two-operand stub: the
 * three-operand form as rax = r/m, rsi = imm (emu_op_read gives it
 * sign-extended, then cut to the operand size like any operand).
 */
EMU_HANDLER(emu_h_imul)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_imul2[emu_fop_size_index(size)];
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops == 1)
		return emu_h_mul1(ctx);
	if (insn->nops < 2 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	if (insn->nops == 2) {
		st = emu_fop_load(ctx, &f);
	} else {
		st = emu_op_read(ctx, 1, &f.rax);
		if (!st)
			st = emu_op_read(ctx, 2, &f.rsi);
	}
	if (st)
		return st;
	return emu_fop_finish(ctx, stub, &f, size, true);
}

/*
 * Would dividing hi:lo (each size bytes; AH:AL for bytes) by src raise
 * #DE?  Divisor 0, or a quotient that does not fit in size bytes.
 */
static bool div_faults(uint64_t hi, uint64_t lo, uint64_t src, unsigned size,
		       bool is_signed)
{
	unsigned bits = 8 * size;
	__int128 n, d, q;

	if (!src)
		return true;
	if (!is_signed)
		return hi >= src;	/* quotient >= 2^bits exactly when hi >= src */

	d = (int64_t)emu_sext(src, size);
	if (size == 8)
		n = (__int128)(((unsigned __int128)hi << 64) | lo);
	else
		n = (int64_t)emu_sext(hi << bits | lo, 2 * size);
	/* the one case where the division itself overflows __int128 */
	if (size == 8 && d == -1 && lo == 0 && hi == 1ull << 63)
		return true;
	q = n / d;
	return q > (__int128)((1ull << (bits - 1)) - 1) ||
	       q < -(__int128)(1ull << (bits - 1));
}

EMU_HANDLER(emu_h_div)
{
	unsigned size = ctx->insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	bool is_signed = ctx->insn->fop == emu_fop_idiv;
	struct emu_fop f = {
		.rax = ctx->in.gpr[REGMAP_RAX],
		.rdx = ctx->in.gpr[REGMAP_RDX],
		.flags = ctx->in.rflags,
	};
	uint64_t hi, lo;
	enum regmap_emu_status st;

	if (ctx->insn->nops < 1 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 0, &f.rsi);
	if (st)
		return st;
	if (size == 1) {
		lo = f.rax & 0xff;
		hi = (f.rax >> 8) & 0xff;
	} else {
		lo = f.rax & emu_mask(size);
		hi = f.rdx & emu_mask(size);
	}
	if (div_faults(hi, lo, f.rsi, size, is_signed))
		return REGMAP_EMU_FAULT_DE;
	emu_fastop(stub, &f);
	muldiv_put(ctx, &f, size);
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}
