/*
 * Exchanges: XCHG, XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B.
 *
 * The map operand is read from and written to the map image; the
 * register results go to ctx->out.  Because the core applies the map
 * write last, `xchg [0x0], rax` leaves rax unchanged and `xadd [0x8], rcx`
 * leaves the sum in rcx, as Intel's pseudo-code (register written first,
 * destination memory last) says.  LOCK changes nothing: the thread is
 * stopped and the register file is its own.
 */
#include "emu_handlers.h"

EMU_FOP_DECLARE(add);
EMU_FOP_DECLARE(cmp);

/* The register operand of a two-operand exchange: the one that is not the map. */
static unsigned emu_xchg_other(const struct emu_insn *insn)
{
	return insn->mem == 0 ? 1 : 0;
}

EMU_HANDLER(emu_h_xchg)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned m = insn->mem, r;
	uint64_t mval, rval;
	enum regmap_emu_status st;

	/* register-register forms never fault */
	if (m == 0xff || insn->nops != 2)
		return REGMAP_EMU_NOT_MAP;
	r = emu_xchg_other(insn);
	st = emu_op_read(ctx, m, &mval);
	if (st)
		return st;
	st = emu_op_read(ctx, r, &rval);
	if (st)
		return st;
	st = emu_op_write(ctx, r, mval);
	return st ? st : emu_op_write(ctx, m, rval);
}

/*
 * The operands of XADD and CMPXCHG: the memory destination op[0] and the
 * register source op[1].  A register destination never faults: NOT_MAP.
 */
static enum regmap_emu_status emu_xchg_read(struct emu_ctx *ctx, uint64_t *mval,
					    uint64_t *rval)
{
	const struct emu_insn *insn = ctx->insn;
	enum regmap_emu_status st;

	if (insn->mem != 0 || insn->nops != 2)
		return REGMAP_EMU_NOT_MAP;
	st = emu_op_read(ctx, 0, mval);
	return st ? st : emu_op_read(ctx, 1, rval);
}

EMU_HANDLER(emu_h_xadd)
{
	unsigned size = ctx->insn->op[0].size;
	struct emu_fop f;
	uint64_t mval, rval;
	enum regmap_emu_status st = emu_xchg_read(ctx, &mval, &rval);

	if (st)
		return st;

	f = (struct emu_fop){ .rax = mval, .rsi = rval, .flags = ctx->in.rflags };
	emu_fastop(emu_fop_add[emu_fop_size_index(size)], &f);
	emu_set_arith_flags(ctx, f.flags);

	st = emu_op_write(ctx, 1, mval);
	return st ? st : emu_op_write(ctx, 0, f.rax & emu_mask(size));
}

EMU_HANDLER(emu_h_cmpxchg)
{
	unsigned size = ctx->insn->op[0].size;
	struct emu_fop f;
	uint64_t mval, rval, acc;
	enum regmap_emu_status st = emu_xchg_read(ctx, &mval, &rval);

	if (st)
		return st;
	acc = emu_reg_get(&ctx->in, REGMAP_RAX, size);

	f = (struct emu_fop){ .rax = acc, .rsi = mval, .flags = ctx->in.rflags };
	emu_fastop(emu_fop_cmp[emu_fop_size_index(size)], &f);
	emu_set_arith_flags(ctx, f.flags);

	if (acc == mval)
		return emu_op_write(ctx, 0, rval);
	/*
	 * Unequal: the CPU writes the old bytes back to the destination;
	 * regmap counts that as no write, so only the accumulator changes
	 * (and only here does a 32-bit accumulator zero-extend).
	 */
	emu_reg_set(&ctx->out, REGMAP_RAX, size, mval);
	return REGMAP_EMU_OK;
}

static enum regmap_emu_status emu_cmpxchg8b(struct emu_ctx *ctx)
{
	uint64_t m, want, repl;
	enum regmap_emu_status st = emu_op_mem_read(ctx, &m, 8);

	if (st)
		return st;
	want = (ctx->in.gpr[REGMAP_RDX] << 32) | (uint32_t)ctx->in.gpr[REGMAP_RAX];
	if (m == want) {
		ctx->out.rflags |= REGMAP_FLAGS_ZF;
		repl = (ctx->in.gpr[REGMAP_RCX] << 32) | (uint32_t)ctx->in.gpr[REGMAP_RBX];
		return emu_op_mem_write(ctx, &repl, 8);
	}
	ctx->out.rflags &= ~(uint64_t)REGMAP_FLAGS_ZF;
	/* EDX:EAX <- m64: 32-bit register writes, so both zero-extend */
	emu_reg_set(&ctx->out, REGMAP_RAX, 4, m);
	emu_reg_set(&ctx->out, REGMAP_RDX, 4, m >> 32);
	return REGMAP_EMU_OK;
}

static enum regmap_emu_status emu_cmpxchg16b(struct emu_ctx *ctx)
{
	uint64_t m[2], repl[2];
	enum regmap_emu_status st;

	/* The alignment check is the CPU's #GP, but only our business in the map. */
	if (!emu_touches_map(ctx->ea, 16)) {
		ctx->res->fault_addr = ctx->ea;
		return REGMAP_EMU_NOT_MAP;
	}
	if (ctx->ea & 15) {
		ctx->res->fault_addr = ctx->ea;
		return REGMAP_EMU_FAULT_GP;
	}
	st = emu_op_mem_read(ctx, m, 16);
	if (st)
		return st;
	if (m[0] == ctx->in.gpr[REGMAP_RAX] && m[1] == ctx->in.gpr[REGMAP_RDX]) {
		ctx->out.rflags |= REGMAP_FLAGS_ZF;
		repl[0] = ctx->in.gpr[REGMAP_RBX];
		repl[1] = ctx->in.gpr[REGMAP_RCX];
		return emu_op_mem_write(ctx, repl, 16);
	}
	ctx->out.rflags &= ~(uint64_t)REGMAP_FLAGS_ZF;
	ctx->out.gpr[REGMAP_RAX] = m[0];
	ctx->out.gpr[REGMAP_RDX] = m[1];
	return REGMAP_EMU_OK;
}

/* Only ZF changes in both; the other flags keep their values. */
EMU_HANDLER(emu_h_cmpxchgnb)
{
	const struct emu_insn *insn = ctx->insn;

	if (insn->mem != 0)
		return REGMAP_EMU_NOT_MAP;
	switch (insn->op[0].size) {
	case 8:
		return emu_cmpxchg8b(ctx);
	case 16:
		return emu_cmpxchg16b(ctx);
	default:
		return REGMAP_EMU_UNSUPPORTED;
	}
}
