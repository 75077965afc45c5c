/*
 * The stub shapes (doc/REWRITE.md 3.2, 3.7, 3.8): the generic stack-copy
 * scheme, PUSH, POP, CALL, JMP, which use rsp implicitly, and
 * CMPXCHG16B.  Each copies the map slots it needs into the image in its
 * frame, runs the instruction (or its data movement) on the image, copies
 * back what was written, map write last, and leaves through one of the
 * exits of rw_stub.c.  Writes of the rip slot are checked for a canonical target
 * first: the emulator would jump there, so a bad one goes to the
 * fallback (the emulator) instead of faulting inside the stub.
 */
#include "rw_internal.h"

/* One 8-byte map slot that the access covers. */
struct rw_slot {
	unsigned slot;		/* 0..15 GPR, RW_SLOT_RIP, RW_SLOT_FLAGS */
	unsigned a, b;		/* bytes [a, b) of it are accessed */
	int img;		/* frame offset of its image */
	bool wr;		/* the instruction writes those bytes */
	bool regmod;		/* ... and changes the register otherwise too */
	bool copyin;		/* the image needs the slot's value first */
};

static unsigned rw_slots(const struct rw_site *m, struct rw_slot *sl)
{
	unsigned s0 = m->d / 8, n = (m->d + m->s - 1) / 8 - s0 + 1;

	for (unsigned j = 0; j < n; j++) {
		struct rw_slot *x = &sl[j];
		unsigned lo = 8 * (s0 + j);

		x->slot = s0 + j;
		x->a = (m->d > lo ? m->d : lo) - lo;
		x->b = (m->d + m->s < lo + 8 ? m->d + m->s : lo + 8) - lo;
		x->img = RW_FR_IMG + 8 * (int)j;
		x->wr = m->access != RW_R;
		x->regmod = false;	/* rip and rflags: merged or taken whole at the exit */
		if (x->slot == RW_SLOT_RSP)
			x->regmod = m->rsp_op_written;
		else if (x->slot < 16)
			x->regmod = (m->writes & RW_BIT(x->slot)) && m->access != RW_CW;
		/*
		 * Read bytes come from the image; so do the unwritten bytes
		 * of a written slot that is not merged (rip, an unchanged
		 * register): the image's whole slot becomes the value.
		 */
		x->copyin = m->access != RW_W ||
			    (x->b - x->a < 8 && x->slot != RW_SLOT_FLAGS && !x->regmod);
	}
	return n;
}

/* The frame offset of map byte d: where the instruction's operand goes. */
static int rw_img_at(const struct rw_site *m)
{
	return RW_FR_IMG + (int)(m->d % 8);
}

static void rw_prologue(struct rw_gen *g)
{
	rw_g_lea_rsp(g, RW_HOME);
	if (g->probe_lo >= 0)
		rw_g_store(g, 8, REGMAP_RAX, g->probe_lo);
	if (g->probe_hi >= 0 && g->probe_hi != g->probe_lo)
		rw_g_store(g, 8, REGMAP_RAX, g->probe_hi);
}

/*
 * Copy the slots in: flags first (pushfq), T saved, then registers,
 * N for rip, and rsp at the site + rsp_add (in T) for rsp.
 */
static void rw_copy_in(struct rw_gen *g, const struct rw_slot *sl, unsigned n, int rsp_add)
{
	for (unsigned j = 0; j < n; j++)
		if (sl[j].copyin && sl[j].slot == RW_SLOT_FLAGS)
			rw_g_flags_save(g, sl[j].img);
	if (g->t >= 0)
		rw_g_store(g, 8, (unsigned)g->t, RW_FR_T);
	for (unsigned j = 0; j < n; j++) {
		if (!sl[j].copyin)
			continue;
		if (sl[j].slot == RW_SLOT_RIP) {
			rw_g_store_imm64(g, sl[j].img, g->m->next);
		} else if (sl[j].slot == RW_SLOT_RSP) {
			rw_g_t_site_rsp(g, rsp_add);
			rw_g_store(g, 8, (unsigned)g->t, sl[j].img);
		} else if (sl[j].slot < 16) {
			rw_g_store(g, 8, sl[j].slot, sl[j].img);
		}
	}
}

