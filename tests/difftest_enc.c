/*
 * difftest: encode an instruction in its two forms.  Hand-written rather
 * than Zydis' encoder so that the forms (imm8 vs imm32, the shift-by-1
 * opcodes, moffs, ah..bh vs spl..dil) are exactly the ones the generator
 * asked for, and so that a bug in Zydis cannot hide on both sides.
 *
 *   emulated: [F0] [66] [F2/F3] [REX] opcode ModRM(mod=00 rm=100) SIB=25 disp32 [imm]
 *   native:   3E [F0] [66] [F2/F3] [REX] opcode ModRM(mod=00 rm=101) disp32 [imm]
 *
 * The 3E (DS) prefix is ignored in 64-bit mode and makes up for the SIB
 * byte, so both forms have the same length and the same next rip.
 *
 * An addressing form (difftest_addr.c) is the same bytes both ways:
 *
 *   [64/65] [67] [F0] [66] [F2/F3] [REX/VEX] opcode ModRM [SIB] [disp] [imm]
 *
 * with only a carried displacement (or moffs) different natively.
 */
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

enum dt_mode { DT_ABS, DT_RIPREL };

static void dt_put(struct dt_code *out, uint64_t val, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		out->b[out->len++] = (uint8_t)(val >> (8 * i));
}

/* Everything up to and including the opcode byte. */
static void dt_emit_opcode(const struct dt_insn *in, struct dt_code *out)
{
	static const uint8_t esc[4][2] = { { 0 }, { 0x0f }, { 0x0f, 0x38 }, { 0x0f, 0x3a } };
	static const uint8_t nesc[4] = { 0, 1, 2, 2 };

	if (in->seg)
		out->b[out->len++] = in->seg;
	if (in->a32)
		out->b[out->len++] = in->a32;
	if (in->lock)
		out->b[out->len++] = in->lock;
	if (in->opsize_pfx)
		out->b[out->len++] = in->opsize_pfx;
	if (in->rep)
		out->b[out->len++] = in->rep;
	if (in->vex) {
		/* 3-byte VEX; R X B and vvvv are stored inverted */
		out->b[out->len++] = 0xc4;
		out->b[out->len++] = (uint8_t)((in->reg & 8 ? 0 : 0x80) | (in->xb & 2 ? 0 : 0x40) |
					       (in->xb & 1 ? 0 : 0x20) | in->map);
		out->b[out->len++] = (uint8_t)((in->vex_w ? 0x80 : 0) |
					       ((~in->vex_vvvv & 15) << 3) | in->vex_pp);
	} else {
		if (in->rex || in->xb)
			out->b[out->len++] = (uint8_t)(0x40 | in->rex | (in->reg & 8 ? 4 : 0) | in->xb);
		for (unsigned i = 0; i < nesc[in->map]; i++)
			out->b[out->len++] = esc[in->map][i];
	}
	out->b[out->len++] = in->opc;
}

static void dt_encode_mode(const struct dt_insn *in, enum dt_mode mode,
			   uint64_t addr, uint64_t buf, struct dt_code *out)
{
	size_t disp_at;
	int64_t rel;

	memset(out, 0, sizeof(*out));
	if (mode == DT_RIPREL && (in->enc == DT_ENC_MODRM || in->enc == DT_ENC_VEX))
		out->b[out->len++] = 0x3e;
	dt_emit_opcode(in, out);
	switch (in->enc) {
	case DT_ENC_STRING:
		return;
	case DT_ENC_MOFFS:
		dt_put(out, (mode == DT_ABS ? 0 : buf) + (uint64_t)in->disp, 8);
		return;
	default:
		break;
	}
	if (mode == DT_ABS) {
		out->b[out->len++] = (uint8_t)(((in->reg & 7) << 3) | 4);
		out->b[out->len++] = 0x25;
	} else {
		out->b[out->len++] = (uint8_t)(((in->reg & 7) << 3) | 5);
	}
	disp_at = out->len;
	dt_put(out, 0, 4);
	dt_put(out, in->imm, in->imm_len);
	if (mode == DT_ABS) {
		rel = in->disp;
	} else {
		rel = (int64_t)(buf + (uint64_t)in->disp - (addr + out->len));
	}
	if (rel != (int32_t)rel)
		abort();	/* the buffer is next to the code: cannot happen */
	memcpy(out->b + disp_at, &(int32_t){ (int32_t)rel }, 4);
}

void dt_encode(const struct dt_insn *in, struct dt_code *out)
{
	dt_encode_mode(in, DT_ABS, 0, 0, out);
}

void dt_encode_native(const struct dt_insn *in, uint64_t addr, uint64_t buf,
		      struct dt_code *out)
{
	dt_encode_mode(in, DT_RIPREL, addr, buf, out);
}

void dt_addr_emit(const struct dt_case *c, bool native, struct dt_code *out)
{
	const struct dt_addr *a = &c->addr;
	int64_t d = native ? a->native_disp : c->insn.disp;
	unsigned reg = (c->insn.reg & 7u) << 3, mod = a->disp_size == 1 ? 0x40 :
		       a->disp_size == 4 ? 0x80 : 0;
	unsigned sib_ss = (unsigned)__builtin_ctz(a->scale) << 6;

	switch (a->shape) {
	case DT_SH_MOFFS:
		dt_put(out, (uint64_t)d, c->insn.a32 ? 4 : 8);
		return;
	case DT_SH_ABS:
		out->b[out->len++] = (uint8_t)(reg | 4);
		out->b[out->len++] = 0x25;
		break;
	case DT_SH_RIP:
		out->b[out->len++] = (uint8_t)(reg | 5);
		break;
	case DT_SH_INDEX:
		out->b[out->len++] = (uint8_t)(reg | 4);
		out->b[out->len++] = (uint8_t)(sib_ss | (a->index & 7u) << 3 | 5);
		break;
	case DT_SH_BASE:
		if ((a->base & 7) == 4) {
			out->b[out->len++] = (uint8_t)(mod | reg | 4);
			out->b[out->len++] = (uint8_t)(0x20 | (a->base & 7u));
		} else {
			out->b[out->len++] = (uint8_t)(mod | reg | (a->base & 7u));
		}
		break;
	default:	/* DT_SH_BASE_INDEX */
		out->b[out->len++] = (uint8_t)(mod | reg | 4);
		out->b[out->len++] = (uint8_t)(sib_ss | (a->index & 7u) << 3 | (a->base & 7u));
		break;
	}
	dt_put(out, (uint64_t)d, a->disp_size);
}

void dt_encode_case(const struct dt_case *c, bool native, uint64_t addr, uint64_t buf,
		    struct dt_code *out)
{
	if (!c->addr.on) {
		if (native)
			dt_encode_native(&c->insn, addr, buf, out);
		else
			dt_encode(&c->insn, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	dt_emit_opcode(&c->insn, out);
	dt_addr_emit(c, native, out);
	dt_put(out, c->insn.imm, c->insn.imm_len);
}
