/*
 * Rewriter internals (emulator/rewrite.h, doc/REWRITE.md):
 *   rw_model.c    what a decoded instruction does to the map and registers
 *   rw_enc.c      byte emitters: stub instructions, NOPs, re-encoding the
 *                 original with another r/m operand
 *   rw_inplace.c  one-instruction replacements of the same length
 *   rw_stub.c     the stub frame: copy-in, flags, exits, fallback
 *   rw_stub_gen.c the stub shapes: generic, PUSH, POP, CALL, JMP
 *   rewrite.c     the public entry points, plans, trailers, rewinds
 */
#ifndef REGMAP_RW_INTERNAL_H
#define REGMAP_RW_INTERNAL_H

#include "emu_handlers.h"
#include "rewrite.h"

/* ---- the model of a site (rw_model.c) ---- */

/* What the instruction does to its map operand. */
enum rw_access {
	RW_R,		/* reads it */
	RW_W,		/* writes all of it, does not read it */
	RW_RW,		/* reads it and writes all of it */
	RW_CW,		/* reads it, writes all of it iff ZF = 1 after (CMPXCHG*) */
};

/* Instructions that use rsp implicitly get their own stub shape. */
enum rw_shape { RW_GENERIC, RW_PUSH, RW_POP, RW_CALL, RW_JMP, RW_CX16 };

#define RW_BIT(r)	(1u << (r))

struct rw_site {
	const struct emu_insn *insn;
	uint64_t site, next;	/* the instruction's address and the next one's (N) */
	unsigned d, s;		/* the map access [d, d + s) */
	enum rw_access access;
	enum rw_shape shape;
	uint32_t uses;		/* GPRs (bits 0..15) read or written as registers */
	uint32_t writes;	/* GPRs written as registers (CMPXCHG*: only on failure) */
	int reg;		/* emu register id in ModRM.reg (16..19: ah..bh), -1: none */
	int vvvv;		/* emu register id in VEX.vvvv, -1: none */
	bool rsp_op;		/* rsp is an explicit register operand (reg or vvvv) */
	bool rsp_op_written;	/* ... and the instruction writes it */
	bool flags_out;		/* the instruction writes arithmetic flags */
};

/* Fill *m for insn at site; REGMAP_RW_OK or the reason to keep trapping. */
enum regmap_rw_reason rw_model(const struct emu_insn *insn, uint64_t site,
			       struct rw_site *m);

/* Map slot numbers: 0..15 GPRs, 16 rip, 17 rflags. */
#define RW_SLOT_RSP	4
#define RW_SLOT_RIP	16
#define RW_SLOT_FLAGS	17

/* ---- byte emitters (rw_enc.c) ---- */

struct rw_buf {
	uint8_t *b;
	unsigned len, cap;
	bool over;		/* something did not fit: the result is invalid */
};

void rw_put(struct rw_buf *o, const void *p, unsigned n);
void rw_byte(struct rw_buf *o, uint8_t v);
void rw_nops(struct rw_buf *o, unsigned n);	/* n bytes of NOP instructions */

/*
 * Stub instructions on [rsp + disp] (disp8 or disp32 chosen by value).
 * size is 1, 2, 4 or 8; reg 0..15 (byte registers 4..7 are spl..dil).
 */
void rw_mov_store(struct rw_buf *o, unsigned size, unsigned reg, int32_t disp);
void rw_mov_load(struct rw_buf *o, unsigned size, unsigned reg, int32_t disp);
/* the same, 8 bytes, on [base + disp] */
void rw_mov_store_at(struct rw_buf *o, unsigned reg, unsigned base, int32_t disp);
void rw_mov_load_at(struct rw_buf *o, unsigned reg, unsigned base, int32_t disp);
void rw_push_at(struct rw_buf *o, unsigned base, int32_t disp);	/* push qword [base+disp] */
void rw_pop_at(struct rw_buf *o, unsigned base, int32_t disp);	/* pop qword [base+disp] */
void rw_push_reg(struct rw_buf *o, unsigned reg);			/* push r64 */
void rw_mov_mem_imm32(struct rw_buf *o, unsigned size, int32_t disp, uint32_t imm);
void rw_mov_reg_sreg(struct rw_buf *o, unsigned reg, unsigned sreg);	/* mov r64, cs (1) / ss (2) */
void rw_lea_rsp(struct rw_buf *o, unsigned reg, int32_t disp);		/* lea reg, [rsp+disp] */
void rw_push_mem(struct rw_buf *o, unsigned size, int32_t disp);	/* push [rsp+disp] */
void rw_pop_mem(struct rw_buf *o, unsigned size, int32_t disp);		/* pop [rsp+disp] */
void rw_alu_mem_imm32(struct rw_buf *o, unsigned digit, int32_t disp, int32_t imm); /* op qword [rsp+d], imm */
void rw_alu_mem_reg(struct rw_buf *o, uint8_t opc, int32_t disp, unsigned reg);	/* op qword [rsp+d], r64 */
void rw_alu_reg_imm(struct rw_buf *o, unsigned digit, unsigned reg, int32_t imm); /* op r64, imm */
void rw_sar_reg(struct rw_buf *o, unsigned reg, uint8_t count);
void rw_rel32(struct rw_buf *o, uint8_t opc, uint64_t at, uint64_t to);	/* E8/E9 at address at */
unsigned rw_jcc_fwd(struct rw_buf *o, unsigned cc);	/* jcc rel32 to be patched; returns where */
void rw_patch_here(struct rw_buf *o, unsigned where);	/* make that jump land here */

#define RW_ALU_OR	1
#define RW_ALU_ADD	0
#define RW_ALU_AND	4
#define RW_ALU_CMP	7
#define RW_CC_NZ	5
#define RW_CC_A		7

