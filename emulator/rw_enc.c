/*
 * Byte emitters for planted code: the few instructions stubs are made of
 * (all on [rsp + disp] or registers), NOP padding, and the original
 * instruction re-encoded with another r/m operand.  Hand-written rather
 * than Zydis' encoder: the forms are few and fixed, and the re-encoding
 * must keep the original's exact opcode, prefixes and immediate.
 */
#include "rw_internal.h"

void rw_put(struct rw_buf *o, const void *p, unsigned n)
{
	if (o->len + n > o->cap) {
		o->over = true;
		return;
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

void rw_byte(struct rw_buf *o, uint8_t v)
{
	rw_put(o, &v, 1);
}

static void rw_u32(struct rw_buf *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	rw_put(o, b, 4);
}

/*
 * One NOP instruction of n bytes: the recommended 0F 1F forms up to 9
 * bytes, longer ones with more 66 prefixes (never more than 15 bytes).
 * n == 0 emits nothing; n > 15 emits several.
 */
void rw_nops(struct rw_buf *o, unsigned n)
{
	static const uint8_t nop[10][9] = {
		{ 0 },
		{ 0x90 },
		{ 0x66, 0x90 },
		{ 0x0f, 0x1f, 0x00 },
		{ 0x0f, 0x1f, 0x40, 0x00 },
		{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};

	while (n) {
		unsigned k = n > 15 ? 15 : n;

		for (unsigned i = 9; i < k; i++)
			rw_byte(o, 0x66);
		rw_put(o, nop[k > 9 ? 9 : k], k > 9 ? 9 : k);
		n -= k;
	}
}

static void rw_rex(struct rw_buf *o, bool w, unsigned r, unsigned b, bool force)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | (r & 8 ? 4 : 0) | (b & 8 ? 1 : 0));

	if (rex != 0x40 || force)
		rw_byte(o, rex);
}

/*
 * ModRM/SIB/disp of [base + disp] with reg field r (REX.B is the
 * caller's); always with a displacement, so rbp and r13 need no special
 * case, and with a SIB byte for rsp and r12.
 */
static void rw_base_mem(struct rw_buf *o, unsigned r, unsigned base, int32_t disp)
{
	bool d8 = disp >= -128 && disp <= 127;

	rw_byte(o, (uint8_t)((d8 ? 0x40 : 0x80) | (r & 7) << 3 | (base & 7)));
	if ((base & 7) == 4)
		rw_byte(o, 0x24);
	if (d8)
		rw_byte(o, (uint8_t)disp);
	else
		rw_u32(o, (uint32_t)disp);
}

static void rw_rsp_mem(struct rw_buf *o, unsigned r, int32_t disp)
{
	rw_base_mem(o, r, REGMAP_RSP, disp);
}

/*
 * A MOV-family access of size bytes between reg and [base + disp]; byte
 * registers 4..7 are spl..dil, EMU_REG_AH.. are ah..bh.
 */
static void rw_mov_mem(struct rw_buf *o, uint8_t opc8, unsigned size, unsigned reg,
		       unsigned base, int32_t disp)
{
	if (size == 2)
		rw_byte(o, 0x66);
	if (reg >= EMU_REG_AH)
		reg -= EMU_REG_AH - 4;		/* no REX */
	else
		rw_rex(o, size == 8, reg, base, size == 1 && reg >= 4);
	rw_byte(o, size == 1 ? opc8 : opc8 + 1);
	rw_base_mem(o, reg, base, disp);
}

void rw_mov_store(struct rw_buf *o, unsigned size, unsigned reg, int32_t disp)
{
	rw_mov_mem(o, 0x88, size, reg, REGMAP_RSP, disp);
}

void rw_mov_load(struct rw_buf *o, unsigned size, unsigned reg, int32_t disp)
{
	rw_mov_mem(o, 0x8a, size, reg, REGMAP_RSP, disp);
}

void rw_mov_store_at(struct rw_buf *o, unsigned reg, unsigned base, int32_t disp)
{
	rw_mov_mem(o, 0x88, 8, reg, base, disp);
}

void rw_mov_load_at(struct rw_buf *o, unsigned reg, unsigned base, int32_t disp)
{
	rw_mov_mem(o, 0x8a, 8, reg, base, disp);
}

/* push/pop qword [base + disp] (push computes an rsp base before decrementing) */
void rw_push_at(struct rw_buf *o, unsigned base, int32_t disp)
{
	rw_rex(o, false, 0, base, false);
	rw_byte(o, 0xff);
	rw_base_mem(o, 6, base, disp);
}

void rw_pop_at(struct rw_buf *o, unsigned base, int32_t disp)
{
	rw_rex(o, false, 0, base, false);
	rw_byte(o, 0x8f);
	rw_base_mem(o, 0, base, disp);
}

/* mov dword/qword [rsp + disp], imm32 (a qword store sign-extends it) */
void rw_mov_mem_imm32(struct rw_buf *o, unsigned size, int32_t disp, uint32_t imm)
{
	rw_rex(o, size == 8, 0, 0, false);
	rw_byte(o, 0xc7);
	rw_rsp_mem(o, 0, disp);
	rw_u32(o, imm);
}

/* mov r64, sreg: the 64-bit form zero-extends the selector */
void rw_mov_reg_sreg(struct rw_buf *o, unsigned reg, unsigned sreg)
{
	rw_rex(o, true, 0, reg, false);
	rw_byte(o, 0x8c);
	rw_byte(o, (uint8_t)(0xc0 | sreg << 3 | (reg & 7)));
}

void rw_lea_rsp(struct rw_buf *o, unsigned reg, int32_t disp)
{
	rw_rex(o, true, reg, 0, false);
	rw_byte(o, 0x8d);
	rw_rsp_mem(o, reg, disp);
}

void rw_push_mem(struct rw_buf *o, unsigned size, int32_t disp)
{
	if (size == 2)
		rw_byte(o, 0x66);
	rw_byte(o, 0xff);
	rw_rsp_mem(o, 6, disp);
}

void rw_pop_mem(struct rw_buf *o, unsigned size, int32_t disp)
{
	if (size == 2)
		rw_byte(o, 0x66);
	rw_byte(o, 0x8f);
	rw_rsp_mem(o, 0, disp);
}

void rw_alu_mem_imm32(struct rw_buf *o, unsigned digit, int32_t disp, int32_t imm)
{
	rw_rex(o, true, 0, 0, false);
	rw_byte(o, 0x81);
	rw_rsp_mem(o, digit, disp);
	rw_u32(o, (uint32_t)imm);
}

void rw_alu_mem_reg(struct rw_buf *o, uint8_t opc, int32_t disp, unsigned reg)
{
	rw_rex(o, true, reg, 0, false);
	rw_byte(o, opc);
	rw_rsp_mem(o, reg, disp);
}

void rw_alu_reg_imm(struct rw_buf *o, unsigned digit, unsigned reg, int32_t imm)
{
	bool i8 = imm >= -128 && imm <= 127;

	rw_rex(o, true, 0, reg, false);
	rw_byte(o, i8 ? 0x83 : 0x81);
	rw_byte(o, (uint8_t)(0xc0 | digit << 3 | (reg & 7)));
	if (i8)
		rw_byte(o, (uint8_t)imm);
	else
		rw_u32(o, (uint32_t)imm);
}

void rw_sar_reg(struct rw_buf *o, unsigned reg, uint8_t count)
{
	rw_rex(o, true, 0, reg, false);
	rw_byte(o, 0xc1);
	rw_byte(o, (uint8_t)(0xc0 | 7 << 3 | (reg & 7)));
	rw_byte(o, count);
}

void rw_push_reg(struct rw_buf *o, unsigned reg)
{
	rw_rex(o, false, 0, reg, false);
	rw_byte(o, (uint8_t)(0x50 + (reg & 7)));
}

/* call/jmp rel32 (opc E8/E9) placed at address at, to address to. */
void rw_rel32(struct rw_buf *o, uint8_t opc, uint64_t at, uint64_t to)
{
	rw_byte(o, opc);
	rw_u32(o, (uint32_t)(to - (at + 5)));
}

unsigned rw_jcc_fwd(struct rw_buf *o, unsigned cc)
{
	rw_byte(o, 0x0f);
	rw_byte(o, (uint8_t)(0x80 | cc));
	rw_u32(o, 0);
	return o->len - 4;
}

void rw_patch_here(struct rw_buf *o, unsigned where)
{
	uint32_t rel = o->len - (where + 4);

	if (!o->over && where + 4 <= o->len)
		memcpy(o->b + where, &rel, 4);
}

/* ---- the original instruction with another r/m ---- */

static bool rw_dropped_prefix(uint8_t p)
{
	/* REX, LOCK, segment overrides, address size */
	return (p >= 0x40 && p <= 0x4f) || p == 0xf0 || p == 0x2e || p == 0x36 ||
	       p == 0x3e || p == 0x26 || p == 0x64 || p == 0x65 || p == 0x67;
}

/* Does byte register id (emu numbering) need REX (spl..dil) / forbid it (ah..bh)? */
static void rw_byte_reg(unsigned id, bool *need, bool *forbid)
{
	if (id >= 4 && id < 8)
		*need = true;
	if (id >= EMU_REG_AH && id < EMU_REG_AH + 4)
		*forbid = true;
}

bool rw_reencode(struct rw_buf *o, const struct emu_insn *insn, enum rw_rm mode,
		 unsigned rm, int32_t disp, int reg, int vvvv)
{
	static const uint8_t esc[4][2] = { { 0 }, { 0x0f }, { 0x0f, 0x38 }, { 0x0f, 0x3a } };
	const struct emu_raw *raw = &insn->raw;
	const uint8_t *b = insn->bytes;
	const uint8_t *vx = b + raw->pfx_len;
	unsigned map = raw->map, opc = raw->opc, regf = 0, vl = 0, pp = 0, nv = 0;
	bool w = raw->rex & 8, need = false, forbid = false;
	unsigned mem_size = insn->op[insn->mem].size;

	if (raw->vex == EMU_RAW_VEX3) {
		w = vx[2] & 0x80;
		nv = ~vx[2] >> 3 & 15;
		vl = vx[2] >> 2 & 1;
		pp = vx[2] & 3;
		map = vx[1] & 0x1f;
	} else if (raw->vex == EMU_RAW_VEX2) {
		nv = ~vx[1] >> 3 & 15;
		vl = vx[1] >> 2 & 1;
		pp = vx[1] & 3;
		map = 1;
	}
	if (raw->modrm_at != 0xff) {
		regf = b[raw->modrm_at] >> 3 & 7;
		if (raw->vex == EMU_RAW_LEGACY)
			regf |= raw->rex & 4 ? 8 : 0;
		else
			regf |= vx[1] & 0x80 ? 0 : 8;
	} else if (map == 0 && opc >= 0xa0 && opc <= 0xa3) {
		/* moffs: mov al/ax/eax/rax <-> [moffs] as 8A/8B/88/89 with reg = rax */
		opc = opc < 0xa2 ? 0x8a + (opc & 1) : 0x88 + (opc & 1);
	} else {
		return false;
	}
	if (map == 1 && opc == 0xc3 && raw->vex == EMU_RAW_LEGACY) {
		map = 0;	/* MOVNTI m, r -> MOV r/m, r */
		opc = 0x89;
	}
	if (reg >= 0)
		regf = (unsigned)reg;
	if (vvvv >= 0)
		nv = (unsigned)vvvv;

	/* byte registers: spl..dil need a REX prefix, ah..bh forbid it */
	if (raw->reg_op < insn->nops && insn->op[raw->reg_op].size == 1)
		rw_byte_reg(reg >= 0 ? (unsigned)reg : insn->op[raw->reg_op].reg, &need, &forbid);
	if (mode == RW_RM_REG && mem_size == 1)
		rw_byte_reg(rm, &need, &forbid);
	if (rm >= EMU_REG_AH)
		rm -= EMU_REG_AH - 4;	/* ah..bh are r/m 4..7 without REX */
	if (mode == RW_RM_MEM && rm >= EMU_REG_AH)
		return false;
	if (forbid && (need || w || regf >= 8 || rm >= 8))
		return false;

	for (unsigned i = 0; i < raw->pfx_len; i++)
		if (!rw_dropped_prefix(b[i]))
			rw_byte(o, b[i]);
	if (raw->vex != EMU_RAW_LEGACY) {
		rw_byte(o, 0xc4);
		rw_byte(o, (uint8_t)((regf & 8 ? 0 : 0x80) | 0x40 | (rm & 8 ? 0 : 0x20) | map));
		rw_byte(o, (uint8_t)((w ? 0x80 : 0) | (~nv & 15) << 3 | vl << 2 | pp));
	} else {
		rw_rex(o, w, regf, rm, need);
		rw_put(o, esc[map], map == 0 ? 0 : map == 1 ? 1 : 2);
	}
	rw_byte(o, (uint8_t)opc);
	if (mode == RW_RM_REG)
		rw_byte(o, (uint8_t)(0xc0 | (regf & 7) << 3 | (rm & 7)));
	else
		rw_base_mem(o, regf, rm, disp);
	if (raw->imm_len)
		rw_put(o, b + raw->imm_at, raw->imm_len);
	return !o->over;
}
