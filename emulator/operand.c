/*
 * Operand access for the handlers: registers with x86's partial-write
 * rules, effective addresses, the map image, and the target's other
 * memory through the callbacks.
 */
#include "emu_internal.h"

uint64_t emu_reg_get(const struct regmap_cpu *cpu, unsigned reg, unsigned size)
{
	if (reg >= EMU_REG_AH && reg < EMU_REG_AH + 4)
		return (cpu->gpr[reg - EMU_REG_AH] >> 8) & 0xff;
	return cpu->gpr[reg] & emu_mask(size);
}

void emu_reg_set(struct regmap_cpu *cpu, unsigned reg, unsigned size, uint64_t val)
{
	uint64_t *r;

	if (reg >= EMU_REG_AH && reg < EMU_REG_AH + 4) {
		r = &cpu->gpr[reg - EMU_REG_AH];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	r = &cpu->gpr[reg];
	if (size >= 8)
		*r = val;
	else if (size == 4)
		*r = (uint32_t)val;	/* 32-bit writes zero the upper half */
	else
		*r = (*r & ~emu_mask(size)) | (val & emu_mask(size));
}

uint64_t emu_ea(const struct emu_ctx *ctx, const struct emu_operand *op)
{
	uint64_t amask = emu_mask(ctx->insn->addr_size);
	uint64_t a = op->disp;

	if (op->base == EMU_REG_RIP)
		a += ctx->in.rip;
	else if (op->base != EMU_REG_NONE)
		a += ctx->in.gpr[op->base] & amask;
	if (op->index != EMU_REG_NONE)
		a += (ctx->in.gpr[op->index] & amask) * op->scale;
	a &= amask;
	if (op->seg == EMU_SEG_FS)
		a += ctx->in.fs_base;
	else if (op->seg == EMU_SEG_GS)
		a += ctx->in.gs_base;
	return a;
}

static void emu_record(struct emu_ctx *ctx, bool write, uint64_t off,
		       const void *data, unsigned size)
{
	struct regmap_emu_result *res = ctx->res;
	struct regmap_emu_access *a;

	if (res->naccess >= REGMAP_EMU_MAX_ACCESS)
		return;
	a = &res->access[res->naccess++];
	a->write = write;
	a->size = size;
	a->offset = off;
	memcpy(a->data, data, size < sizeof(a->data) ? size : sizeof(a->data));
}

/* OK if [addr, addr+size) is in the map; else NOT_MAP or PARTIAL. */
static enum regmap_emu_status emu_map_check(struct emu_ctx *ctx, uint64_t addr,
					    unsigned size)
{
	if (emu_in_map(addr, size))
		return REGMAP_EMU_OK;
	if (emu_touches_map(addr, size)) {
		ctx->res->fault_addr = addr < REGMAP_MAP_SIZE ? REGMAP_MAP_SIZE : addr;
		return REGMAP_EMU_PARTIAL;
	}
	ctx->res->fault_addr = addr;
	return REGMAP_EMU_NOT_MAP;
}

static void emu_map_get(struct emu_ctx *ctx, uint64_t off, void *buf, unsigned size)
{
	memcpy(buf, ctx->map + off, size);
	emu_record(ctx, false, off, buf, size);
}

static void emu_map_put(struct emu_ctx *ctx, uint64_t off, const void *buf, unsigned size)
{
	memcpy(ctx->map + off, buf, size);
	for (uint64_t i = off; i < off + size; i++)
		ctx->map_written[i / 64] |= 1ull << (i % 64);
	emu_record(ctx, true, off, buf, size);
}

enum regmap_emu_status emu_real_read(struct emu_ctx *ctx, uint64_t addr,
				      void *buf, unsigned size)
{
	if (!ctx->mem || !ctx->mem->read ||
	    ctx->mem->read(ctx->mem->ctx, addr, buf, size) < 0) {
		ctx->res->fault_addr = addr;
		return REGMAP_EMU_MEM_FAULT;
	}
	return REGMAP_EMU_OK;
}

enum regmap_emu_status emu_real_write(struct emu_ctx *ctx, uint64_t addr,
				       const void *buf, unsigned size)
{
	if (!ctx->mem || !ctx->mem->write ||
	    ctx->mem->write(ctx->mem->ctx, addr, buf, size) < 0) {
		ctx->res->fault_addr = addr;
		return REGMAP_EMU_MEM_FAULT;
	}
	return REGMAP_EMU_OK;
}

enum regmap_emu_status emu_mem_read(struct emu_ctx *ctx, uint64_t addr,
				    void *buf, unsigned size)
{
	enum regmap_emu_status st = emu_map_check(ctx, addr, size);

	if (st == REGMAP_EMU_NOT_MAP)
		return emu_real_read(ctx, addr, buf, size);
	if (st == REGMAP_EMU_OK)
		emu_map_get(ctx, addr, buf, size);
	return st;
}

enum regmap_emu_status emu_mem_write(struct emu_ctx *ctx, uint64_t addr,
				     const void *buf, unsigned size)
{
	enum regmap_emu_status st = emu_map_check(ctx, addr, size);

	if (st == REGMAP_EMU_NOT_MAP)
		return emu_real_write(ctx, addr, buf, size);
	if (st == REGMAP_EMU_OK)
		emu_map_put(ctx, addr, buf, size);
	return st;
}

enum regmap_emu_status emu_op_mem_read(struct emu_ctx *ctx, void *buf, unsigned size)
{
	enum regmap_emu_status st = emu_map_check(ctx, ctx->ea, size);

	if (st == REGMAP_EMU_OK)
		emu_map_get(ctx, ctx->ea, buf, size);
	return st;
}

enum regmap_emu_status emu_op_mem_write(struct emu_ctx *ctx, const void *buf, unsigned size)
{
	enum regmap_emu_status st = emu_map_check(ctx, ctx->ea, size);

	if (st == REGMAP_EMU_OK)
		emu_map_put(ctx, ctx->ea, buf, size);
	return st;
}

enum regmap_emu_status emu_op_read(struct emu_ctx *ctx, unsigned i, uint64_t *val)
{
	const struct emu_operand *op = &ctx->insn->op[i];

	switch (op->kind) {
	case EMU_OP_REG:
		*val = emu_reg_get(&ctx->in, op->reg, op->size);
		return REGMAP_EMU_OK;
	case EMU_OP_IMM:
		/* already extended as the CPU does: cut to the instruction's operand size */
		*val = op->imm & emu_mask(ctx->insn->opsize);
		return REGMAP_EMU_OK;
	case EMU_OP_MEM:
		*val = 0;
		return emu_op_mem_read(ctx, val, op->size > 8 ? 8 : op->size);
	default:
		return REGMAP_EMU_UNSUPPORTED;
	}
}

enum regmap_emu_status emu_op_write(struct emu_ctx *ctx, unsigned i, uint64_t val)
{
	const struct emu_operand *op = &ctx->insn->op[i];

	switch (op->kind) {
	case EMU_OP_REG:
		emu_reg_set(&ctx->out, op->reg, op->size, val);
		return REGMAP_EMU_OK;
	case EMU_OP_MEM:
		return emu_op_mem_write(ctx, &val, op->size > 8 ? 8 : op->size);
	default:
		return REGMAP_EMU_UNSUPPORTED;
	}
}

bool emu_cond(uint64_t f, unsigned cc)
{
	bool cf = f & REGMAP_FLAGS_CF, zf = f & REGMAP_FLAGS_ZF;
	bool sf = f & REGMAP_FLAGS_SF, of = f & REGMAP_FLAGS_OF;
	bool pf = f & REGMAP_FLAGS_PF;
	bool r;

	switch ((cc >> 1) & 7) {
	case 0: r = of; break;			/* O */
	case 1: r = cf; break;			/* B */
	case 2: r = zf; break;			/* E */
	case 3: r = cf || zf; break;		/* BE */
	case 4: r = sf; break;			/* S */
	case 5: r = pf; break;			/* P */
	case 6: r = sf != of; break;		/* L */
	default: r = zf || sf != of; break;	/* LE */
	}
	return r ^ (cc & 1);
}
