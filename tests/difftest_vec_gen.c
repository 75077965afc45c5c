/*
 * difftest: generate and encode a vector or x87 case (see difftest_vec.h):
 * the form, its operands, and a random vector/x87 state in an XSAVE area
 * with the values that find bugs (special floats, MXCSR rounding modes
 * and exception masks, a consistent x87 stack).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "difftest_vec.h"

struct dt_vec_case dt_vec_cur;
unsigned dt_xoff[8];
uint64_t dt_xcr0;

static const struct dt_vform *dt_vfam[DT_NFAMILY][128];
static unsigned dt_vfam_n[DT_NFAMILY];
static unsigned dt_vec_have;		/* DT_VX_* the CPU has */

static unsigned dt_vec_feat(void)
{
	unsigned a, b, c, d, f = 0;

	__cpuid(1, a, b, c, d);
	f |= c & bit_SSE3 ? DT_VX_SSE3 : 0;
	f |= c & bit_SSSE3 ? DT_VX_SSSE3 : 0;
	f |= c & bit_SSE4_1 ? DT_VX_SSE41 : 0;
	f |= c & bit_SSE4_2 ? DT_VX_SSE42 : 0;
	f |= c & bit_AES ? DT_VX_AES : 0;
	f |= c & bit_PCLMUL ? DT_VX_PCLMUL : 0;
	f |= c & bit_FMA ? DT_VX_FMA : 0;
	f |= c & bit_F16C ? DT_VX_F16C : 0;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		f |= b & bit_AVX2 ? DT_VX_AVX2 : 0;
		f |= c & bit_AVX512VPOPCNTDQ ? DT_VX_VPOPCNT : 0;
	}
	return f;
}

int dt_vec_init(void)
{
	unsigned a, b, c, d, feat = dt_vec_have = dt_vec_feat();
	uint32_t lo, hi;
	int err = regmap_emu_xinit();

	__cpuid(1, a, b, c, d);
	if (c & bit_OSXSAVE) {
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		dt_xcr0 = (uint64_t)hi << 32 | lo;
	}
	for (unsigned i = 2; i < 8; i++)
		if (dt_xcr0 & (1u << i)) {
			__cpuid_count(0xd, i, a, b, c, d);
			dt_xoff[i] = b;
			if (a + b > DT_XAREA_SIZE)
				return -E2BIG;
		}
	for (unsigned i = 0; i < dt_nvforms; i++) {
		const struct dt_vform *f = &dt_vforms[i];

		if (f->feat & ~feat)
			continue;	/* dt_vec_notes() says so */
		if (dt_vfam_n[f->family] >= 128)
			return -E2BIG;
		dt_vfam[f->family][dt_vfam_n[f->family]++] = f;
	}
	return err;
}

unsigned dt_vec_notes(const char *filter)
{
	static const char *const feat[] = {
		"SSE3", "SSSE3", "SSE4.1", "SSE4.2", "AES", "PCLMULQDQ", "FMA", "F16C", "AVX2",
		"AVX512-VPOPCNTDQ",
	};
	unsigned n = 0;

	for (unsigned i = 0; i < dt_nvforms; i++) {
		const struct dt_vform *f = &dt_vforms[i];
		unsigned missing = f->feat & ~dt_vec_have;
		bool selected = false;

		for (unsigned k = 0; k < dt_nforms; k++)
			selected |= dt_forms[k].family == f->family &&
				    dt_form_matches(&dt_forms[k], filter);
		if (!missing || !selected)
			continue;
		printf("difftest: note: the CPU lacks %s, skipping: %s\n",
		       feat[__builtin_ctz(missing)], f->name);
		n++;
	}
	return n;
}

/* An interesting 32- or 64-bit floating-point pattern, or random bits. */
static uint64_t dt_fp_value(struct dt_rng *r, unsigned size)
{
	static const uint64_t d[] = {
		0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
		0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
		0x7ff4000000000000, 0x0000000000000001, 0x000fffffffffffff,
		0x4000000000000000, 0x3fe0000000000000, 0x7fefffffffffffff,
		0x43e0000000000000, 0xc3e0000000000000, 0x40934c0000000000,
	};
	static const uint32_t s[] = {
		0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
		0x7fc00000, 0x7fa00000, 0x00000001, 0x007fffff, 0x40000000,
		0x3f000000, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x449a6000,
	};

	switch (dt_below(r, 4)) {
	case 0:
		return size == 8 ? d[dt_below(r, 16)] : s[dt_below(r, 16)];
	case 1:
		return dt_rand_value(r);
	default:
		return dt_rand(r);
	}
}

static void dt_fill(struct dt_rng *r, uint8_t *p, unsigned n)
{
	unsigned esz = dt_chance(r, 50) ? 4 : 8;

	for (unsigned i = 0; i + esz <= n; i += esz) {
		uint64_t v = dt_fp_value(r, esz);

		memcpy(p + i, &v, esz);
	}
}

