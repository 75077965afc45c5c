/*
 * The rewriter's model of a site: which map bytes the instruction
 * reaches, whether it reads or writes them, which registers it uses and
 * writes (explicitly or implicitly), and whether rsp is involved.  The
 * handler that emulates the instruction says which family it is; the
 * operands and the raw encoding say the rest.
 */
#include "rw_internal.h"

EMU_FOP_DECLARE(mulx);
EMU_FOP_DECLARE(idiv);

/* The 64-bit register behind an emu register id (ah..bh are rax..rbx). */
static unsigned rw_gpr(unsigned id)
{
	return id >= EMU_REG_AH && id < EMU_REG_AH + 4 ? id - EMU_REG_AH : id;
}

static bool rw_is_reg(const struct emu_insn *insn, unsigned i)
{
	return i < insn->nops && insn->op[i].kind == EMU_OP_REG;
}

/* Mark operand i written, if it is a register. */
static void rw_writes_op(struct rw_site *m, unsigned i)
{
	if (rw_is_reg(m->insn, i))
		m->writes |= RW_BIT(rw_gpr(m->insn->op[i].reg));
}

/*
 * Family by family: the access to the map operand, the registers the
 * instruction writes and the implicit ones it uses.
 */
static enum regmap_rw_reason rw_family(struct rw_site *m)
{
	const struct emu_insn *insn = m->insn;
	emu_handler_fn h = insn->handler;
	unsigned mi = insn->mem;
	const uint32_t ax = RW_BIT(REGMAP_RAX), dx = RW_BIT(REGMAP_RDX);

	m->flags_out = true;
	if (h == emu_h_mov || h == emu_h_movzx || h == emu_h_movsx || h == emu_h_movbe ||
	    h == emu_h_cmovcc) {
		m->flags_out = false;
		m->access = mi == 0 ? RW_W : RW_R;
		rw_writes_op(m, 0);
	} else if (h == emu_h_alu2) {
		m->access = insn->variant == EMU_ALU_NOWRITE ? RW_R : mi == 0 ? RW_RW : RW_R;
		if (insn->variant != EMU_ALU_NOWRITE)
			rw_writes_op(m, 0);
	} else if (h == emu_h_alu1 || h == emu_h_shift || h == emu_h_shxd) {
		m->access = RW_RW;
	} else if (h == emu_h_mul1 || h == emu_h_div ||
		   (h == emu_h_imul && insn->nops == 1)) {
		m->access = RW_R;
		m->uses |= ax | (insn->op[0].size > 1 ? dx : 0);
		m->writes |= ax | (insn->op[0].size > 1 ? dx : 0);
	} else if (h == emu_h_imul || h == emu_h_bitscan || h == emu_h_adx ||
		   h == emu_h_crc32) {
		m->access = RW_R;
		rw_writes_op(m, 0);
	} else if (h == emu_h_bmi) {
		m->access = RW_R;
		rw_writes_op(m, 0);
		if (insn->fop == emu_fop_mulx) {
			rw_writes_op(m, 1);
			m->uses |= dx;
		}
		/* PDEP PEXT SARX SHLX SHRX RORX keep the flags, the rest set them */
	} else if (h == emu_h_bt) {
		m->access = insn->variant == EMU_ALU_NOWRITE ? RW_R : RW_RW;
	} else if (h == emu_h_xchg) {
		m->flags_out = false;
		m->access = RW_RW;
		rw_writes_op(m, mi == 0 ? 1 : 0);
	} else if (h == emu_h_xadd) {
		m->access = RW_RW;
		rw_writes_op(m, 1);
	} else if (h == emu_h_cmpxchg) {
		m->access = RW_CW;
		m->uses |= ax;
		m->writes |= ax;
	} else if (h == emu_h_cmpxchgnb) {
		if (insn->op[0].size == 16)
			m->shape = RW_CX16;
		m->access = RW_CW;
		m->uses |= ax | dx | RW_BIT(REGMAP_RCX) | RW_BIT(REGMAP_RBX);
		m->writes |= ax | dx;
	} else if (h == emu_h_setcc) {
		m->flags_out = false;
		m->access = RW_W;
	} else if (h == emu_h_push || h == emu_h_pop || h == emu_h_call || h == emu_h_jmp) {
		m->flags_out = false;
		m->shape = h == emu_h_push ? RW_PUSH : h == emu_h_pop ? RW_POP :
			   h == emu_h_call ? RW_CALL : RW_JMP;
		m->access = h == emu_h_pop ? RW_W : RW_R;
		m->uses |= RW_BIT(REGMAP_RSP);
		if (h != emu_h_jmp)
			m->writes |= RW_BIT(REGMAP_RSP);
		/*
		 * Far forms: the emulator refuses them.  Near ones with a
		 * 16-bit target (0x66 on AMD) are left to the register form
		 * (rw_inplace.c), which the CPU runs the same way.
		 */
		if ((h == emu_h_call || h == emu_h_jmp) && insn->op[0].size != 8 &&
		    insn->op[0].size != 2)
			return REGMAP_RW_FAR;
	} else if (h == emu_h_vx) {
		return REGMAP_RW_VECTOR;
	} else {
		/* string instructions have no explicit operand: not constant */
		return REGMAP_RW_NOT_CONST;
	}
	return REGMAP_RW_OK;
}

