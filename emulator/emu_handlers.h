/*
 * The instruction handlers, by family, and the table that maps a Zydis
 * mnemonic to one of them (table.c).  Adding an instruction means one
 * line in table.c and, if no existing handler fits, one handler here.
 */
#ifndef REGMAP_EMU_HANDLERS_H
#define REGMAP_EMU_HANDLERS_H

#include "emu_internal.h"
#include "fastop.h"

struct emu_table_entry {
	emu_handler_fn handler;
	const void *const *fop;
	uint8_t variant;
};

/* The entry for a Zydis mnemonic number, or NULL if regmap has no handler. */
const struct emu_table_entry *emu_table_lookup(unsigned zydis_mnemonic);

#define EMU_HANDLER(name) enum regmap_emu_status name(struct emu_ctx *ctx)

/* The stub of the instruction's fastop table for size bytes, or NULL. */
static inline const void *emu_fop_stub(const struct emu_ctx *ctx, unsigned size)
{
	return ctx->insn->fop ? ctx->insn->fop[emu_fop_size_index(size)] : NULL;
}

/* Read op[0] into f->rax and op[1] into f->rsi: a two-operand fastop's inputs. */
static inline enum regmap_emu_status emu_fop_load(struct emu_ctx *ctx, struct emu_fop *f)
{
	enum regmap_emu_status st = emu_op_read(ctx, 0, &f->rax);

	return st ? st : emu_op_read(ctx, 1, &f->rsi);
}

/*
 * The common end of a fastop handler: run stub on f, write f->rax (cut to
 * size) to op[0] if write, then take the arithmetic flags from f.
 */
static inline enum regmap_emu_status emu_fop_finish(struct emu_ctx *ctx, const void *stub,
						    struct emu_fop *f, unsigned size,
						    bool write)
{
	enum regmap_emu_status st;

	emu_fastop(stub, f);
	if (write) {
		st = emu_op_write(ctx, 0, f->rax & emu_mask(size));
		if (st)
			return st;
	}
	emu_set_arith_flags(ctx, f->flags);
	return REGMAP_EMU_OK;
}

/* h_mov.c: data movement, no flags */
EMU_HANDLER(emu_h_mov);		/* MOV, MOVNTI */
EMU_HANDLER(emu_h_movzx);	/* MOVZX */
EMU_HANDLER(emu_h_movsx);	/* MOVSX, MOVSXD */
EMU_HANDLER(emu_h_movbe);	/* MOVBE */

/* h_alu.c: two- and one-operand arithmetic and logic (fastops) */
#define EMU_ALU_WRITE	0	/* variant: result written to the destination */
#define EMU_ALU_NOWRITE	1	/* variant: flags only (CMP, TEST) */
EMU_HANDLER(emu_h_alu2);	/* ADD ADC SUB SBB AND OR XOR CMP TEST */
EMU_HANDLER(emu_h_alu1);	/* INC DEC NEG NOT */

/* h_shift.c */
EMU_HANDLER(emu_h_shift);	/* SHL SAL SHR SAR ROL ROR RCL RCR */
EMU_HANDLER(emu_h_shxd);	/* SHLD SHRD */

/* h_muldiv.c */
EMU_HANDLER(emu_h_mul1);	/* MUL, one-operand IMUL */
EMU_HANDLER(emu_h_imul);	/* IMUL (two and three operands; one-operand goes to emu_h_mul1) */
EMU_HANDLER(emu_h_div);		/* DIV IDIV */

/* h_bit.c */
EMU_HANDLER(emu_h_bt);		/* BT BTS BTR BTC */
EMU_HANDLER(emu_h_bitscan);	/* BSF BSR TZCNT LZCNT POPCNT */

/* h_bmi.c */
EMU_HANDLER(emu_h_bmi);		/* ANDN BEXTR BLSI BLSMSK BLSR BZHI PDEP PEXT SARX SHLX SHRX RORX MULX */
EMU_HANDLER(emu_h_adx);		/* ADCX ADOX */
EMU_HANDLER(emu_h_crc32);	/* CRC32 */

/* h_xchg.c */
EMU_HANDLER(emu_h_xchg);	/* XCHG */
EMU_HANDLER(emu_h_xadd);	/* XADD */
EMU_HANDLER(emu_h_cmpxchg);	/* CMPXCHG */
EMU_HANDLER(emu_h_cmpxchgnb);	/* CMPXCHG8B CMPXCHG16B */

/* h_cond.c */
EMU_HANDLER(emu_h_setcc);	/* SETcc */
EMU_HANDLER(emu_h_cmovcc);	/* CMOVcc */

/* h_stack.c: the explicit operand is the map; the stack is real memory */
EMU_HANDLER(emu_h_push);	/* PUSH m */
EMU_HANDLER(emu_h_pop);		/* POP m */
EMU_HANDLER(emu_h_call);	/* CALL m (near) */
EMU_HANDLER(emu_h_jmp);		/* JMP m (near) */

/* h_string.c: either pointer may be in the map, the other is real memory */
EMU_HANDLER(emu_h_movs);
EMU_HANDLER(emu_h_stos);
EMU_HANDLER(emu_h_lods);
EMU_HANDLER(emu_h_cmps);
EMU_HANDLER(emu_h_scas);

/* vx_exec.c: vector and x87 instructions run on the CPU (emu.h, regmap_emu_xinit) */
EMU_HANDLER(emu_h_vx);

#endif /* REGMAP_EMU_HANDLERS_H */
