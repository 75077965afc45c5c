/*
 * In-place replacements: the site's bytes become one native instruction
 * and one NOP, exactly as long as the original (doc/REWRITE.md 2.1).
 *
 *   register form   the map operand is exactly a sub-register whose write
 *                   rules match the map's: mov rax, [0x10] -> mov rax, rdx
 *   constant load   a MOV-family load from inside the rip slot reads N's
 *                   bytes: mov reg, imm (or lea reg, [rip + x] for all 8)
 *   stack forms     push/call [0x80] -> call N, jmp [0x80] -> nothing,
 *                   push [0x88] -> pushf
 *   rip writes      mov [0x80], reg -> jmp reg, pop qword [0x80] -> ret
 *
 * The instruction comes first and the NOP after, except for calls: the
 * return address pushed must be N, so the NOP comes first and the call
 * ends at N.  Either way the instruction is the plan's one rewind point.
 */
#include "rw_internal.h"

/*
 * The register that is exactly the map bytes [d, d+s) with the map's
 * write rules, as an emu register id; -1 if none.
 */
static int rw_slot_reg(const struct rw_site *m)
{
	unsigned r = m->d / 8, at = m->d % 8;

	if (m->d >= REGMAP_OFF_RIP)
		return -1;
	if (at == 1 && m->s == 1 && r < 4)
		return EMU_REG_AH + (int)r;
	if (at)
		return -1;
	switch (m->s) {
	case 8:
	case 2:
	case 1:
		return (int)r;
	case 4:
		/* a 4-byte register write would zero bytes 4..7 */
		return m->access == RW_R ? (int)r : -1;
	default:
		return -1;
	}
}

/* Opcodes with a memory operand but no register form. */
static bool rw_no_reg_form(const struct emu_insn *insn)
{
	return insn->handler == emu_h_movbe || insn->handler == emu_h_cmpxchgnb;
}

/* The bytes of N at map offsets [d, d + s) inside the rip slot. */
static uint64_t rw_rip_bytes(const struct rw_site *m)
{
	unsigned sh = 8 * (m->d - REGMAP_OFF_RIP);

	return (m->next >> sh) & emu_mask(m->s);
}

/* mov reg, imm for a destination of dsize bytes holding v (as the load leaves it). */
static bool rw_mov_imm(struct rw_buf *o, unsigned reg, unsigned dsize, uint64_t v)
{
	unsigned r = reg >= EMU_REG_AH ? reg - EMU_REG_AH + 4 : reg;
	uint8_t rex = (uint8_t)(reg < 16 && reg >= 8 ? 0x41 : 0x40);

	switch (dsize) {
	case 1:
		if (reg < 16 && reg >= 4)
			rw_byte(o, rex);
		rw_byte(o, (uint8_t)(0xb0 + (r & 7)));
		rw_put(o, &v, 1);
		return true;
	case 2:
		rw_byte(o, 0x66);
		break;
	case 8:
		if (v != (uint64_t)(int64_t)(int32_t)v) {
			if (v >> 32)
				return false;
			dsize = 4;	/* mov r32, imm32 zero-extends */
			break;
		}
		rw_byte(o, (uint8_t)(rex | 8));
		rw_byte(o, 0xc7);
		rw_byte(o, (uint8_t)(0xc0 | (r & 7)));
		rw_put(o, &v, 4);
		return true;
	}
	if (rex != 0x40)
		rw_byte(o, rex);
	rw_byte(o, (uint8_t)(0xb8 + (r & 7)));
	rw_put(o, &v, dsize == 2 ? 2 : 4);
	return true;
}

/* MOV, MOVZX, MOVSX(D) loads from inside the rip slot: a constant. */
static bool rw_rip_const(const struct rw_site *m, struct rw_buf *o)
{
	const struct emu_insn *insn = m->insn;
	const struct emu_operand *dst = &insn->op[0];
	uint64_t v;

	if ((insn->handler != emu_h_mov && insn->handler != emu_h_movzx &&
	     insn->handler != emu_h_movsx) || m->access != RW_R ||
	    m->d < REGMAP_OFF_RIP || m->d + m->s > REGMAP_OFF_RFLAGS || dst->kind != EMU_OP_REG)
		return false;
	v = rw_rip_bytes(m);
	if (insn->handler == emu_h_movsx)
		v = emu_sext(v, m->s) & emu_mask(dst->size);
	if (dst->size == 8 && m->s == 8) {
		/* lea r64, [rip + disp32]: N itself */
		rw_byte(o, (uint8_t)(0x48 | (dst->reg >= 8 ? 4 : 0)));
		rw_byte(o, 0x8d);
		rw_byte(o, (uint8_t)(0x05 | (dst->reg & 7) << 3));
		v = insn->len - 7;
		rw_put(o, &v, 4);
		return true;
	}
	return rw_mov_imm(o, dst->reg, dst->size, v);
}