static void dt_x87_state(struct dt_rng *r, uint8_t *a)
{
	uint16_t fcw = 0x37f, fsw, ftw = (uint16_t)dt_rand(r);

	if (dt_chance(r, 30))
		fcw = (uint16_t)((fcw & ~0xf00u) | (dt_below(r, 16) << 8));
	if (dt_chance(r, 10))
		fcw &= (uint16_t)~dt_below(r, 64);
	fsw = (uint16_t)(dt_below(r, 8) << 11);
	if (dt_chance(r, 30))
		fsw |= (uint16_t)(dt_rand(r) & 0x473f);
	if (fsw & ~fcw & 0x3f)
		fsw |= 0x8080;	/* ES and B */
	memcpy(a + 0, &fcw, 2);
	memcpy(a + 2, &fsw, 2);
	a[4] = (uint8_t)ftw;
	for (unsigned i = 0; i < 8; i++) {
		long double v;
		double dv;
		uint64_t bits = dt_fp_value(r, 8);

		memcpy(&dv, &bits, 8);
		v = dv;
		if (dt_chance(r, 20)) {
			bits = dt_rand(r);
			memcpy(&v, &bits, 8);
			((uint16_t *)(void *)&v)[4] = (uint16_t)dt_rand(r);
		}
		memcpy(a + 32 + 16 * i, &v, 10);
	}
}

static void dt_vec_state(struct dt_rng *r, struct dt_vec_case *v)
{
	uint8_t *a = v->area;
	uint32_t mxcsr = 0x1f80;
	uint64_t bv = v->xmask;

	memset(a, 0, DT_XAREA_SIZE);
	dt_x87_state(r, a);
	if (dt_chance(r, 20))
		mxcsr |= (uint32_t)dt_below(r, 4) << 13;	/* rounding */
	if (dt_chance(r, 10))
		mxcsr |= 0x8000;	/* FTZ */
	if (dt_chance(r, 10))
		mxcsr |= 0x40;		/* DAZ */
	if (dt_chance(r, 30))
		mxcsr |= (uint32_t)dt_below(r, 64);
	/* unmasked exceptions, except UM (see emu.h: tiny exact results) */
	if (dt_chance(r, 10))
		mxcsr &= ~((uint32_t)dt_rand(r) & 0x1780);
	memcpy(a + 24, &mxcsr, 4);
	memcpy(a + 28, &(uint32_t){ 0xffff }, 4);
	dt_fill(r, a + 160, 256);
	if (bv & 4)
		dt_fill(r, a + dt_xoff[2], 256);
	if (bv & 0x20)
		for (unsigned i = 0; i < 8; i++) {
			uint64_t k = dt_chance(r, 30) ? ~0ull : dt_rand(r);

			memcpy(a + dt_xoff[5] + 8 * i, &k, 8);
		}
	if (bv & 0x40)
		dt_fill(r, a + dt_xoff[6], 512);
	if (bv & 0x80)
		dt_fill(r, a + dt_xoff[7], 1024);
	/* now and then a component in its initial state */
	if (dt_chance(r, 10))
		bv &= ~(dt_rand(r) & 0xe7);
	memcpy(a + 512, &bv, 8);
}

static unsigned dt_pick_len(struct dt_rng *r, unsigned lens)
{
	unsigned pick[3], n = 0;

	for (unsigned l = 0; l < 3; l++)
		if (lens & (1u << l))
			pick[n++] = l;
	return pick[dt_below(r, n)];
}

static unsigned dt_vmsize(const struct dt_vform *f, const struct dt_vec_case *v)
{
	switch (f->msize) {
	case DT_VM_VL:	return 16u << v->vl;
	case DT_VM_VL2:	return 8u << v->vl;
	case DT_VM_VL4:	return 4u << v->vl;
	case DT_VM_W48:	return v->w ? 8 : 4;
	default:	return f->msize;
	}
}

