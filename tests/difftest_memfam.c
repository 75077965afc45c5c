/*
 * difftest: the families that also use memory outside the map.
 *
 * Stack (PUSH/POP/CALL/JMP m): rsp points into dt_scratch in both runs;
 * CALL/JMP read the address of the JIT page's landing pad from the map,
 * or the rip slot (the next instruction).
 *
 * Strings: each of rsi/rdi points either into the map (the native run
 * adds the buffer address) or into dt_scratch.  Counts are small enough
 * that every element touched is inside the map, in either direction.
 */
#include "difftest.h"

static void dt_scratch_random(struct dt_case *c, struct dt_rng *r)
{
	c->scratch = true;
	for (unsigned i = 0; i < DT_SCRATCH_SIZE; i += 8) {
		uint64_t v = dt_rand(r);

		for (unsigned j = 0; j < 8; j++)
			c->scratch_init[i + j] = (uint8_t)(v >> (8 * j));
	}
}

static uint64_t dt_scratch_addr(unsigned off)
{
	return (uint64_t)(uintptr_t)dt_scratch + off;
}

static void dt_stack_rsp(struct dt_case *c, struct dt_rng *r)
{
	int64_t mis = dt_chance(r, 85) ? 0 : dt_range(r, -7, 7);

	c->in.gpr[REGMAP_RSP] = dt_scratch_addr(DT_STACK_MID) + (uint64_t)mis;
	dt_scratch_random(c, r);
}

/* PUSH m, POP m */
void dt_su_stack(struct dt_case *c, struct dt_rng *r)
{
	dt_stack_rsp(c, r);
}

/*
 * CALL m, JMP m: the 8 bytes read must be the landing pad's address, so
 * they may not include rsp (which points at the scratch stack) nor the
 * rip and rflags slots, except for exactly the rip slot.
 */
void dt_su_branch(struct dt_case *c, struct dt_rng *r)
{
	unsigned off;

	dt_stack_rsp(c, r);
	if (dt_chance(r, 15)) {
		off = REGMAP_OFF_RIP;
	} else {
		do
			off = dt_rand_off(r, 8);
		while (off + 8 > REGMAP_OFF_RIP ||
		       (off + 8 > 8 * REGMAP_RSP && off < 8 * REGMAP_RSP + 8));
		dt_img_put(&c->in, off, dt_native_landing(), 8);
	}
	c->mem_off = off;
	c->insn.disp = off;
}

/* A map-side pointer for n elements of s bytes in direction df. */
static unsigned dt_str_pos(struct dt_rng *r, unsigned s, unsigned n, bool df)
{
	unsigned span = (n ? n : 1) * s;
	unsigned lo = df ? span - s : 0;
	unsigned hi = df ? REGMAP_MAP_SIZE - s : REGMAP_MAP_SIZE - span;
	unsigned first = (lo + s - 1) / s * s;

	if (dt_chance(r, 80) && first <= hi)
		return first + s * (unsigned)dt_below(r, (hi - first) / s + 1);
	return (unsigned)dt_range(r, lo, hi);
}

/* Offset of element i from the first one. */
static int64_t dt_elem(unsigned i, unsigned s, bool df)
{
	return df ? -(int64_t)(i * s) : (int64_t)(i * s);
}

/*
 * CMPS/SCAS: make the elements before element j compare unequal
 * (stop_equal) or equal (!stop_equal) and element j the opposite, so
 * REPE/REPNE stop there; j == n runs to the end.
 */
