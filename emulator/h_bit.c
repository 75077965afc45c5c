/*
 * Bit tests and bit scans: BT BTS BTR BTC (emu_h_bt) and BSF BSR TZCNT
 * LZCNT POPCNT (emu_h_bitscan).  Results and flags come from the CPU
 * (fop_bit.S).
 */
#include "emu_handlers.h"

/* Base of the segment override of the memory operand (0 for none). */
static uint64_t bit_seg_base(const struct emu_ctx *ctx)
{
	switch (ctx->insn->op[ctx->insn->mem].seg) {
	case EMU_SEG_FS:
		return ctx->in.fs_base;
	case EMU_SEG_GS:
		return ctx->in.gs_base;
	default:
		return 0;
	}
}

/*
 * BT* m, r: the register is a signed bit offset into the bit string at
 * ctx->ea (regmap(7), doc/DESIGN.md 3.7), so the word the CPU accesses is
 * the operand-sized one at ea + (offset >> log2(bits)) * size.  That
 * word, not the one at ea, has to be in the map.  The offset is part of
 * the effective address, so it wraps at the address size as ea does.
 */
static enum regmap_emu_status bt_mem_reg(struct emu_ctx *ctx, const void *stub,
					 unsigned size, bool write)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned bits = 8 * size;
	int64_t off = (int64_t)emu_sext(emu_reg_get(&ctx->in, insn->op[1].reg, size), size);
	uint64_t delta = (uint64_t)(off >> __builtin_ctz(bits)) * size;
	uint64_t base = bit_seg_base(ctx);
	uint64_t addr = ((ctx->ea - base + delta) & emu_mask(insn->addr_size)) + base;
	struct emu_fop f = { .rsi = (uint64_t)off & (bits - 1), .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (!emu_touches_map(addr, size)) {
		ctx->res->fault_addr = addr;
		return REGMAP_EMU_NOT_MAP;
	}
	/* in the map, or PARTIAL with fault_addr set */
	st = emu_mem_read(ctx, addr, &f.rax, size);
	if (st)
		return st;
	emu_fastop(stub, &f);
	if (write) {
		st = emu_mem_write(ctx, addr, &f.rax, size);
		if (st)
			return st;
	}
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}

/* BT* m/r, r/imm8.  The table gives BT EMU_ALU_NOWRITE, the others EMU_ALU_WRITE. */
EMU_HANDLER(emu_h_bt)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	bool write = insn->variant == EMU_ALU_WRITE;
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub)
		return REGMAP_EMU_UNSUPPORTED;
	if (insn->op[0].kind == EMU_OP_MEM && insn->op[1].kind == EMU_OP_REG)
		return bt_mem_reg(ctx, stub, size, write);

	/* an immediate offset (or a register operand) stays inside the word */
	st = emu_op_read(ctx, 0, &f.rax);
	if (st)
		return st;
	if (insn->op[1].kind == EMU_OP_REG)
		f.rsi = emu_reg_get(&ctx->in, insn->op[1].reg, size);
	else
		f.rsi = insn->op[1].imm;
	f.rsi &= 8 * size - 1;
	return emu_fop_finish(ctx, stub, &f, size, write);
}

/*
 * BSF BSR TZCNT LZCNT POPCNT r, r/m.  The stub gets the whole old
 * destination register and its whole result is written back: BSF and BSR
 * with a zero source leave the destination as the CPU leaves it (upper
 * half of a 32-bit destination included).
 */
EMU_HANDLER(emu_h_bitscan)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub || insn->op[0].kind != EMU_OP_REG ||
	    insn->op[0].reg >= 16)
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_op_read(ctx, 1, &f.rsi);
	if (st)
		return st;
	f.rax = emu_reg_get(&ctx->in, insn->op[0].reg, 8);
	emu_fastop(stub, &f);
	emu_reg_set(&ctx->out, insn->op[0].reg, 8, f.rax);
	emu_set_arith_flags(ctx, f.flags);
	return REGMAP_EMU_OK;
}
