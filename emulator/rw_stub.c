/*
 * The stub generator's core (doc/REWRITE.md section 3): emitters that
 * address the stub's frame by offset from rsp_low (= rsp at the site -
 * RW_L) whatever rsp is at that moment, and that keep the bookkeeping
 * the safety rules need:
 *
 *   - every memory access made while the thread's registers and flags are
 *     still the site's (the spare register T aside, which is saved) is a
 *     rewind point (section 4);
 *   - every memory access made later must be to the frame, inside the
 *     range that clean 8-byte stores have already touched: then it cannot
 *     fault.  rw_stub() generates a second time with probe stores at the
 *     start when that is not so;
 *   - nothing is kept below rsp except during a push/pop pair, whose
 *     value sits at [rsp].
 *
 * And the pieces every shape ends with: the exits and the fallback.
 */
#include "rw_internal.h"

static int32_t rw_d(const struct rw_gen *g, int off)
{
	return off - g->rsp_off;
}

/* The next instruction accesses [off, off + size) (frame offsets). */
void rw_g_mem(struct rw_gen *g, int off, unsigned size)
{
	struct regmap_rw_plan *p = g->plan;
	struct regmap_rw_rewind *last = p->nrewind ? &p->rewind[p->nrewind - 1] : NULL;

	if (!g->dirty) {
		/* a rewind point (once per instruction) */
		if (!last || !last->in_stub || last->off != g->o.len) {
			if (p->nrewind >= REGMAP_RW_MAX_REWIND || g->o.len > 255) {
				g->bad = true;
				return;
			}
			p->rewind[p->nrewind++] = (struct regmap_rw_rewind){
				.in_stub = 1,
				.off = (uint8_t)g->o.len,
				.rsp_add = (uint16_t)(RW_L - g->rsp_off),
				.reg = g->t_live ? (uint8_t)g->t : REGMAP_RW_NOREG,
				.reg_off = (uint8_t)(RW_FR_T - g->rsp_off),
			};
		}
		if (size == 8 && !(off & 7) && off >= 0 && off < RW_K) {
			if (off < g->clean_lo)
				g->clean_lo = off;
			if (off + 8 > g->clean_hi)
				g->clean_hi = off + 8;
		}
		return;
	}
	if (off < 0 || off + (int)size > RW_K) {
		g->bad = true;		/* only the frame once the state has changed */
		return;
	}
	if (off < g->dirty_lo)
		g->dirty_lo = off;
	if (off + (int)size > g->dirty_hi)
		g->dirty_hi = off + (int)size;
}

void rw_g_fault_point(struct rw_gen *g)
{
	if (g->dirty)
		g->bad = true;
	else
		rw_g_mem(g, -RW_L, 0);	/* the rewind entry only */
}

void rw_g_store(struct rw_gen *g, unsigned size, unsigned reg, int off)
{
	rw_g_mem(g, off, size);
	rw_mov_store(&g->o, size, reg, rw_d(g, off));
}

void rw_g_load(struct rw_gen *g, unsigned size, unsigned reg, int off)
{
	rw_g_mem(g, off, size);
	rw_mov_load(&g->o, size, reg, rw_d(g, off));
	if ((int)reg == g->t)
		g->t_live = true;
	else
		g->dirty = true;
}

void rw_g_store_imm64(struct rw_gen *g, int off, uint64_t v)
{
	rw_g_mem(g, off, 4);
	rw_mov_mem_imm32(&g->o, 4, rw_d(g, off), (uint32_t)v);
	rw_g_mem(g, off + 4, 4);
	rw_mov_mem_imm32(&g->o, 4, rw_d(g, off + 4), (uint32_t)(v >> 32));
}

void rw_g_lea_rsp(struct rw_gen *g, int off)
{
	rw_lea_rsp(&g->o, REGMAP_RSP, rw_d(g, off));
	g->rsp_off = off;
}

/* PUSH computes an rsp-based address before it decrements rsp... */
void rw_g_push_mem(struct rw_gen *g, unsigned size, int off)
{
	rw_g_mem(g, off, size);
	rw_g_mem(g, g->rsp_off - (int)size, size);
	rw_push_mem(&g->o, size, rw_d(g, off));
	g->rsp_off -= (int)size;
}