/*
 * Writes of a whole register to the rip slot, which the emulator treats
 * as jumps (#GP at the instruction for a non-canonical target, as here):
 * mov [0x80], reg -> jmp reg, pop qword [0x80] -> ret.
 */
static bool rw_rip_jump(const struct rw_site *m, struct rw_buf *o)
{
	const struct emu_insn *insn = m->insn;
	const struct emu_operand *src = &insn->op[1];

	if (m->d != REGMAP_OFF_RIP || m->s != 8)
		return false;
	if (m->shape == RW_POP) {
		rw_byte(o, 0xc3);
		return true;
	}
	if (insn->handler != emu_h_mov || insn->mem != 0 || src->kind != EMU_OP_REG)
		return false;
	if (src->reg >= 8)
		rw_byte(o, 0x41);
	rw_byte(o, 0xff);
	rw_byte(o, (uint8_t)(0xe0 | (src->reg & 7)));
	return true;
}

/* push/call/jmp through the rip slot, push of the flags. */
static bool rw_stack_special(const struct rw_site *m, struct rw_buf *o, bool *nop_first)
{
	uint64_t v;

	if (m->s != 8 && m->shape != RW_PUSH)
		return false;				/* 16-bit near branches */
	if (m->shape == RW_JMP && m->d == REGMAP_OFF_RIP)
		return true;				/* jumps to N: nothing */
	if ((m->shape == RW_CALL || (m->shape == RW_PUSH && m->s == 8)) &&
	    m->d == REGMAP_OFF_RIP) {
		rw_byte(o, 0xe8);			/* call N: pushes N, goes to N */
		rw_put(o, &(uint32_t){ 0 }, 4);
		*nop_first = true;
		return true;
	}
	if (m->shape == RW_PUSH && m->s == 2 && m->d >= REGMAP_OFF_RIP &&
	    m->d + 2 <= REGMAP_OFF_RFLAGS) {
		v = rw_rip_bytes(m);			/* push imm16 */
		rw_byte(o, 0x66);
		rw_byte(o, 0x68);
		rw_put(o, &v, 2);
		return true;
	}
	if (m->shape == RW_PUSH && m->d == REGMAP_OFF_RFLAGS) {
		if (m->s == 2)
			rw_byte(o, 0x66);
		rw_byte(o, 0x9c);			/* pushfq / pushf */
		return true;
	}
	return false;
}

bool rw_inplace(const struct rw_site *m, struct regmap_rw_plan *plan, bool emit)
{
	const struct emu_insn *insn = m->insn;
	uint8_t code[REGMAP_EMU_MAX_INSN + 8];
	struct rw_buf o = { code, 0, sizeof(code), false };
	struct rw_buf site = { plan->bytes, 0, sizeof(plan->bytes), false };
	bool nop_first = m->shape == RW_CALL, ok = false;
	int rm = rw_slot_reg(m);

	if (rm >= 0 && !rw_no_reg_form(insn))
		ok = rw_reencode(&o, insn, RW_RM_REG, (unsigned)rm, 0, -1, -1);
	if (!ok) {
		o.len = 0;
		o.over = false;
		nop_first = false;
		ok = rw_rip_const(m, &o) || rw_rip_jump(m, &o) ||
		     rw_stack_special(m, &o, &nop_first);
	}
	if (!ok || o.over || o.len > insn->len)
		return false;
	if (!emit)
		return true;

	if (nop_first) {
		rw_nops(&site, insn->len - o.len);
		rw_put(&site, code, o.len);
	} else {
		rw_put(&site, code, o.len);
		rw_nops(&site, insn->len - o.len);
	}
	/*
	 * The instruction's fault is the original's, except that the
	 * original met its #PF on the map first: with AC set, a push to a
	 * misaligned rsp faults here but not there.  So its fault, too, goes
	 * back to the emulator, which gives the original's outcome.
	 */
	plan->rewind[plan->nrewind++] = (struct regmap_rw_rewind){
		.in_stub = 0, .off = (uint8_t)(nop_first ? insn->len - o.len : 0),
		.rsp_add = 0, .reg = REGMAP_RW_NOREG,
	};
	return !site.over && site.len == insn->len;
}