/*
 * The original instruction with its memory operand replaced: by register
 * rm (mode RW_RM_REG; byte registers 4..7 are spl..dil, 16..19 ah..bh),
 * or by [rm + disp] (RW_RM_MEM, rm a 64-bit base register).  reg, if not -1, replaces the register
 * in ModRM.reg, vvvv the one in VEX.vvvv.  LOCK, segment and
 * address-size prefixes are dropped; moffs forms become 8A/8B/88/89 and
 * MOVNTI becomes MOV.  Returns false if it cannot be encoded (a REX
 * prefix needed with ah..bh).
 */
enum rw_rm { RW_RM_REG, RW_RM_MEM };
bool rw_reencode(struct rw_buf *o, const struct emu_insn *insn, enum rw_rm mode,
		 unsigned rm, int32_t disp, int reg, int vvvv);

/* ---- in place (rw_inplace.c) ---- */

/*
 * The replacement of exactly m->insn->len bytes into plan->bytes, with
 * its rewind points; false if there is none.  With emit false only says
 * whether there is one.
 */
bool rw_inplace(const struct rw_site *m, struct regmap_rw_plan *plan, bool emit);

/* ---- stubs (rw_stub.c, rw_stub_gen.c) ---- */

/*
 * The stub's frame below the red zone, as offsets from rsp_low = rsp at
 * the site - RW_L.  Offset 0 is the landing slot of transient pushes
 * (pushfq; pop [m]); the stub's rsp is rsp_low + 8 between steps.  The
 * saved flags are at the bottom and T's save at the top: a stub that
 * needs both writes the frame's two ends while the state is still the
 * site's, which is what makes its later frame accesses safe (rw_stub.c).
 */
#define RW_FR_PUSH	0	/* transient */
#define RW_FR_SF	8	/* the site's flags, for the fallback */
#define RW_FR_MERGE	16	/* merging a register with written bytes */
#define RW_FR_IMG	24	/* the image of the map slots: two slots */
#define RW_FR_IRET	40	/* rip, cs, rflags, rsp, ss */
#define RW_FR_FLAGS	(RW_FR_IRET + 16)	/* the final flags */
#define RW_FR_RSP	(RW_FR_IRET + 24)	/* the final rsp */
#define RW_FR_T		80	/* the spare register's own value */
#define RW_K		88
#define RW_L		(REGMAP_RW_RED_ZONE + RW_K)
#define RW_HOME		8	/* rsp - rsp_low between steps */

struct rw_gen {
	const struct rw_site *m;
	struct regmap_rw_plan *plan;
	struct rw_buf o;
	int rsp_off;		/* rsp - rsp_low now */
	int t;			/* the spare register, -1 if none */
	bool t_live;		/* T holds something else than its own value */
	bool dirty;		/* registers or flags differ from the site's (T aside) */
	int probe_lo, probe_hi;	/* pass 2: store there first (-1: no) */
	bool bad;		/* a rule was broken or something did not fit: no plan */
	/* frame offsets touched clean (lo, hi: 8-byte aligned stores) and dirty */
	int clean_lo, clean_hi, dirty_lo, dirty_hi;
	unsigned fallback_jumps[4];
	unsigned nfallback;
	/* the fallback first reloads undo_reg (undo_size bytes) from undo_off */
	int undo_reg, undo_off;
	unsigned undo_size;
};

/* Emitters that keep rsp_off, the rewind table and the probe bookkeeping. */
void rw_g_mem(struct rw_gen *g, int off, unsigned size);	/* the next insn accesses this */
void rw_g_store(struct rw_gen *g, unsigned size, unsigned reg, int off);
void rw_g_load(struct rw_gen *g, unsigned size, unsigned reg, int off);
void rw_g_store_imm64(struct rw_gen *g, int off, uint64_t v);
void rw_g_lea_rsp(struct rw_gen *g, int off);		/* rsp = rsp_low + off */
void rw_g_push_mem(struct rw_gen *g, unsigned size, int off);
void rw_g_pop_mem(struct rw_gen *g, unsigned size, int off);
void rw_g_flags_save(struct rw_gen *g, int off);	/* pushfq; pop [off] */
void rw_g_flags_load(struct rw_gen *g, int off);	/* push [off]; popfq */
void rw_g_t_site_rsp(struct rw_gen *g, int add);	/* T = rsp at the site + add */
void rw_g_t_frame(struct rw_gen *g, int off);		/* T = rsp_low + off */
int32_t rw_g_disp(const struct rw_gen *g, int off);	/* off as [rsp + disp] now */
void rw_g_t_restore(struct rw_gen *g);
void rw_g_fault_point(struct rw_gen *g);		/* the next instruction may fault */
void rw_g_copy_bytes(struct rw_gen *g, int to, int from, unsigned a, unsigned b);
void rw_g_check_canonical(struct rw_gen *g, int off);	/* to the fallback if not */
void rw_g_flags_merge(struct rw_gen *g, int img, unsigned a, unsigned b);
void rw_g_exit_iret(struct rw_gen *g, int rip_off, int rsp_add, bool rsp_dynamic);
void rw_g_exit_ret(struct rw_gen *g, int rip_off, int rsp_add);
void rw_g_exit_jmp(struct rw_gen *g, int rsp_add, bool rsp_dynamic);
void rw_g_fallback(struct rw_gen *g);
int rw_pick_spare(const struct rw_site *m);

/* The stub shapes: code into g->o (rw_stub_gen.c). */
void rw_stub_shape(struct rw_gen *g);

/* Plan a stub at plan->stub into plan->slot; false if it does not fit. */
bool rw_stub(const struct rw_site *m, struct regmap_rw_plan *plan);

#endif /* REGMAP_RW_INTERNAL_H */
