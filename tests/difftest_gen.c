/*
 * difftest: generate a case from (seed, case number): pick a form, an
 * operand size, registers, immediates and a map offset, a random register
 * state, then let the form's setup function tune what plain randomness
 * rarely hits (divisors, shift counts, equal compare operands, ...).
 */
#include <cpuid.h>
#include <string.h>

#include "difftest.h"

static const struct dt_form *dt_fam_forms[DT_NFAMILY][DT_MAX_FORMS];
static unsigned dt_fam_n[DT_NFAMILY];
static unsigned dt_total_weight;

/* XSAVE, AVX, AVX-512 (F BW DQ VL) with their state enabled in XCR0. */
static unsigned dt_cpu_vec_features(void)
{
	unsigned a, b, c, d, f = 0;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	f |= DT_CPU_XSAVE;
	if ((c & bit_AVX) && (lo & 6) == 6)
		f |= DT_CPU_AVX;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX512F) && (b & bit_AVX512BW) &&
	    (b & bit_AVX512DQ) && (b & bit_AVX512VL) && (lo & 0xe6) == 0xe6)
		f |= DT_CPU_AVX512;
	(void)hi;
	return f;
}

unsigned dt_cpu_features(void)
{
	unsigned a, b, c, d, f = 0;

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		f |= c & bit_SSE4_2 ? DT_CPU_SSE42 : 0;
		f |= c & bit_POPCNT ? DT_CPU_POPCNT : 0;
		f |= c & bit_MOVBE ? DT_CPU_MOVBE : 0;
		f |= c & bit_CMPXCHG16B ? DT_CPU_CX16 : 0;
	}
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		f |= b & bit_BMI ? DT_CPU_BMI1 : 0;
		f |= b & bit_BMI2 ? DT_CPU_BMI2 : 0;
		f |= b & bit_ADX ? DT_CPU_ADX : 0;
	}
	return f | dt_cpu_vec_features();
}

unsigned dt_gen_init(const char *filter, unsigned cpu)
{
	unsigned n = 0;

	memset(dt_fam_n, 0, sizeof(dt_fam_n));
	dt_total_weight = 0;
	for (unsigned i = 0; i < dt_nforms; i++) {
		const struct dt_form *f = &dt_forms[i];

		if (!dt_form_matches(f, filter) || (f->cpu & ~cpu))
			continue;
		if (!dt_fam_n[f->family])
			dt_total_weight += dt_families[f->family].weight;
		dt_fam_forms[f->family][dt_fam_n[f->family]++] = f;
		n++;
	}
	return n;
}

static const struct dt_form *dt_pick_form(struct dt_rng *r)
{
	uint64_t w = dt_below(r, dt_total_weight);
	unsigned fam;

	for (fam = 0; fam < DT_NFAMILY; fam++) {
		if (!dt_fam_n[fam])
			continue;
		if (w < dt_families[fam].weight)
			break;
		w -= dt_families[fam].weight;
	}
	return dt_fam_forms[fam][dt_below(r, dt_fam_n[fam])];
}

/* Values that find bugs: zero, all ones, small, sign boundaries, random. */
uint64_t dt_rand_value(struct dt_rng *r)
{
	static const uint64_t edge[] = {
		0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
		0x80000000, 0xffffffff, 0x7fffffffffffffff, 0x8000000000000000,
	};
	uint64_t v = dt_rand(r);
	unsigned bits;

	switch (dt_below(r, 12)) {
	case 0:
		return dt_chance(r, 50) ? 0 : ~0ull;
	case 1:
		return dt_below(r, 17);
	case 2:
		return -(uint64_t)dt_range(r, 1, 256);
	case 3:
		return edge[dt_below(r, sizeof(edge) / sizeof(edge[0]))] +
		       (uint64_t)dt_range(r, -1, 1);
	case 4:
		/* a boundary in the low bits, random above */
		bits = 8u << dt_below(r, 3);
		v &= ~0ull << bits;
		return v | (edge[dt_below(r, 3) + 3 * (bits / 16)] & ((1ull << bits) - 1));
	case 5:
	case 6:
		/* random at a random width, zero- or sign-extended */
		bits = 8u << dt_below(r, 3);
		v &= (1ull << bits) - 1;
		if (dt_chance(r, 50) && (v >> (bits - 1)) & 1)
			v |= ~0ull << bits;
		return v;
	default:
		return v;
	}
}

/* A map offset for an access of size bytes: 80% aligned to the size. */
unsigned dt_rand_off(struct dt_rng *r, unsigned size)
{
	unsigned max = REGMAP_MAP_SIZE - size;

	if (dt_chance(r, 80))
		return size * (unsigned)dt_below(r, max / size + 1);
	return (unsigned)dt_below(r, max + 1);
}

