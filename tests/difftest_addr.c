/*
 * difftest: the addressing forms.  A share of the cases with a ModRM or
 * moffs memory operand gets, instead of [disp32], one of
 *
 *   [base + disp]  [base + index*scale + disp]  [index*scale + disp32]
 *   [disp32]  [rip + disp32]  moffs
 *
 * with disp8 or disp32 (or none), 1, 2, 4 or 8 as the scale, 32-bit
 * addresses (0x67) whose registers carry garbage in their upper halves
 * and whose sum wraps at 2^32, fs:/gs: with nonzero bases, and an access
 * that lies inside the map, partly outside it (above or below), wholly
 * outside it (then it is no map access), or at a non-canonical address.
 *
 * How the native run executes the same instruction: the emulator's state
 * and the native state differ in one value only, the carrier, by the
 * address B of the native map image: the base register is B higher, or
 * the index register B/scale higher, or the displacement (moffs) B
 * higher, or the fs/gs base B higher.  The CPU then computes the same
 * address, with the same wrap at the address size, B higher: it reads and
 * writes the image where the emulator reads and writes the map.  The
 * carrier register is one the instruction neither reads nor writes
 * otherwise (checked with Zydis on the final bytes), so the native result
 * in it is its input, and the expected value is the emulator's input.
 * The JIT mapping lies below 2^31 (difftest_jit.h), so that a carried
 * displacement or a 32-bit address still reaches B.  An access that
 * leaves the map leaves the image into a guard page: the native run
 * faults there (DT_FAULT_PF), at an address B above the one the emulator
 * must report, and nothing changes.
 *
 * The string instructions get 0x67, segment prefixes and runs that leave
 * the map the same way (difftest_addr_str.c).  difftest_addr_run.c has the
 * native state, the expected outcome of a native fault and the coverage
 * counts; difftest_enc.c's dt_addr_emit() the ModRM, SIB and displacement.
 */
#include <string.h>

#include <Zydis/Zydis.h>

#include "difftest.h"
#include "difftest_jit.h"

#define DT_R_RSP	(1u << REGMAP_RSP)

/* What the instruction does with the GPRs besides addressing its operand. */
struct dt_use {
	uint16_t read, written;
	const ZydisDecodedOperand *mem;	/* the explicit memory operand, or NULL */
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
};

static unsigned dt_gpr_bit(ZydisRegister r)
{
	ZydisRegister big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);

	return big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15 ?
	       1u << (big - ZYDIS_REGISTER_RAX) : 0;
}

static bool dt_use_of(const struct dt_code *code, struct dt_use *u)
{
	static ZydisDecoder dec;
	static bool dec_ok;

	if (!dec_ok) {
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		dec_ok = true;
	}
	memset(u, 0, offsetof(struct dt_use, zi));
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code->b, code->len, &u->zi, u->zo)))
		return false;
	for (unsigned i = 0; i < u->zi.operand_count; i++) {
		const ZydisDecodedOperand *o = &u->zo[i];

		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (o->actions & ZYDIS_OPERAND_ACTION_MASK_READ)
				u->read |= dt_gpr_bit(o->reg.value);
			if (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
				u->written |= dt_gpr_bit(o->reg.value);
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (o->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT && !u->mem)
				u->mem = o;
			else	/* the stack of push, pop, call */
				u->read |= dt_gpr_bit(o->mem.base) | dt_gpr_bit(o->mem.index);
		}
	}
	return true;
}

/* ---- the plan of an addressing form ---- */

/* Where an access of size bytes at lin lies: 0 inside, 1 partly, 2 outside. */
unsigned dt_map_class(uint64_t lin, unsigned size)
{
	if (lin < REGMAP_MAP_SIZE && size <= REGMAP_MAP_SIZE - lin)
		return 0;
	if (lin < REGMAP_MAP_SIZE || lin + size - 1 < lin || lin + size - 1 < REGMAP_MAP_SIZE)
		return 1;
	return 2;
}

static bool dt_fits32(int64_t v)
{
	return v == (int32_t)v;
}