static void dt_str_pattern(struct dt_case *c, struct dt_rng *r, unsigned n,
			   unsigned j, bool stop_equal, bool df)
{
	unsigned s = c->opsize, op = c->form->opc & ~1u;
	uint64_t mp, sp;

	if (op == 0xae) {
		/* SCAS: rdi is in the map, so the elements are register bytes */
		mp = c->in.gpr[REGMAP_RDI];
		for (unsigned i = 0; i <= j && i < n; i++)
			if ((i == j) == stop_equal)
				dt_img_put(&c->in, (unsigned)(mp + dt_elem(i, s, df)),
					   c->in.gpr[REGMAP_RAX], s);
		return;
	}
	/* CMPS with one side in the map: copy it to the scratch side */
	if (c->str_map == (DT_STR_RSI | DT_STR_RDI))
		return;
	mp = c->in.gpr[c->str_map == DT_STR_RSI ? REGMAP_RSI : REGMAP_RDI];
	sp = c->in.gpr[c->str_map == DT_STR_RSI ? REGMAP_RDI : REGMAP_RSI] -
	     dt_scratch_addr(0);
	for (unsigned i = 0; i <= j && i < n; i++) {
		uint8_t *d = c->scratch_init + sp + dt_elem(i, s, df);
		const uint8_t *m = (const uint8_t *)&c->in + mp + dt_elem(i, s, df);

		for (unsigned b = 0; b < s; b++)
			d[b] = m[b];
		if ((i == j) != stop_equal)
			d[dt_below(r, s)] ^= (uint8_t)(1u << dt_below(r, 8));
	}
}

static uint8_t dt_str_sides(unsigned op, struct dt_rng *r)
{
	unsigned pick = (unsigned)dt_below(r, 10);

	if (op == 0xac)
		return DT_STR_RSI;		/* LODS */
	if (op == 0xaa || op == 0xae)
		return DT_STR_RDI;		/* STOS, SCAS */
	/* MOVS, CMPS: either side, or both */
	return pick < 4 ? DT_STR_RSI : pick < 8 ? DT_STR_RDI : DT_STR_RSI | DT_STR_RDI;
}

void dt_su_string(struct dt_case *c, struct dt_rng *r)
{
	unsigned s = c->opsize, op = c->form->opc & ~1u;
	bool cmp = op == 0xa6 || op == 0xae;
	bool df = dt_chance(r, 50);
	unsigned n, pick = (unsigned)dt_below(r, 10);
	uint64_t rcx, rdi, rflags;

	c->flags_ok |= REGMAP_FLAGS_DF;
	c->flags_virt &= ~(uint64_t)REGMAP_FLAGS_DF;
	if (df)
		c->in.rflags |= REGMAP_FLAGS_DF;
	else
		c->in.rflags &= ~(uint64_t)REGMAP_FLAGS_DF;
	if (pick < 3)
		c->insn.rep = 0;
	else
		c->insn.rep = cmp && pick >= 6 ? 0xf2 : 0xf3;
	c->str_map = dt_str_sides(op, r);

	if (!c->insn.rep)
		n = 1;
	else if (dt_chance(r, 10))
		n = 0;
	else if (dt_chance(r, 50))
		n = (unsigned)dt_range(r, 1, 4);
	else
		n = (unsigned)dt_range(r, 1, REGMAP_MAP_SIZE / s);
	c->str_rep0 = c->insn.rep && n == 0;
	if (c->insn.rep)
		c->in.gpr[REGMAP_RCX] = n;

	dt_scratch_random(c, r);
	c->in.gpr[REGMAP_RSI] = c->str_map & DT_STR_RSI ? dt_str_pos(r, s, n, df) :
				dt_scratch_addr(DT_STRING_MID + dt_range(r, -16, 16));
	c->in.gpr[REGMAP_RDI] = c->str_map & DT_STR_RDI ? dt_str_pos(r, s, n, df) :
				dt_scratch_addr(DT_STRING_MID + dt_range(r, -16, 16));

	if (cmp && n && dt_chance(r, 70)) {
		bool stop_equal = c->insn.rep ? c->insn.rep == 0xf2 : dt_chance(r, 50);

		dt_sanitize(c);
		rcx = c->in.gpr[REGMAP_RCX];
		rdi = c->in.gpr[REGMAP_RDI];
		rflags = c->in.rflags;
		dt_str_pattern(c, r, n, (unsigned)dt_below(r, n + 1), stop_equal, df);
		/* SCAS may have overwritten the registers that drive it */
		c->in.gpr[REGMAP_RCX] = rcx;
		c->in.gpr[REGMAP_RDI] = rdi;
		c->in.rflags = (c->in.rflags & ~(uint64_t)REGMAP_FLAGS_DF) |
			       (rflags & REGMAP_FLAGS_DF);
	}
}