/* The final values of the written slots other than rip (rsp into RW_FR_RSP). */
static void rw_copy_back(struct rw_gen *g, const struct rw_slot *sl, unsigned n)
{
	for (unsigned j = 0; j < n; j++) {
		const struct rw_slot *x = &sl[j];

		if (!x->wr || x->slot == RW_SLOT_RIP)
			continue;
		if (x->slot == RW_SLOT_FLAGS) {
			rw_g_flags_merge(g, x->img, x->a, x->b);
		} else if (x->slot == RW_SLOT_RSP) {
			if (x->regmod)
				rw_g_copy_bytes(g, RW_FR_RSP, x->img, x->a, x->b);
		} else if (!x->regmod) {
			rw_g_load(g, 8, x->slot, x->img);
		} else {
			rw_g_store(g, 8, x->slot, RW_FR_MERGE);
			rw_g_copy_bytes(g, RW_FR_MERGE, x->img, x->a, x->b);
			rw_g_load(g, 8, x->slot, RW_FR_MERGE);
		}
	}
}

/* The slot of kind k among the written ones, or NULL. */
static const struct rw_slot *rw_written(const struct rw_slot *sl, unsigned n, unsigned k)
{
	for (unsigned j = 0; j < n; j++)
		if (sl[j].slot == k && sl[j].wr)
			return &sl[j];
	return NULL;
}

/* Leave with rip from the image if written, the final flags, rsp. */
static void rw_exit(struct rw_gen *g, const struct rw_slot *rip, bool flags_w,
		    int rsp_add, bool rsp_dyn)
{
	if (flags_w || (rip && rsp_dyn)) {
		rw_g_exit_iret(g, rip ? rip->img : -1, rsp_add, rsp_dyn);
	} else if (rip) {
		rw_g_flags_load(g, RW_FR_FLAGS);
		rw_g_exit_ret(g, rip->img, rsp_add);
	} else {
		rw_g_exit_jmp(g, rsp_add, rsp_dyn);
	}
	rw_g_fallback(g);
}

static void rw_shape_generic(struct rw_gen *g)
{
	const struct rw_site *m = g->m;
	struct rw_slot sl[2];
	unsigned n = rw_slots(m, sl), skip = 0;
	const struct rw_slot *rip = rw_written(sl, n, RW_SLOT_RIP);
	const struct rw_slot *rsp = rw_written(sl, n, RW_SLOT_RSP);
	bool flags_w = rw_written(sl, n, RW_SLOT_FLAGS) != NULL;
	bool need_t = m->rsp_op || rip || flags_w || rsp;
	bool cw = m->access == RW_CW;

	for (unsigned j = 0; j < n; j++)
		need_t |= (sl[j].copyin && sl[j].slot == RW_SLOT_RSP) || (sl[j].wr && sl[j].regmod);
	g->t = need_t ? rw_pick_spare(m) : -1;
	if (need_t && g->t < 0) {
		g->bad = true;
		return;
	}

	rw_prologue(g);
	if (rip)
		rw_g_flags_save(g, RW_FR_SF);
	rw_copy_in(g, sl, n, 0);
	if (m->rsp_op)
		rw_g_t_site_rsp(g, 0);

	rw_g_mem(g, rw_img_at(m), m->s);
	if (!rw_reencode(&g->o, m->insn, RW_RM_MEM, REGMAP_RSP, rw_img_at(m) - g->rsp_off,
			 m->reg == REGMAP_RSP ? g->t : -1, m->vvvv == REGMAP_RSP ? g->t : -1)) {
		g->bad = true;
		return;
	}
	if ((m->writes & ~RW_BIT(REGMAP_RSP)) || m->flags_out)
		g->dirty = true;

	if (m->rsp_op_written)
		rw_g_store(g, 8, (unsigned)g->t, RW_FR_RSP);
	if (flags_w || rip)
		rw_g_flags_save(g, RW_FR_FLAGS);
	/* an unchanged rsp's new value is its whole image, also if CMPXCHG fails */
	if (rsp && !rsp->regmod)
		rw_g_copy_bytes(g, RW_FR_RSP, rsp->img, 0, 8);
	if (cw)
		skip = rw_jcc_fwd(&g->o, RW_CC_NZ);
	if (rip) {
		if (m->insn->handler == emu_h_xchg && m->reg != REGMAP_RSP) {
			/* the register got the old map bytes; the image has its old value */
			g->undo_reg = m->reg;
			g->undo_size = m->s;
			g->undo_off = rw_img_at(m);
		}
		rw_g_check_canonical(g, rip->img);
	}
	rw_copy_back(g, sl, n);
	if (cw)
		rw_patch_here(&g->o, skip);
	rw_exit(g, rip, flags_w, 0, rsp || m->rsp_op_written);
}