/* A displacement of n bytes: small ones mostly, the extremes sometimes. */
static int64_t dt_rand_disp(struct dt_rng *r, unsigned n)
{
	if (n == 1)
		return dt_range(r, -128, 127);
	switch (dt_below(r, 4)) {
	case 0:
		return (int32_t)dt_rand(r);
	case 1:
		return dt_chance(r, 50) ? INT32_MIN + dt_range(r, 0, 255) : INT32_MAX - dt_range(r, 0, 255);
	default:
		return dt_range(r, -0x1000, 0x1000);
	}
}

/*
 * The fewest bytes a CPU reads for the access: the form's size, but 2
 * where Intel and AMD differ (16-bit MOVSXD: a word or a doubleword;
 * 16-bit near CALL/JMP: 8 bytes or 2).  Which one this CPU reads, the
 * native run shows; a plan only needs both to agree on whether an access
 * that starts below the map reaches into it.
 */
unsigned dt_min_access(const struct dt_case *c)
{
	const struct dt_form *f = c->form;

	if (c->opsize == 2 && ((f->family == DT_F_MOVX && f->opc == 0x63) ||
			       (f->family == DT_F_STACK && f->opc == 0xff && f->digit != 6)))
		return 2;
	return c->mem_size;
}

/*
 * The address the access should start at (emulator's view), and the
 * image: inside the map (64%), partly outside (10%; 40% for the forms
 * whose size depends on the CPU), outside (21%, half of them within 16
 * bytes of the map), not canonical (5%).
 */
static uint64_t dt_pick_target(struct dt_case *c, struct dt_rng *r, unsigned *kind)
{
	unsigned size = c->mem_size, min = dt_min_access(c), k = (unsigned)dt_below(r, 100);
	unsigned inside = min < size ? 34 : 64, partly = inside + (min < size ? 40 : 10);
	uint64_t gap = dt_chance(r, 50) ? 16 : DT_JIT_PAGE - 0x100;

	c->img = dt_chance(r, 50) ? DT_IMG_LO : DT_IMG_HI;
	if (k < inside) {
		*kind = 0;
		return c->mem_off;
	}
	c->img = DT_IMG_HI;
	if (k < partly && size > 1) {
		*kind = 1;
		if (min < 2 || dt_chance(r, 50))
			return REGMAP_MAP_SIZE - (unsigned)dt_range(r, 1, size - 1);
		c->img = DT_IMG_LO;
		return -(uint64_t)dt_range(r, 1, min - 1);
	}
	if (k < partly + 21) {
		*kind = 2;
		if (dt_chance(r, 50))
			return REGMAP_MAP_SIZE + dt_below(r, gap);
		c->img = DT_IMG_LO;
		return -(uint64_t)(size + dt_below(r, gap));
	}
	*kind = 3;	/* far from anything: not canonical, even B higher */
	return 0x4000000000000000ull | (dt_rand(r) & 0x0000fffffffffff0ull);
}

/* A base or index register not in avoid (DT_NOREG if there is none). */
static uint8_t dt_pick_reg(struct dt_rng *r, uint16_t avoid)
{
	unsigned n = 16 - (unsigned)__builtin_popcount(avoid), k;

	if (!n)
		return DT_NOREG;
	k = (unsigned)dt_below(r, n);
	for (unsigned reg = 0; reg < 16; reg++)
		if (!(avoid & (1u << reg)) && !k--)
			return (uint8_t)reg;
	return DT_NOREG;
}

/*
 * Solve for the registers and the displacement that give effective
 * address e (masked to the address size): the base register (or, for
 * rsp as the base, which is the stack pointer, the index or the
 * displacement) takes what the others leave.  False if it cannot be done
 * with the displacement size.
 */
