/*
 * BMI1/BMI2 (emu_h_bmi), ADCX/ADOX (emu_h_adx) and CRC32 (emu_h_crc32).
 * Everything but RORX runs on the CPU through the stubs of fop_bmi.S,
 * whose register convention (Intel operand order) is
 *   three operands   insn rax, rsi, rdx     (op[0], op[1], op[2])
 *   two operands     insn rax, rsi          (BLSI BLSMSK BLSR ADCX ADOX)
 *   MULX             mulx rax, rcx, rsi     (hi, lo, source; rdx implicit)
 * PDEP PEXT SARX SHLX SHRX change no flag: their stubs hand the loaded
 * flags back as they were, so they share the flag-copying path.
 * These VEX forms write whole 32- or 64-bit registers; only the r/m
 * source can be the map.
 */
#include "emu_handlers.h"

EMU_FOP_DECLARE(mulx);

/* RORX r, r/m, imm8: a plain rotate that touches no flag. */
static enum regmap_emu_status bmi_rorx(struct emu_ctx *ctx, unsigned size)
{
	unsigned bits = 8 * size;
	unsigned n = ctx->insn->op[2].imm & (bits - 1);
	uint64_t v;
	enum regmap_emu_status st = emu_op_read(ctx, 1, &v);

	if (st)
		return st;
	if (n)
		v = (v >> n | v << (bits - n)) & emu_mask(size);
	return emu_op_write(ctx, 0, v);
}

/* MULX hi, lo, r/m: rdx * r/m; with hi == lo the CPU keeps the high half. */
static enum regmap_emu_status bmi_mulx(struct emu_ctx *ctx, const void *stub,
				       unsigned size)
{
	struct emu_fop f = { .rdx = ctx->in.gpr[REGMAP_RDX], .flags = ctx->in.rflags };
	enum regmap_emu_status st = emu_op_read(ctx, 2, &f.rsi);

	if (st)
		return st;
	emu_fastop(stub, &f);
	st = emu_op_write(ctx, 1, f.rcx & emu_mask(size));
	if (!st)
		st = emu_op_write(ctx, 0, f.rax & emu_mask(size));
	return st;
}

EMU_HANDLER(emu_h_bmi)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub;
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || (size != 4 && size != 8))
		return REGMAP_EMU_UNSUPPORTED;
	if (insn->nops == 3 && insn->op[2].kind == EMU_OP_IMM)
		return bmi_rorx(ctx, size);
	stub = emu_fop_stub(ctx, size);
	if (!stub)
		return REGMAP_EMU_UNSUPPORTED;
	if (insn->fop == emu_fop_mulx)
		return insn->nops == 3 ? bmi_mulx(ctx, stub, size) : REGMAP_EMU_UNSUPPORTED;

	st = emu_op_read(ctx, 1, &f.rsi);
	if (!st && insn->nops == 3)
		st = emu_op_read(ctx, 2, &f.rdx);
	if (st)
		return st;
	return emu_fop_finish(ctx, stub, &f, size, true);
}

/* ADCX/ADOX r, r/m: add with CF or OF in and out; no other flag changes. */
EMU_HANDLER(emu_h_adx)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub || (size != 4 && size != 8))
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_fop_load(ctx, &f);
	if (st)
		return st;
	return emu_fop_finish(ctx, stub, &f, size, true);
}

/*
 * CRC32 r32/r64, r/m8/16/32/64: the stub is chosen by the source size;
 * the result is 32 bits, zero-extended into a 64-bit destination.
 */
EMU_HANDLER(emu_h_crc32)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;
	const void *stub = emu_fop_stub(ctx, insn->op[1].size);
	struct emu_fop f = { .flags = ctx->in.rflags };
	enum regmap_emu_status st;

	if (insn->nops < 2 || !stub || (size != 4 && size != 8))
		return REGMAP_EMU_UNSUPPORTED;
	st = emu_fop_load(ctx, &f);
	if (st)
		return st;
	emu_fastop(stub, &f);
	return emu_op_write(ctx, 0, f.rax & emu_mask(size));
}