/* pop m: the value at [rsp] to the map bytes, rsp + s; the map write last. */
static void rw_shape_pop(struct rw_gen *g)
{
	const struct rw_site *m = g->m;
	struct rw_slot sl[2];
	unsigned n = rw_slots(m, sl);
	const struct rw_slot *rip = rw_written(sl, n, RW_SLOT_RIP);
	const struct rw_slot *rsp = rw_written(sl, n, RW_SLOT_RSP);
	bool flags_w = rw_written(sl, n, RW_SLOT_FLAGS) != NULL;

	g->t = rip || rsp || flags_w ? rw_pick_spare(m) : -1;
	if ((rip || rsp || flags_w) && g->t < 0) {
		g->bad = true;
		return;
	}
	rw_prologue(g);
	if (rip)
		rw_g_flags_save(g, RW_FR_SF);
	/* an rsp slot's unwritten bytes are those of rsp after the pop */
	rw_copy_in(g, sl, n, (int)m->s);
	rw_g_t_restore(g);
	rw_g_push_mem(g, m->s, RW_L);
	rw_g_pop_mem(g, m->s, rw_img_at(m));
	if (rip || flags_w)
		rw_g_flags_save(g, RW_FR_FLAGS);
	if (rsp)
		rw_g_copy_bytes(g, RW_FR_RSP, rsp->img, 0, 8);
	if (rip)
		rw_g_check_canonical(g, rip->img);
	rw_copy_back(g, sl, n);
	rw_exit(g, rip, flags_w, (int)m->s, rsp != NULL);
}

/* push m: the map bytes to [rsp - s] without a register (PUSH m; POP m). */
static void rw_shape_push(struct rw_gen *g)
{
	const struct rw_site *m = g->m;
	struct rw_slot sl[2];
	unsigned n = rw_slots(m, sl);

	bool rsp = m->d / 8 <= RW_SLOT_RSP && (m->d + m->s - 1) / 8 >= RW_SLOT_RSP;

	g->t = rsp ? rw_pick_spare(m) : -1;
	if (rsp && g->t < 0) {
		g->bad = true;
		return;
	}
	rw_prologue(g);
	rw_copy_in(g, sl, n, 0);
	rw_g_t_restore(g);
	rw_g_push_mem(g, m->s, rw_img_at(m));
	rw_g_pop_mem(g, m->s, RW_L - (int)m->s);
	rw_g_exit_jmp(g, -(int)m->s, false);
}

/*
 * call/jmp m: check the target (the emulator raises #GP for a
 * non-canonical one before pushing anything), push N for a call, and
 * ret to the target from the image.
 */
static void rw_shape_branch(struct rw_gen *g)
{
	const struct rw_site *m = g->m;
	struct rw_slot sl[2];
	unsigned n = rw_slots(m, sl);

	g->t = rw_pick_spare(m);
	if (g->t < 0) {
		g->bad = true;
		return;
	}
	rw_prologue(g);
	rw_g_flags_save(g, RW_FR_SF);
	rw_copy_in(g, sl, n, 0);
	rw_g_check_canonical(g, rw_img_at(m));
	rw_g_flags_load(g, RW_FR_SF);
	rw_g_t_restore(g);
	g->dirty = false;			/* the site's state again */
	if (m->shape == RW_CALL)
		rw_g_store_imm64(g, RW_L - 8, m->next);
	rw_g_exit_ret(g, rw_img_at(m), m->shape == RW_CALL ? -8 : 0);
	rw_g_fallback(g);
}

/*
 * CMPXCHG16B on two GPR slots: the image must be 16-byte aligned and
 * rsp's alignment is known only at run time, so T points at an aligned
 * 16 bytes inside the image area and the slots go through [T].  The
 * flags are changed (and T) while doing so, then the site's flags are
 * loaded again for the instruction itself.
 */
