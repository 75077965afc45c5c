/*
 * Decode: Zydis' view of an instruction -> struct emu_insn, the compact
 * form the handlers work on.  This file, table.c (mnemonic -> handler)
 * and vx_decode.c (the vector path's whitelist and re-encoding) are the
 * only ones that talk to Zydis (doc/DESIGN.md, section 4).
 */
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "emu_handlers.h"
#include "vx.h"

static struct emu_insn *emu_insn_of(struct regmap_emu_insn *pub)
{
	return (struct emu_insn *)pub->opaque;
}

/*
 * Zydis register -> emu register id.  Returns false for anything that is
 * not a general-purpose register (segment, vector, control registers).
 */
static bool emu_gpr_id(ZydisRegister r, uint8_t *id)
{
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		*id = r - ZYDIS_REGISTER_AL;
	else if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		*id = EMU_REG_AH + (r - ZYDIS_REGISTER_AH);
	else if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		*id = 4 + (r - ZYDIS_REGISTER_SPL);
	else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		*id = r - ZYDIS_REGISTER_AX;
	else if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		*id = r - ZYDIS_REGISTER_EAX;
	else if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		*id = r - ZYDIS_REGISTER_RAX;
	else
		return false;
	return true;
}

static uint8_t emu_seg_of(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_FS ? EMU_SEG_FS :
	       r == ZYDIS_REGISTER_GS ? EMU_SEG_GS : EMU_SEG_NONE;
}

/* Base or index register of a memory operand; false if not addressable by us. */
static bool emu_addr_reg(ZydisRegister r, uint8_t *id)
{
	if (r == ZYDIS_REGISTER_NONE) {
		*id = EMU_REG_NONE;
		return true;
	}
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP) {
		*id = EMU_REG_RIP;
		return true;
	}
	return emu_gpr_id(r, id);
}

/* Translate one visible operand; false if regmap cannot represent it. */
static bool emu_operand(const ZydisDecodedOperand *zo, struct emu_operand *op)
{
	op->size = zo->size / 8;
	switch (zo->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		op->kind = EMU_OP_REG;
		return emu_gpr_id(zo->reg.value, &op->reg);
	case ZYDIS_OPERAND_TYPE_MEMORY:
		if (zo->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			return false;	/* LEA's AGEN, MPX's MIB, VSIB: not accesses we model */
		op->kind = EMU_OP_MEM;
		op->scale = zo->mem.scale;
		op->disp = zo->mem.disp.value;
		op->seg = emu_seg_of(zo->mem.segment);
		return emu_addr_reg(zo->mem.base, &op->base) &&
		       emu_addr_reg(zo->mem.index, &op->index);
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		op->kind = EMU_OP_IMM;
		op->imm = zo->imm.is_signed ? (uint64_t)zo->imm.value.s : zo->imm.value.u;
		return true;
	default:
		return false;
	}
}

/* The layout of the encoding (struct emu_raw), for the rewriter. */
static void emu_raw(struct emu_insn *insn, const ZydisDecodedInstruction *zi,
		    const ZydisDecodedOperand *zo)
{
	struct emu_raw *r = &insn->raw;

	r->pfx_len = zi->raw.prefix_count;
	r->rex = zi->attributes & ZYDIS_ATTRIB_HAS_REX ? insn->bytes[zi->raw.rex.offset] : 0;
	switch (zi->encoding) {
	case ZYDIS_INSTRUCTION_ENCODING_LEGACY:
		r->vex = EMU_RAW_LEGACY;
		break;
	case ZYDIS_INSTRUCTION_ENCODING_VEX:
		r->vex = zi->raw.vex.size == 2 ? EMU_RAW_VEX2 : EMU_RAW_VEX3;
		break;
	default:
		r->vex = EMU_RAW_OTHER;
	}
	r->map = zi->opcode_map <= ZYDIS_OPCODE_MAP_0F3A ? zi->opcode_map : 0xff;
	r->opc = zi->opcode;
	r->modrm_at = zi->attributes & ZYDIS_ATTRIB_HAS_MODRM ? zi->raw.modrm.offset : 0xff;
	r->disp_at = zi->raw.disp.offset;
	r->disp_len = zi->raw.disp.size / 8;
	r->imm_at = zi->raw.imm[0].offset;
	r->imm_len = zi->raw.imm[0].size / 8;
	r->reg_op = r->vvvv_op = 0xff;
	for (unsigned i = 0; i < zi->operand_count_visible && i < EMU_MAX_OPS; i++) {
		if (zo[i].encoding == ZYDIS_OPERAND_ENCODING_MODRM_REG)
			r->reg_op = i;
		else if (zo[i].encoding == ZYDIS_OPERAND_ENCODING_NDSNDD)
			r->vvvv_op = i;
	}
}

/* AuthenticAMD or HygonGenuine (CPUID 0: ebx, edx, ecx). */
static bool emu_cpu_amd(void)
{
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||
	       (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);
}

/*
 * Where Intel and AMD run the same bytes differently, do what this CPU
 * does.  Both concern a 0x66 prefix without REX.W, so CPUID (slow in a
 * virtual machine) runs for those rare instructions only.
 *  - Near indirect CALL/JMP: AMD (and Hygon) honour the 16-bit operand
 *    size, a 2-byte target and return address; Intel ignores 0x66, and
 *    Zydis decodes it Intel's way.
 *  - MOVSXD r16, m: AMD reads a doubleword, as Zydis decodes it; Intel
 *    reads a word.
 */
static void emu_vendor_forms(struct emu_insn *insn, const ZydisDecodedInstruction *zi)
{
	if (!(zi->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) || zi->raw.rex.W ||
	    insn->mem >= insn->nops)
		return;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_CALL:
	case ZYDIS_MNEMONIC_JMP:
		if (zi->meta.branch_type == ZYDIS_BRANCH_TYPE_NEAR && emu_cpu_amd()) {
			insn->op[insn->mem].size = 2;
			insn->opsize = 2;
		}
		break;
	case ZYDIS_MNEMONIC_MOVSXD:
		if (!emu_cpu_amd())
			insn->op[insn->mem].size = 2;
		break;
	default:
		break;
	}
}