static bool dt_solve(struct dt_case *c, struct dt_rng *r, uint64_t e, uint64_t base_val,
		     bool base_fixed)
{
	struct dt_addr *a = &c->addr;
	uint64_t amask = c->insn.a32 ? 0xffffffffull : ~0ull;
	unsigned lg = (unsigned)__builtin_ctz(a->scale);
	/* 2^32 / scale or 2^64 / scale: adding it to the index wraps index*scale */
	uint64_t wrap = c->insn.a32 ? (1ull << 32) >> lg : lg ? 1ull << (64 - lg) : 0;
	uint64_t iv = 0, x;
	int64_t d = a->disp_size ? dt_rand_disp(r, a->disp_size) : 0;

	if (a->index != DT_NOREG)
		iv = dt_chance(r, 30) ? dt_rand(r) : dt_rand_value(r);
	if (a->base != DT_NOREG && !base_fixed) {
		base_val = e - iv * a->scale - (uint64_t)d;
		if (c->insn.a32)
			base_val = (base_val & amask) | (dt_chance(r, 70) ? dt_rand(r) << 32 : 0);
		c->in.gpr[a->base] = base_val;
	} else if (a->index != DT_NOREG) {
		/* index*scale = e - base - d: d takes the remainder modulo scale */
		x = (e - base_val - (uint64_t)d) & amask;
		d += (int64_t)(x & (a->scale - 1));
		x = (e - base_val - (uint64_t)d) & amask;
		iv = (x >> lg) + (uint64_t)dt_below(r, a->scale) * wrap;
		if (c->insn.a32)
			iv = (iv & amask) | (dt_chance(r, 70) ? dt_rand(r) << 32 : 0);
	} else {
		d = (int64_t)(e - base_val);
		if (c->insn.a32)
			d = (int32_t)(uint32_t)d;
	}
	if ((a->disp_size == 1 && d != (int8_t)d) || (a->disp_size == 4 && !dt_fits32(d)))
		return false;
	if (a->index != DT_NOREG)
		c->in.gpr[a->index] = iv;
	c->insn.disp = d;
	if (c->insn.a32) {
		uint64_t b = a->base == DT_NOREG ? 0 : (uint32_t)(base_fixed ? base_val :
								  c->in.gpr[a->base]);

		/* the 32-bit sum overflows (a negative displacement always does) */
		a->wrap32 = b + (uint64_t)(uint32_t)iv * a->scale + (uint64_t)(uint32_t)d >=
			    1ull << 32;
	}
	return true;
}

/* Does Zydis see the memory operand as planned (a check of the encoder)? */
static bool dt_zydis_agrees(const struct dt_case *c, const struct dt_use *u)
{
	const struct dt_addr *a = &c->addr;
	const ZydisDecodedOperand *m = u->mem;
	ZydisRegister seg = c->insn.seg == 0x64 ? ZYDIS_REGISTER_FS :
			    c->insn.seg == 0x65 ? ZYDIS_REGISTER_GS : ZYDIS_REGISTER_NONE;
	unsigned base = a->shape == DT_SH_RIP ? DT_NOREG : a->base;
	bool rip = m->mem.base == ZYDIS_REGISTER_RIP || m->mem.base == ZYDIS_REGISTER_EIP;

	if (u->zi.address_width != (c->insn.a32 ? 32 : 64) || rip != (a->shape == DT_SH_RIP) ||
	    (seg && m->mem.segment != seg) || m->mem.disp.value != c->insn.disp)
		return false;
	if ((base == DT_NOREG) != (m->mem.base == ZYDIS_REGISTER_NONE || rip) ||
	    (base != DT_NOREG && dt_gpr_bit(m->mem.base) != 1u << base))
		return false;
	if ((a->index == DT_NOREG) != (m->mem.index == ZYDIS_REGISTER_NONE) ||
	    (a->index != DT_NOREG && (dt_gpr_bit(m->mem.index) != 1u << a->index ||
				      m->mem.scale != a->scale)))
		return false;
	return true;
}

/* The CALL/JMP target bytes must stay the landing pad: no address register there. */
static uint16_t dt_branch_slots(const struct dt_case *c)
{
	uint16_t m = 0;

	if (c->form->family != DT_F_STACK || c->form->access != DT_R || c->form->opc != 0xff ||
	    (c->form->digit != 2 && c->form->digit != 4) || c->mem_off >= REGMAP_OFF_RIP)
		return 0;
	for (unsigned i = c->mem_off / 8; i <= (c->mem_off + 7) / 8 && i < 16; i++)
		m |= 1u << i;
	return m;
}