static void rw_shape_cx16(struct rw_gen *g)
{
	const struct rw_site *m = g->m;
	unsigned s0 = m->d / 8, t, skip;

	g->t = rw_pick_spare(m);
	if (g->t < 0) {
		g->bad = true;
		return;
	}
	t = (unsigned)g->t;
	rw_prologue(g);
	rw_g_flags_save(g, RW_FR_SF);
	rw_g_store(g, 8, t, RW_FR_T);
	rw_g_t_frame(g, RW_FR_IMG + 15);
	rw_alu_reg_imm(&g->o, RW_ALU_AND, t, -16);		/* T in [IMG, IMG + 16) */
	g->dirty = true;
	for (unsigned j = 0; j < 2; j++) {
		if (s0 + j == RW_SLOT_RSP) {
			/* rsp at the site, from rsp now (pushed) + the distance */
			rw_g_mem(g, g->rsp_off - 8, 8);
			rw_push_reg(&g->o, REGMAP_RSP);
			g->rsp_off -= 8;
			rw_g_mem(g, g->rsp_off, 8);
			rw_alu_mem_imm32(&g->o, RW_ALU_ADD, rw_g_disp(g, g->rsp_off), RW_L - 8);
			rw_g_mem(g, RW_FR_IMG, 32);
			rw_pop_at(&g->o, t, 8 * (int)j);
			g->rsp_off += 8;
		} else {
			rw_g_mem(g, RW_FR_IMG, 32);
			rw_mov_store_at(&g->o, s0 + j, t, 8 * (int)j);
		}
	}
	rw_g_flags_load(g, RW_FR_SF);
	g->dirty = false;			/* T aside, the site's state */
	rw_g_mem(g, RW_FR_IMG, 32);
	if (!rw_reencode(&g->o, m->insn, RW_RM_MEM, t, 0, -1, -1)) {
		g->bad = true;
		return;
	}
	g->dirty = true;
	/* rsp's new value is its image, the same on failure (section 3.2) */
	if (s0 <= RW_SLOT_RSP && s0 + 1 >= RW_SLOT_RSP) {
		rw_g_mem(g, RW_FR_IMG, 32);
		rw_g_mem(g, g->rsp_off - 8, 8);
		rw_push_at(&g->o, t, 8 * (int)(RW_SLOT_RSP - s0));
		g->rsp_off -= 8;
		rw_g_pop_mem(g, 8, RW_FR_RSP);
	}
	skip = rw_jcc_fwd(&g->o, RW_CC_NZ);
	for (unsigned j = 0; j < 2; j++) {
		if (s0 + j == RW_SLOT_RSP)
			continue;
		rw_g_mem(g, RW_FR_IMG, 32);
		rw_mov_load_at(&g->o, s0 + j, t, 8 * (int)j);
	}
	rw_patch_here(&g->o, skip);
	rw_g_exit_jmp(g, 0, s0 <= RW_SLOT_RSP && s0 + 1 >= RW_SLOT_RSP);
}

void rw_stub_shape(struct rw_gen *g)
{
	switch (g->m->shape) {
	case RW_GENERIC:
		rw_shape_generic(g);
		break;
	case RW_POP:
		rw_shape_pop(g);
		break;
	case RW_PUSH:
		rw_shape_push(g);
		break;
	case RW_CALL:
	case RW_JMP:
		rw_shape_branch(g);
		break;
	case RW_CX16:
		rw_shape_cx16(g);
		break;
	}
}

bool rw_stub(const struct rw_site *m, struct regmap_rw_plan *plan)
{
	int lo = -1, hi = -1;

	for (int pass = 0; pass < 2; pass++) {
		struct rw_gen g = {
			.m = m, .plan = plan,
			.o = { plan->slot, 0, REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER, false },
			.rsp_off = RW_L, .t = -1, .undo_reg = -1,
			.probe_lo = lo, .probe_hi = hi,
			.clean_lo = RW_K, .dirty_lo = RW_K,
		};

		plan->nrewind = 0;
		plan->exits = 0;
		rw_stub_shape(&g);
		if (g.bad || g.o.over)
			return false;
		plan->stub_len = (uint16_t)g.o.len;
		/* dirty accesses only where clean 8-byte stores have been */
		if (g.dirty_hi <= g.dirty_lo ||
		    (g.clean_lo <= g.dirty_lo && g.clean_hi >= g.dirty_hi))
			return true;
		/* probe the ends that clean stores did not reach */
		if (g.clean_lo > g.dirty_lo)
			lo = g.dirty_lo & ~7;
		if (g.clean_hi < g.dirty_hi)
			hi = (g.dirty_hi - 1) & ~7;
	}
	return false;
}