/* ... and POP after it increments it. */
void rw_g_pop_mem(struct rw_gen *g, unsigned size, int off)
{
	rw_g_mem(g, g->rsp_off, size);
	rw_g_mem(g, off, size);
	g->rsp_off += (int)size;
	rw_pop_mem(&g->o, size, rw_d(g, off));
}

void rw_g_flags_save(struct rw_gen *g, int off)
{
	rw_g_mem(g, g->rsp_off - 8, 8);
	rw_byte(&g->o, 0x9c);			/* pushfq */
	g->rsp_off -= 8;
	rw_g_pop_mem(g, 8, off);
}

/* Load the flags saved at off; they are the site's again if off is RW_FR_SF. */
void rw_g_flags_load(struct rw_gen *g, int off)
{
	rw_g_push_mem(g, 8, off);
	rw_g_mem(g, g->rsp_off, 8);
	rw_byte(&g->o, 0x9d);			/* popfq */
	g->rsp_off += 8;
}

void rw_g_t_site_rsp(struct rw_gen *g, int add)
{
	rw_lea_rsp(&g->o, (unsigned)g->t, rw_d(g, RW_L + add));
	g->t_live = true;
}

void rw_g_t_frame(struct rw_gen *g, int off)
{
	rw_lea_rsp(&g->o, (unsigned)g->t, rw_d(g, off));
	g->t_live = true;
}

int32_t rw_g_disp(const struct rw_gen *g, int off)
{
	return rw_d(g, off);
}

void rw_g_t_restore(struct rw_gen *g)
{
	if (!g->t_live)
		return;
	rw_g_mem(g, RW_FR_T, 8);
	rw_mov_load(&g->o, 8, (unsigned)g->t, rw_d(g, RW_FR_T));
	g->t_live = false;
}

/* Copy map bytes [a, b) of a slot image at from to the slot at to, by T. */
void rw_g_copy_bytes(struct rw_gen *g, int to, int from, unsigned a, unsigned b)
{
	while (a < b) {
		unsigned n = 8;

		/* naturally aligned pieces: aligned whenever rsp is */
		while (n > 1 && ((a & (n - 1)) || a + n > b))
			n >>= 1;
		rw_g_load(g, n, (unsigned)g->t, from + (int)a);
		rw_g_store(g, n, (unsigned)g->t, to + (int)a);
		a += n;
	}
}

/* To the fallback if the 8 bytes at off are not a canonical address. */
void rw_g_check_canonical(struct rw_gen *g, int off)
{
	unsigned t = (unsigned)g->t;

	rw_g_load(g, 8, t, off);
	rw_sar_reg(&g->o, t, 47);		/* 0 or -1 if canonical */
	rw_alu_reg_imm(&g->o, RW_ALU_ADD, t, 1);
	rw_alu_reg_imm(&g->o, RW_ALU_CMP, t, 1);
	g->dirty = true;
	if (g->nfallback < sizeof(g->fallback_jumps) / sizeof(g->fallback_jumps[0]))
		g->fallback_jumps[g->nfallback++] = rw_jcc_fwd(&g->o, RW_CC_A);
	else
		g->bad = true;
}

/*
 * The written bytes [a, b) of the rflags image at img replace the user
 * bits of the final flags at RW_FR_FLAGS (which hold the flags after the
 * instruction).
 */
void rw_g_flags_merge(struct rw_gen *g, int img, unsigned a, unsigned b)
{
	uint64_t bytes = (b >= 8 ? ~0ull : (1ull << (8 * b)) - 1) & ~((1ull << (8 * a)) - 1);
	int32_t uw = (int32_t)(REGMAP_FLAGS_USER & bytes);
	unsigned t = (unsigned)g->t;

	rw_g_load(g, 8, t, img);
	rw_alu_reg_imm(&g->o, RW_ALU_AND, t, uw);
	rw_g_mem(g, RW_FR_FLAGS, 8);
	rw_alu_mem_imm32(&g->o, RW_ALU_AND, rw_d(g, RW_FR_FLAGS), ~uw);
	rw_g_mem(g, RW_FR_FLAGS, 8);
	rw_alu_mem_reg(&g->o, 0x09, rw_d(g, RW_FR_FLAGS), t);	/* or */
	g->dirty = true;
}

