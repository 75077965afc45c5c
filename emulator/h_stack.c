/*
 * Stack and control flow through the map: PUSH m, POP m, CALL m, JMP m
 * (near, absolute indirect).  The explicit operand is the map; the stack
 * is always the target's real memory (regmap(7)), reached through
 * emu_real_read/write, and uses the live rsp.
 *
 * Every handler reads or checks its map operand before it touches the
 * stack, so an operand outside the map is NOT_MAP with nothing written.
 */
#include "emu_handlers.h"

/*
 * Near indirect branches take an 8-byte target, or on AMD with 0x66 a
 * 2-byte one (decode.c); anything else is far (m16:16, m16:32, m16:64).
 */
static bool emu_near(unsigned size)
{
	return size == 8 || size == 2;
}

/* NOT_MAP or PARTIAL for an operand that is not entirely inside the map; OK if it is. */
static enum regmap_emu_status emu_stack_op_check(struct emu_ctx *ctx, unsigned size)
{
	if (emu_in_map(ctx->ea, size))
		return REGMAP_EMU_OK;
	if (!emu_touches_map(ctx->ea, size)) {
		ctx->res->fault_addr = ctx->ea;
		return REGMAP_EMU_NOT_MAP;
	}
	ctx->res->fault_addr = ctx->ea < REGMAP_MAP_SIZE ? REGMAP_MAP_SIZE : ctx->ea;
	return REGMAP_EMU_PARTIAL;
}

EMU_HANDLER(emu_h_push)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	uint64_t v, rsp;
	enum regmap_emu_status st;

	if (insn->mem != 0)
		return REGMAP_EMU_NOT_MAP;
	/* the old value: `push [0x20]` pushes rsp as it was before the push */
	st = emu_op_read(ctx, 0, &v);
	if (st)
		return st;
	rsp = ctx->in.gpr[REGMAP_RSP] - size;
	st = emu_real_write(ctx, rsp, &v, size);
	if (st)
		return st;
	ctx->out.gpr[REGMAP_RSP] = rsp;
	return REGMAP_EMU_OK;
}

EMU_HANDLER(emu_h_pop)
{
	const struct emu_insn *insn = ctx->insn;
	const struct emu_operand *op = &insn->op[0];
	unsigned size = op->size;
	uint64_t v = 0, rsp = ctx->in.gpr[REGMAP_RSP];
	enum regmap_emu_status st;

	if (insn->mem != 0)
		return REGMAP_EMU_NOT_MAP;
	/*
	 * Intel: with rsp as the base register, the effective address is
	 * computed after the pop has incremented rsp.
	 */
	if (op->base == REGMAP_RSP) {
		ctx->in.gpr[REGMAP_RSP] = rsp + size;
		ctx->ea = emu_ea(ctx, op);
		ctx->in.gpr[REGMAP_RSP] = rsp;
	}
	st = emu_stack_op_check(ctx, size);
	if (st)
		return st;
	st = emu_real_read(ctx, rsp, &v, size);
	if (st)
		return st;
	ctx->out.gpr[REGMAP_RSP] = rsp + size;
	/* the map write comes last: `pop [0x20]` leaves the popped value in rsp */
	return emu_op_write(ctx, 0, v);
}

/* The target of a near indirect CALL/JMP, or the status to return. */
static enum regmap_emu_status emu_branch_target(struct emu_ctx *ctx, uint64_t *target)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	enum regmap_emu_status st;

	if (insn->mem != 0)
		return REGMAP_EMU_NOT_MAP;
	if (!emu_near(size)) {
		/* far forms load cs: not something a map access can do */
		st = emu_stack_op_check(ctx, size);
		return st ? st : REGMAP_EMU_UNSUPPORTED;
	}
	st = emu_op_read(ctx, 0, target);
	if (st)
		return st;
	/* a non-canonical target faults on the branch itself, before any push */
	if (!emu_canonical(*target)) {
		ctx->res->fault_addr = 0;
		return REGMAP_EMU_FAULT_GP;
	}
	return REGMAP_EMU_OK;
}

EMU_HANDLER(emu_h_call)
{
	unsigned size = ctx->insn->op[0].size;
	uint64_t target, ret = ctx->in.rip, rsp = ctx->in.gpr[REGMAP_RSP] - size;
	enum regmap_emu_status st = emu_branch_target(ctx, &target);

	if (st)
		return st;
	/* a 16-bit call pushes the low half of the return address (little-endian) */
	st = emu_real_write(ctx, rsp, &ret, size);
	if (st)
		return st;
	ctx->out.gpr[REGMAP_RSP] = rsp;
	ctx->out.rip = target;
	return REGMAP_EMU_OK;
}

EMU_HANDLER(emu_h_jmp)
{
	uint64_t target;
	enum regmap_emu_status st = emu_branch_target(ctx, &target);

	if (st)
		return st;
	ctx->out.rip = target;
	return REGMAP_EMU_OK;
}