void dt_vec_generate(struct dt_case *c, struct dt_rng *r)
{
	struct dt_vec_case *v = &dt_vec_cur;
	const struct dt_vform *f;
	unsigned fam = c->form->family, nreg;

	f = v->form = dt_vfam[fam][dt_below(r, dt_vfam_n[fam] ? dt_vfam_n[fam] : 1)];
	v->xmask = dt_xcr0 & 0xe7;
	v->vl = dt_pick_len(r, f->lens);
	v->w = f->w == DT_WIG ? (unsigned)dt_below(r, 2) : f->w;
	nreg = f->enc == DT_VE_EVEX ? 32 : 16;
	switch (f->regk) {
	case DT_VR_VEC:
		v->reg = (unsigned)dt_below(r, nreg);
		break;
	case DT_VR_GPR:
		do
			v->reg = (unsigned)dt_below(r, 16);
		while (v->reg == REGMAP_RSP);
		break;
	case DT_VR_MMX:
	case DT_VR_K:
		v->reg = (unsigned)dt_below(r, 8);
		break;
	default:
		v->reg = f->digit;
	}
	v->vvvv = f->flags & DT_VF_VVVV ? (unsigned)dt_below(r, nreg) : 0;
	v->mask = f->flags & DT_VF_MASK && dt_chance(r, 60) ? (unsigned)dt_range(r, 1, 7) : 0;
	v->zero = v->mask && (f->flags & DT_VF_Z) && dt_chance(r, 50);
	v->bcst = f->bcst && dt_chance(r, 25);
	v->imm = (uint8_t)dt_rand(r);

	c->opsize = 16u << v->vl;
	c->mem_size = v->bcst ? f->bcst : dt_vmsize(f, v);
	c->mem_off = dt_rand_off(r, c->mem_size);
	for (unsigned i = 0; i < 16; i++)
		c->in.gpr[i] = dt_chance(r, 30) ? dt_fp_value(r, 8) : dt_rand_value(r);
	c->in.rflags = dt_rand(r);
	c->flags_ok = REGMAP_FLAGS_ARITH;
	if (dt_chance(r, 25))
		c->flags_virt = dt_rand(r) & (REGMAP_FLAGS_TF | REGMAP_FLAGS_AC |
					      REGMAP_FLAGS_ID | REGMAP_FLAGS_DF);
	if ((f->flags & DT_VF_MXLD) && dt_chance(r, 75))
		dt_img_put(&c->in, c->mem_off, 0x1f80 | (dt_rand(r) & 0xffbf & 0xe07f), 4);
	c->insn.disp = c->mem_off;
	dt_vec_state(r, v);
	dt_sanitize(c);
}

static void dt_put(struct dt_code *out, uint64_t val, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		out->b[out->len++] = (uint8_t)(val >> (8 * i));
}

/* Everything up to and including the opcode byte. */
static void dt_vec_opcode(const struct dt_vec_case *v, struct dt_code *out)
{
	const struct dt_vform *f = v->form;
	unsigned pp = f->pfx == 0x66 ? 1 : f->pfx == 0xf3 ? 2 : f->pfx == 0xf2 ? 3 : 0;
	unsigned rhi = v->reg & 8 ? 0 : 0x80, vv = ~v->vvvv & 15;

	switch (f->enc) {
	case DT_VE_LEG:
		if (f->pfx)
			out->b[out->len++] = f->pfx;
		if (v->w || (v->reg & 8 && f->regk != DT_VR_MMX))
			out->b[out->len++] = (uint8_t)(0x40 | (v->w ? 8 : 0) |
						       (v->reg & 8 && f->regk != DT_VR_MMX ? 4 : 0));
		if (f->map)
			out->b[out->len++] = 0x0f;
		if (f->map == 2)
			out->b[out->len++] = 0x38;
		if (f->map == 3)
			out->b[out->len++] = 0x3a;
		break;
	case DT_VE_VEX:
		out->b[out->len++] = 0xc4;
		out->b[out->len++] = (uint8_t)(rhi | 0x60 | f->map);
		out->b[out->len++] = (uint8_t)((v->w ? 0x80 : 0) | vv << 3 | (v->vl ? 4 : 0) | pp);
		break;
	case DT_VE_EVEX:
		out->b[out->len++] = 0x62;
		out->b[out->len++] = (uint8_t)(rhi | 0x60 | (v->reg & 16 ? 0 : 0x10) | f->map);
		out->b[out->len++] = (uint8_t)((v->w ? 0x80 : 0) | vv << 3 | 4 | pp);
		out->b[out->len++] = (uint8_t)((v->zero ? 0x80 : 0) | v->vl << 5 |
					       (v->bcst ? 0x10 : 0) | (v->vvvv & 16 ? 0 : 8) |
					       v->mask);
		break;
	}
	out->b[out->len++] = f->opc;
}

void dt_vec_encode(const struct dt_case *c, bool native, uint64_t addr, uint64_t buf,
		   struct dt_code *out)
{
	const struct dt_vec_case *v = &dt_vec_cur;
	size_t disp_at;
	int64_t rel;

	memset(out, 0, sizeof(*out));
	if (native)
		out->b[out->len++] = 0x3e;
	dt_vec_opcode(v, out);
	out->b[out->len++] = (uint8_t)(((v->reg & 7) << 3) | (native ? 5 : 4));
	if (!native)
		out->b[out->len++] = 0x25;
	disp_at = out->len;
	dt_put(out, 0, 4);
	if (v->form->flags & DT_VF_IMM)
		out->b[out->len++] = v->imm;
	rel = native ? (int64_t)(buf + c->mem_off - (addr + out->len)) : (int64_t)c->mem_off;
	memcpy(out->b + disp_at, &(int32_t){ (int32_t)rel }, 4);
}
