/*
 * difftest: per-form tuning of operands and state for the arithmetic
 * families, so that the interesting cases are frequent: shift counts
 * around the operand width, divisions that fault and that do not, bit
 * offsets that reach other registers (negative ones too), compare-and-
 * exchange operands that are equal, BMI control values in range.
 *
 * The map is the register image, so "the memory operand holds x" means
 * writing x into the register bytes at the operand's offset.
 */
#include "difftest.h"

static uint64_t dt_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t dt_count(struct dt_rng *r, unsigned opsize)
{
	unsigned bits = 8 * opsize;
	const unsigned edge[] = {
		0, 1, bits - 1, bits, bits + 1, 31, 32, 33, 63, 64, 65, 128, 255,
	};

	switch (dt_below(r, 5)) {
	case 0:
		return edge[dt_below(r, sizeof(edge) / sizeof(edge[0]))];
	case 1:
	case 2:
		return dt_below(r, bits + 2);
	case 3:
		return dt_below(r, 32);
	default:
		return dt_below(r, 256);
	}
}

/* Shift and rotate counts: imm8 ... */
void dt_su_count_imm(struct dt_case *c, struct dt_rng *r)
{
	c->insn.imm = dt_count(r, c->opsize);
}

/* ... and CL (the rest of rcx stays random). */
void dt_su_count_cl(struct dt_case *c, struct dt_rng *r)
{
	c->in.gpr[REGMAP_RCX] = (c->in.gpr[REGMAP_RCX] & ~0xffull) | dt_count(r, c->opsize);
}

/*
 * DIV/IDIV: 20% divide by zero, 20% left random (mostly quotient
 * overflow), else the high half of the dividend made small enough that
 * the quotient fits (unless the divisor shares bytes with it).
 */
static void dt_div(struct dt_case *c, struct dt_rng *r, bool sign)
{
	unsigned s = c->opsize, hi_off = s == 1 ? 1 : 8 * REGMAP_RDX;
	uint64_t m = dt_mask(s), d, lo, hi;
	unsigned mode = (unsigned)dt_below(r, 10);

	if (mode < 2) {
		dt_img_put(&c->in, c->mem_off, 0, s);
		return;
	}
	if (mode < 4)
		return;
	d = dt_img_get(&c->in, c->mem_off, s);
	if (!d) {
		d = (dt_rand(r) | 1) & m;
		dt_img_put(&c->in, c->mem_off, d, s);
	}
	lo = dt_img_get(&c->in, 0, s);
	if (!sign)
		hi = dt_rand(r) % d;
	else if (dt_chance(r, 70))
		hi = (lo >> (8 * s - 1)) & 1 ? m : 0;	/* lo sign-extended */
	else
		hi = (uint64_t)dt_range(r, -2, 2) & m;
	dt_img_put(&c->in, hi_off, hi, s);
}

void dt_su_div(struct dt_case *c, struct dt_rng *r)
{
	dt_div(c, r, false);
}

void dt_su_idiv(struct dt_case *c, struct dt_rng *r)
{
	dt_div(c, r, true);
}

/*
 * BT* with a register bit offset: the word addressed is
 * disp + (offset >> log2(bits)) * size.  Pick the word inside the map,
 * then a word index k (negative too) and the disp that go with it; 20%
 * of the time k is large, so the disp is far outside the map.
 */
void dt_su_btreg(struct dt_case *c, struct dt_rng *r)
{
	unsigned s = c->opsize, bits = 8 * s;
	unsigned w = dt_rand_off(r, s);
	int64_t k, bitoff;

	if (dt_chance(r, 80))
		k = dt_range(r, -(int64_t)((REGMAP_MAP_SIZE - w) / s), w / s);
	else
		k = dt_range(r, -300, 300);
	bitoff = k * bits + (int64_t)dt_below(r, bits);
	c->in.gpr[c->insn.reg] = (c->in.gpr[c->insn.reg] & ~dt_mask(s)) |
				 ((uint64_t)bitoff & dt_mask(s));
	c->mem_off = w;
	c->insn.disp = (int64_t)w - k * s;
}

/* BSF BSR TZCNT LZCNT POPCNT: zero and one-bit sources are the edge cases. */
void dt_su_zero_src(struct dt_case *c, struct dt_rng *r)
{
	unsigned mode = (unsigned)dt_below(r, 10);

	if (mode < 2)
		dt_img_put(&c->in, c->mem_off, 0, c->mem_size);
	else if (mode < 3)
		dt_img_put(&c->in, c->mem_off, 1ull << dt_below(r, 8 * c->mem_size),
			   c->mem_size);
}

/* CMPXCHG*: half the time the comparison succeeds. */
void dt_su_cmpxchg(struct dt_case *c, struct dt_rng *r)
{
	if (dt_chance(r, 50))
		dt_img_put(&c->in, c->mem_off, c->in.gpr[REGMAP_RAX], c->opsize);
}

void dt_su_cx8(struct dt_case *c, struct dt_rng *r)
{
	if (dt_chance(r, 50))
		dt_img_put(&c->in, c->mem_off,
			   (c->in.gpr[REGMAP_RDX] << 32) | (uint32_t)c->in.gpr[REGMAP_RAX], 8);
}

/* Misaligned (20% of the offsets) raises #GP. */
void dt_su_cx16(struct dt_case *c, struct dt_rng *r)
{
	if (dt_chance(r, 50)) {
		dt_img_put(&c->in, c->mem_off, c->in.gpr[REGMAP_RAX], 8);
		dt_img_put(&c->in, c->mem_off + 8, c->in.gpr[REGMAP_RDX], 8);
	}
}

/* BEXTR: start and length (bits 7:0, 15:8 of vvvv) mostly in range. */
void dt_su_bextr(struct dt_case *c, struct dt_rng *r)
{
	uint64_t *v = &c->in.gpr[c->insn.vex_vvvv];

	if (dt_chance(r, 70))
		*v = (*v & ~0xffffull) | (dt_below(r, 72) << 8) | dt_below(r, 72);
}

/* BZHI: index (bits 7:0 of vvvv) mostly in range. */
void dt_su_bzhi(struct dt_case *c, struct dt_rng *r)
{
	uint64_t *v = &c->in.gpr[c->insn.vex_vvvv];

	if (dt_chance(r, 70))
		*v = (*v & ~0xffull) | dt_below(r, 72);
}

/* SARX SHLX SHRX: the count is masked; small counts half the time. */
void dt_su_shiftx(struct dt_case *c, struct dt_rng *r)
{
	uint64_t *v = &c->in.gpr[c->insn.vex_vvvv];

	if (dt_chance(r, 50))
		*v = (*v & ~0xffull) | dt_below(r, 72);
}