static void rw_g_jmp_next(struct rw_gen *g)
{
	rw_rel32(&g->o, 0xe9, g->plan->stub + g->o.len, g->m->next);
}

/* Final rsp = rsp at the site + rsp_add, or the value at RW_FR_RSP. */
void rw_g_exit_jmp(struct rw_gen *g, int rsp_add, bool rsp_dynamic)
{
	rw_g_t_restore(g);
	if (rsp_dynamic) {
		rw_g_mem(g, RW_FR_RSP, 8);
		rw_mov_load(&g->o, 8, REGMAP_RSP, rw_d(g, RW_FR_RSP));
	} else {
		rw_g_lea_rsp(g, RW_L + rsp_add);
	}
	rw_g_jmp_next(g);
}

/*
 * Jump to the 8 bytes at rip_off with ret imm16; the flags must be final.
 * After the ret, rsp = rsp at the site + rsp_add.
 */
void rw_g_exit_ret(struct rw_gen *g, int rip_off, int rsp_add)
{
	int imm = RW_L + rsp_add - rip_off - 8;

	g->plan->exits |= REGMAP_RW_EXIT_RET;
	rw_g_t_restore(g);
	rw_g_lea_rsp(g, rip_off);
	rw_g_mem(g, rip_off, 8);
	rw_byte(&g->o, 0xc2);
	rw_byte(&g->o, (uint8_t)imm);
	rw_byte(&g->o, (uint8_t)(imm >> 8));
	g->rsp_off += 8 + imm;
}

/*
 * IRETQ: rip from the 8 bytes at rip_off (N if rip_off < 0), the flags
 * at RW_FR_FLAGS, rsp = rsp at the site + rsp_add or RW_FR_RSP's value.
 */
void rw_g_exit_iret(struct rw_gen *g, int rip_off, int rsp_add, bool rsp_dynamic)
{
	g->plan->exits |= REGMAP_RW_EXIT_IRET;
	if (rip_off < 0)
		rw_g_store_imm64(g, RW_FR_IRET, g->m->next);
	else
		rw_g_copy_bytes(g, RW_FR_IRET, rip_off, 0, 8);
	rw_mov_reg_sreg(&g->o, (unsigned)g->t, 1);
	rw_g_store(g, 8, (unsigned)g->t, RW_FR_IRET + 8);	/* cs */
	rw_mov_reg_sreg(&g->o, (unsigned)g->t, 2);
	rw_g_store(g, 8, (unsigned)g->t, RW_FR_IRET + 32);	/* ss */
	if (!rsp_dynamic) {
		rw_g_t_site_rsp(g, rsp_add);
		rw_g_store(g, 8, (unsigned)g->t, RW_FR_RSP);
	}
	rw_g_t_restore(g);
	rw_g_lea_rsp(g, RW_FR_IRET);
	rw_g_mem(g, RW_FR_IRET, 40);
	rw_byte(&g->o, 0x48);
	rw_byte(&g->o, 0xcf);				/* iretq */
}

/*
 * The fallback: back to the site's exact state (undo the one register an
 * XCHG changed, T, the flags saved at RW_FR_SF, rsp) and run the original
 * instruction, which traps: its rewind entry sends the applier to the
 * emulator with the site's state.
 */
void rw_g_fallback(struct rw_gen *g)
{
	struct regmap_rw_plan *p = g->plan;

	if (!g->nfallback)
		return;
	for (unsigned i = 0; i < g->nfallback; i++)
		rw_patch_here(&g->o, g->fallback_jumps[i]);
	g->rsp_off = RW_HOME;
	g->t_live = g->t >= 0;
	g->dirty = true;
	if (g->undo_size)
		rw_mov_load(&g->o, g->undo_size, (unsigned)g->undo_reg, rw_d(g, g->undo_off));
	rw_g_t_restore(g);
	rw_g_flags_load(g, RW_FR_SF);
	rw_g_lea_rsp(g, RW_L);
	g->dirty = false;
	rw_g_fault_point(g);
	rw_put(&g->o, p->orig, p->len);
	rw_g_jmp_next(g);
}