enum regmap_emu_status regmap_emu_decode(struct regmap_emu_insn *pub,
					 const uint8_t *bytes, size_t len)
{
	struct emu_insn *insn = emu_insn_of(pub);
	ZydisDecoder dec;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	const struct emu_table_entry *e;
	bool ok = true;

	memset(insn, 0, sizeof(*insn));
	insn->mem = 0xff;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64,
					 ZYDIS_STACK_WIDTH_64)) ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, len, &zi, zo)))
		return REGMAP_EMU_BAD_INSN;

	insn->len = zi.length;
	memcpy(insn->bytes, bytes, zi.length);
	insn->mnemonic = zi.mnemonic;
	insn->opsize = zi.operand_width / 8;
	insn->addr_size = zi.address_width / 8;
	insn->cond = zi.opcode & 0xf;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK)
		insn->prefix |= EMU_PFX_LOCK;
	if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
		insn->prefix |= EMU_PFX_REP;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
		insn->prefix |= EMU_PFX_REPNE;
	if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS)
		insn->seg = EMU_SEG_FS;
	else if (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_GS)
		insn->seg = EMU_SEG_GS;

	if (zi.operand_count_visible > EMU_MAX_OPS)
		ok = false;
	for (unsigned i = 0; ok && i < zi.operand_count_visible; i++) {
		ok = emu_operand(&zo[i], &insn->op[i]);
		if (insn->op[i].kind == EMU_OP_MEM && insn->mem == 0xff)
			insn->mem = i;
	}
	insn->nops = ok ? zi.operand_count_visible : 0;
	emu_raw(insn, &zi, zo);

	/* Operands the handlers cannot see (vector registers, ...) mean unsupported. */
	e = ok ? emu_table_lookup(zi.mnemonic) : NULL;
	if (!e) {
		/* keep the memory operand for the "is it a map access" question */
		if (!ok)
			for (unsigned i = 0; i < zi.operand_count_visible &&
					     i < EMU_MAX_OPS; i++)
				if (zo[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
				    zo[i].mem.type == ZYDIS_MEMOP_TYPE_MEM &&
				    emu_operand(&zo[i], &insn->op[0])) {
					insn->mem = 0;
					insn->nops = 1;
					break;
				}
		/* vector and x87 instructions run on the CPU (vx_decode.c) */
		if (emu_vx_decode(insn, &zi, zo))
			return REGMAP_EMU_OK;
		return REGMAP_EMU_UNSUPPORTED;
	}
	insn->handler = e->handler;
	insn->fop = e->fop;
	insn->variant = e->variant;
	emu_vendor_forms(insn, &zi);
	return REGMAP_EMU_OK;
}

bool regmap_emu_insn_const_addr(const struct regmap_emu_insn *pub)
{
	const struct emu_insn *insn = (const struct emu_insn *)pub->opaque;
	const struct emu_operand *op;

	if (!insn->len || insn->mem >= insn->nops)
		return false;
	op = &insn->op[insn->mem];
	return op->base == EMU_REG_NONE && op->index == EMU_REG_NONE &&
	       op->seg == EMU_SEG_NONE;
}

unsigned regmap_emu_insn_len(const struct regmap_emu_insn *pub)
{
	return ((const struct emu_insn *)pub->opaque)->len;
}

size_t regmap_emu_format(const struct regmap_emu_insn *pub, uint64_t rip,
			 char *buf, size_t size)
{
	const struct emu_insn *insn = (const struct emu_insn *)pub->opaque;
	ZydisDecoder dec;
	ZydisFormatter fmt;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];

	if (!size)
		return 0;
	/* map addresses read best unpadded and in lower case: [0x8c], not [0x000000000000008C] */
	if (!insn->len ||
	    ZYAN_FAILED(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, insn->bytes, insn->len, &zi, zo)) ||
	    ZYAN_FAILED(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL)) ||
	    ZYAN_FAILED(ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE,
						  ZYDIS_PADDING_DISABLED)) ||
	    ZYAN_FAILED(ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_DISP_PADDING,
						  ZYDIS_PADDING_DISABLED)) ||
	    ZYAN_FAILED(ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_IMM_PADDING,
						  ZYDIS_PADDING_DISABLED)) ||
	    ZYAN_FAILED(ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE,
						  ZYAN_FALSE)) ||
	    ZYAN_FAILED(ZydisFormatterFormatInstruction(&fmt, &zi, zo, zi.operand_count_visible,
							buf, size, rip, NULL))) {
		snprintf(buf, size, "(bad)");
	}
	return strlen(buf);
}