enum regmap_rw_reason rw_model(const struct emu_insn *insn, uint64_t site,
			       struct rw_site *m)
{
	const struct emu_operand *op;
	uint64_t d;
	enum regmap_rw_reason why;

	memset(m, 0, sizeof(*m));
	m->insn = insn;
	m->site = site;
	m->next = site + insn->len;
	m->reg = m->vvvv = -1;
	if (!insn->len || !insn->handler)
		return REGMAP_RW_BAD_INSN;
	if (!regmap_emu_insn_const_addr((const struct regmap_emu_insn *)insn))
		return REGMAP_RW_NOT_CONST;
	if (insn->raw.vex == EMU_RAW_OTHER || insn->raw.map > 3)
		return insn->handler == emu_h_vx ? REGMAP_RW_VECTOR : REGMAP_RW_ENCODING;

	/* before the address: the word a bit string reaches is elsewhere */
	if (insn->handler == emu_h_bt && insn->nops > 1 && insn->op[1].kind == EMU_OP_REG)
		return REGMAP_RW_BITSTRING;

	op = &insn->op[insn->mem];
	d = (uint64_t)op->disp & emu_mask(insn->addr_size);
	m->s = op->size;
	if (!m->s || d >= REGMAP_MAP_SIZE || m->s > REGMAP_MAP_SIZE - d)
		return insn->handler == emu_h_vx ? REGMAP_RW_VECTOR : REGMAP_RW_NOT_IN_MAP;
	m->d = (unsigned)d;

	for (unsigned i = 0; i < insn->nops; i++)
		if (rw_is_reg(insn, i))
			m->uses |= RW_BIT(rw_gpr(insn->op[i].reg));
	why = rw_family(m);
	if (why)
		return why;
	/*
	 * CMPXCHG16B: on a misaligned address it always raises #GP (nothing
	 * to gain); on rip and rflags its stub would need an IRET frame too.
	 */
	if (m->s > 8 && (m->shape != RW_CX16 || m->d % 16 || m->d >= REGMAP_OFF_RIP))
		return REGMAP_RW_ALIGN16;
	/*
	 * A stub checks a written rip before letting it take effect and goes
	 * back to the emulator if it is not canonical; that needs the other
	 * effects undone, which XADD's sum and a zero-extending 4-byte XCHG
	 * do not allow.
	 */
	if (m->access != RW_R && m->d < REGMAP_OFF_RFLAGS && m->d + m->s > REGMAP_OFF_RIP &&
	    (insn->handler == emu_h_xadd || (insn->handler == emu_h_xchg && m->s == 4)))
		return REGMAP_RW_RIP_REG;

	if (insn->raw.reg_op < insn->nops && rw_is_reg(insn, insn->raw.reg_op))
		m->reg = insn->op[insn->raw.reg_op].reg;
	if (insn->raw.vvvv_op < insn->nops && rw_is_reg(insn, insn->raw.vvvv_op))
		m->vvvv = insn->op[insn->raw.vvvv_op].reg;
	m->rsp_op = m->reg == REGMAP_RSP || m->vvvv == REGMAP_RSP;
	/* for the generic shape only explicit operands can write rsp */
	m->rsp_op_written = m->rsp_op && (m->writes & RW_BIT(REGMAP_RSP));
	return REGMAP_RW_OK;
}

int rw_pick_spare(const struct rw_site *m)
{
	static const uint8_t order[] = {
		REGMAP_RBX, 11, 10, 9, 8, REGMAP_RBP, REGMAP_RSI, REGMAP_RDI,
		12, 13, 14, 15, REGMAP_RCX, REGMAP_RDX, REGMAP_RAX,
	};
	uint32_t busy = m->uses | m->writes | RW_BIT(REGMAP_RSP);

	/* nor a register whose map slot the instruction touches */
	for (unsigned s = m->d / 8; s <= (m->d + m->s - 1) / 8 && s < 16; s++)
		busy |= RW_BIT(s);
	for (unsigned i = 0; i < sizeof(order); i++)
		if (!(busy & RW_BIT(order[i])))
			return order[i];
	return -1;
}