static bool dt_try_plan(struct dt_case *c, struct dt_rng *r)
{
	struct dt_addr *a = &c->addr;
	struct dt_insn *in = &c->insn;
	struct dt_code code;
	struct dt_use u;
	uint64_t delta = (uint64_t)c->mem_off - (uint64_t)in->disp;
	uint64_t acc, lin, e, f = 0, base_val = 0, bsz;
	unsigned kind, shape;
	uint16_t avoid;
	bool rsp_base = false;

	/* what the plain form reads: no base or index register may be one of them */
	dt_encode(in, &code);
	if (!dt_use_of(&code, &u))
		return false;
	avoid = u.read | dt_branch_slots(c);
	memset(a, 0, sizeof(*a));
	a->base = a->index = DT_NOREG;
	a->scale = 1;

	acc = dt_pick_target(c, r, &kind);
	lin = acc - delta;	/* the operand's address (BT: the bit string's) */
	in->a32 = dt_chance(r, 25) && kind != 3 ? 0x67 : 0;
	switch (dt_below(r, 20)) {
	case 0: case 1: case 2:
		in->seg = 0x64;
		break;
	case 3: case 4: case 5:
		in->seg = 0x65;
		break;
	case 6:
		in->seg = (uint8_t[]){ 0x26, 0x2e, 0x36, 0x3e }[dt_below(r, 4)];
		break;
	default:
		in->seg = 0;
	}
	if (c->form->enc == DT_ENC_MOFFS)
		shape = DT_SH_MOFFS;
	else
		shape = (unsigned)dt_below(r, DT_SH_MOFFS);
	a->shape = (uint8_t)shape;

	/* registers and displacement size */
	if (shape == DT_SH_BASE || shape == DT_SH_BASE_INDEX) {
		if ((u.read & DT_R_RSP) && c->form->family == DT_F_STACK && dt_chance(r, 40)) {
			a->base = REGMAP_RSP;	/* push/pop/call/jmp [rsp + ...] */
			rsp_base = true;
		} else if ((a->base = dt_pick_reg(r, avoid)) == DT_NOREG) {
			return false;
		}
		a->disp_size = (uint8_t)(uint8_t[]){ 0, 1, 4 }[dt_below(r, 3)];
		if (!a->disp_size && (a->base & 7) == 5)
			a->disp_size = 1;	/* mod 00 with rbp/r13 means something else */
	} else if (shape != DT_SH_MOFFS) {
		a->disp_size = 4;
	}
	if (shape == DT_SH_BASE_INDEX || shape == DT_SH_INDEX) {
		a->index = dt_pick_reg(r, avoid | DT_R_RSP | (a->base != DT_NOREG ? 1u << a->base : 0));
		if (a->index == DT_NOREG)
			return false;
		a->scale = (uint8_t)(1u << dt_below(r, 4));
	}
	if (rsp_base && a->index == DT_NOREG && a->disp_size != 4)
		a->disp_size = 4;	/* rsp is fixed: the displacement has to reach */

	/* the segment base, and the effective address it leaves */
	if (in->seg == 0x64 || in->seg == 0x65) {
		if (in->a32) {
			/* e well below B: the native base F + B stays a user address */
			e = dt_below(r, dt_native_image(c->img) - 2 * DT_JIT_PAGE);
			f = lin - e;
		} else {
			f = dt_below(r, 1ull << 46);
			e = lin - f;
		}
		c->in.fs_base = in->seg == 0x64 ? f : dt_below(r, 1ull << 46);
		c->in.gs_base = in->seg == 0x65 ? f : dt_below(r, 1ull << 46);
		a->carrier = DT_CA_SEG;
	} else {
		e = in->a32 ? lin & 0xffffffffull : lin;
		c->in.fs_base = dt_below(r, 1ull << 46);
		c->in.gs_base = dt_below(r, 1ull << 46);
	}
	/* the access: a bit offset is part of the address, which wraps at its size */
	a->lin = f + ((e + delta) & (in->a32 ? 0xffffffffull : ~0ull));

	/* registers and displacement */
	if (shape == DT_SH_MOFFS) {
		in->disp = (int64_t)e;
	} else if (shape == DT_SH_RIP) {
		uint64_t next = dt_native_insn_addr(0);

		in->disp = (int64_t)(e - next);
		if (in->a32)
			in->disp = (int32_t)(uint32_t)in->disp;
		else if (!dt_fits32(in->disp))
			return false;
		a->wrap32 = in->a32 && (uint32_t)next + (uint64_t)(uint32_t)in->disp >= 1ull << 32;
	} else {
		if (rsp_base) {
			base_val = c->in.gpr[REGMAP_RSP];
			/* pop computes the address with rsp already incremented */
			if (c->form->opc == 0x8f)
				base_val += c->opsize;
		}
		if (!dt_solve(c, r, e, base_val, rsp_base))
			return false;
	}

	/* the carrier: the fs/gs base, or something the instruction does not touch */
	if (a->carrier != DT_CA_SEG) {
		uint16_t busy = u.read | u.written;
		uint64_t b = dt_native_image(c->img);
		unsigned cand[3], n = 0;

		if (a->base != DT_NOREG && !rsp_base && !(busy & (1u << a->base)))
			cand[n++] = DT_CA_BASE;
		if (a->index != DT_NOREG && !(busy & (1u << a->index)))
			cand[n++] = DT_CA_INDEX;
		if ((a->disp_size == 4 || shape == DT_SH_MOFFS) &&
		    (in->a32 || shape == DT_SH_MOFFS || dt_fits32(in->disp + (int64_t)b)))
			cand[n++] = DT_CA_DISP;
		if (!n)
			return false;
		a->carrier = (uint8_t)cand[dt_below(r, n)];
	}
	bsz = dt_native_image(c->img);
	a->native_disp = in->disp + (a->carrier == DT_CA_DISP ? (int64_t)bsz : 0);
	if (in->a32 && shape != DT_SH_MOFFS)
		a->native_disp = (int32_t)(uint32_t)a->native_disp;
	a->native_fs = c->in.fs_base + (in->seg == 0x64 ? bsz : 0);
	a->native_gs = c->in.gs_base + (in->seg == 0x65 ? bsz : 0);
	a->far = kind == 3;
	a->on = true;

	/* REX.X/B (or VEX) for r8..r15 */
	in->xb = 0;
	if (a->index != DT_NOREG && a->index >= 8)
		in->xb |= 2;
	if (a->base != DT_NOREG && a->base >= 8)
		in->xb |= 1;

	/*
	 * The final bytes, as Zydis sees them: the operand as planned, no
	 * address register read as data (but rsp by the stack), the carrier
	 * neither read nor written (a REX can turn ah into spl).
	 */
	dt_encode_case(c, false, 0, 0, &code);
	if (!dt_use_of(&code, &u) || !u.mem || !dt_zydis_agrees(c, &u))
		return false;
	if ((a->index != DT_NOREG && (u.read & (1u << a->index))) ||
	    (a->base != DT_NOREG && !rsp_base && (u.read & (1u << a->base))))
		return false;
	if ((a->carrier == DT_CA_BASE && ((u.read | u.written) & (1u << a->base))) ||
	    (a->carrier == DT_CA_INDEX && ((u.read | u.written) & (1u << a->index))))
		return false;
	return true;
}

void dt_addr_plan(struct dt_case *c, struct dt_rng *r)
{
	struct dt_case save;

	if (c->form->enc == DT_ENC_STRING) {
		dt_addr_string(c, r);
		return;
	}
	if (c->form->enc == DT_ENC_VEC || !c->mem_size || !dt_chance(r, 45))
		return;
	/* a plan that does not work out is dropped: the case stays [disp32] */
	memcpy(&save, c, offsetof(struct dt_case, scratch_init));
	for (unsigned tries = 0; tries < 4; tries++) {
		if (dt_try_plan(c, r))
			return;
		memcpy(c, &save, offsetof(struct dt_case, scratch_init));
	}
}