void dt_img_put(struct regmap_cpu *cpu, unsigned off, uint64_t val, unsigned size)
{
	uint8_t *img = (uint8_t *)cpu;

	for (unsigned i = 0; i < size && off + i < REGMAP_MAP_SIZE; i++)
		img[off + i] = (uint8_t)(val >> (8 * i));
}

uint64_t dt_img_get(const struct regmap_cpu *cpu, unsigned off, unsigned size)
{
	const uint8_t *img = (const uint8_t *)cpu;
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8 && off + i < REGMAP_MAP_SIZE; i++)
		v |= (uint64_t)img[off + i] << (8 * i);
	return v;
}

/*
 * Only flags the native run can load (no TF, AC; DF for strings), plus
 * the ones only the emulator sees.
 */
void dt_sanitize(struct dt_case *c)
{
	c->in.rflags = (c->in.rflags & c->flags_ok) | 0x202 | c->flags_virt;
}

static unsigned dt_pick_size(struct dt_rng *r, unsigned sizes)
{
	unsigned pick[4], n = 0;

	for (unsigned s = 1; s <= 8; s <<= 1)
		if (sizes & s)
			pick[n++] = s;
	return pick[dt_below(r, n)];
}

static void dt_build_insn(struct dt_case *c, struct dt_rng *r)
{
	const struct dt_form *f = c->form;
	struct dt_insn *in = &c->insn;
	unsigned s = c->opsize;

	in->enc = f->enc;
	in->map = f->map;
	in->opc = (uint8_t)(f->opc + (f->flags & DT_CC ? c->cc : 0));
	in->reg = f->digit == DT_REG ? (uint8_t)dt_below(r, 16) : f->digit;
	if (f->enc == DT_ENC_VEX) {
		in->vex = 1;
		in->vex_w = s == 8;
		in->vex_pp = f->pfx;
		in->vex_vvvv = f->flags & DT_VVVV ? (uint8_t)dt_below(r, 16) : 0;
	} else {
		if (f->pfx == 0x66 || s == 2)
			in->opsize_pfx = 0x66;
		if (f->pfx == 0xf2 || f->pfx == 0xf3)
			in->rep = f->pfx;
		if (s == 8 && (!(f->flags & DT_D64) || dt_chance(r, 20)))
			in->rex = 0x48;
		/* without REX, byte registers 4..7 are ah ch dh bh */
		if (in->reg >= 8 || dt_chance(r, s == 1 ? 40 : 10))
			in->rex |= 0x40;
	}
	if ((f->flags & DT_LOCK) && dt_chance(r, 30))
		in->lock = 0xf0;
	switch (f->imm) {
	case DT_IMM8:
		in->imm_len = 1;
		break;
	case DT_IMM_OP:
		in->imm_len = (uint8_t)(s < 4 ? s : 4);
		break;
	}
	in->imm = dt_rand_value(r);
	if (in->imm_len < 8)
		in->imm &= (1ull << (8 * in->imm_len)) - 1;
}

void dt_generate(struct dt_case *c, uint64_t seed, uint64_t num)
{
	struct dt_rng r;
	const struct dt_form *f;

	dt_rng_seed(&r, seed, num);
	memset(c, 0, offsetof(struct dt_case, scratch_init));
	c->num = num;
	c->form = f = dt_pick_form(&r);
	if (f->enc == DT_ENC_VEC) {
		dt_vec_generate(c, &r);
		return;
	}
	c->opsize = dt_pick_size(&r, f->sizes);
	if (f->flags & DT_CC)
		c->cc = (unsigned)dt_below(&r, 16);

	for (unsigned i = 0; i < 16; i++)
		c->in.gpr[i] = dt_rand_value(&r);
	switch (dt_below(&r, 8)) {
	case 0:
		c->in.rflags = 0;
		break;
	case 1:
		c->in.rflags = ~0ull;
		break;
	default:
		c->in.rflags = dt_rand(&r);
	}
	c->flags_ok = REGMAP_FLAGS_ARITH;
	/*
	 * TF, AC and ID cannot be loaded natively (TF traps, AC faults the
	 * unaligned accesses), DF not outside strings; the emulator gets
	 * them in a quarter of the cases and must keep them.
	 */
	if (dt_chance(&r, 25))
		c->flags_virt = dt_rand(&r) & (REGMAP_FLAGS_TF | REGMAP_FLAGS_AC |
					      REGMAP_FLAGS_ID | REGMAP_FLAGS_DF);

	if (f->enc != DT_ENC_STRING) {
		c->mem_size = f->msize == DT_MS_OP ? c->opsize : f->msize;
		c->mem_off = dt_rand_off(&r, c->mem_size);
	}
	dt_build_insn(c, &r);
	c->insn.disp = c->mem_off;
	if (f->setup)
		f->setup(c, &r);
	dt_addr_plan(c, &r);
	dt_sanitize(c);
}
