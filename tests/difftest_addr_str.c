/*
 * difftest: the addressing forms of the string instructions (the scheme
 * is difftest_addr.c's): 0x67 (esi, edi and ecx, with garbage in the
 * upper halves that the instruction must ignore, and REP with ecx = 0 but
 * rcx not), a segment prefix (fs:/gs: with a base apply to the source;
 * the others, and any on STOS/SCAS, change nothing), and runs whose map
 * side leaves the map, upward into the guard page after IMG_HI or
 * downward into the one before IMG_LO.  The map-side pointers carry the
 * image address natively (difftest_addr_run.c), but a map-side source
 * under fs:/gs:, where the base carries it (str_segbase).
 */
#include "difftest.h"
#include "difftest_jit.h"

void dt_addr_string(struct dt_case *c, struct dt_rng *r)
{
	struct dt_insn *in = &c->insn;
	uint64_t *gpr = c->in.gpr;
	unsigned s = c->opsize, op = c->form->opc & ~1u;
	bool df = c->in.rflags & REGMAP_FLAGS_DF, has_src = op == 0xa4 || op == 0xa6 || op == 0xac;
	bool partial = false;
	unsigned side = c->str_map & DT_STR_RDI ? REGMAP_RDI : REGMAP_RSI;
	uint64_t f, b;

	c->img = df ? DT_IMG_LO : DT_IMG_HI;
	b = dt_native_image(c->img);

	/*
	 * A run that leaves the map: m elements inside, then one partly or
	 * (m > 0) wholly outside; the first one always touches the map, or
	 * the instruction would not be a map access at all.
	 */
	if (dt_chance(r, 25) && (in->rep || s > 1)) {
		unsigned max = REGMAP_MAP_SIZE / s < 8 ? REGMAP_MAP_SIZE / s : 8;
		unsigned m = in->rep ? (unsigned)dt_range(r, s == 1, max - 1) : 0;
		/* how far the first element outside sticks out of the map */
		unsigned j = m ? (unsigned)dt_range(r, 1, s) : (unsigned)dt_range(r, 1, s - 1);
		unsigned n = m + 1 + (in->rep ? (unsigned)dt_below(r, 4) : 0);

		gpr[side] = df ? (uint64_t)m * s - j : REGMAP_MAP_SIZE - s + j - (uint64_t)m * s;
		if (in->rep)
			gpr[REGMAP_RCX] = n;
		c->str_rep0 = false;
		partial = true;
	}
	if (dt_chance(r, 25)) {
		in->a32 = 0x67;
		/* below 0 is 2^32 - j with 32-bit addresses: no map access at all */
		if (gpr[side] >> 63)
			gpr[side] = (uint32_t)dt_below(r, 8) * s;
		for (unsigned i = REGMAP_RSI; i <= REGMAP_RDI; i++)
			if (dt_chance(r, 70))
				gpr[i] = (uint32_t)gpr[i] | dt_rand(r) << 32;
		if (in->rep && dt_chance(r, 70))
			gpr[REGMAP_RCX] = (uint32_t)gpr[REGMAP_RCX] | dt_rand(r) << 32;
	}
	c->in.fs_base = dt_below(r, 1ull << 46);
	c->in.gs_base = dt_below(r, 1ull << 46);
	switch (dt_below(r, 8)) {
	case 0: case 1:
		in->seg = dt_chance(r, 50) ? 0x64 : 0x65;
		/*
		 * Not with both pointers in the map and a run that leaves it:
		 * which of the two faults first would decide whether the
		 * native fault address is cut to 32 bits (dt_addr_fault).
		 */
		if (partial && c->str_map == (DT_STR_RSI | DT_STR_RDI) && in->a32) {
			in->seg = 0x3e;
			break;
		}
		if (!has_src)
			break;
		f = in->seg == 0x64 ? c->in.fs_base : c->in.gs_base;
		if (c->str_map & DT_STR_RSI) {
			uint64_t p = gpr[REGMAP_RSI] & (in->a32 ? 0xffffffffull : ~0ull);

			/* the base carries the image: rsi + base = the map-side pointer */
			if (in->a32) {
				uint64_t esi = dt_below(r, b - 2 * DT_JIT_PAGE);

				f = p - esi;
				gpr[REGMAP_RSI] = (gpr[REGMAP_RSI] & ~0xffffffffull) | esi;
			} else {
				gpr[REGMAP_RSI] = p - f;
			}
			c->str_segbase = true;
		} else {
			/* a real source: rsi + base = the same scratch address */
			uint64_t p = (uint32_t)gpr[REGMAP_RSI];

			f = dt_below(r, p + 1);
			gpr[REGMAP_RSI] = (gpr[REGMAP_RSI] & ~0xffffffffull) | (p - f);
			if (!in->a32)
				gpr[REGMAP_RSI] = p - f;
		}
		if (in->seg == 0x64)
			c->in.fs_base = f;
		else
			c->in.gs_base = f;
		break;
	case 2:
		in->seg = (uint8_t[]){ 0x26, 0x2e, 0x36, 0x3e }[dt_below(r, 4)];
		break;
	}
}
