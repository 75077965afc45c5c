/*
 * String instructions: MOVS STOS LODS CMPS SCAS (b/w/d/q), with REP,
 * REPE and REPNE.  They have no explicit operand: the source is
 * seg:rsi (ds, or an fs/gs override), the destination es:rdi (base 0),
 * the count rcx, all at the address size (esi/edi/ecx with 0x67, whose
 * 32-bit results zero-extend as every 32-bit register write does).
 *
 * A pointer whose first element touches the map is on the map side and
 * works on an image of the map; the other pointer is the target's real
 * memory.  Every element the instruction reaches on the map side must
 * lie inside the map, or nothing is done (PARTIAL).  Because the map
 * side walks distinct bytes of the 0x90-byte map, a run never has more
 * than REGMAP_MAP_SIZE bytes, on either side: the real side is read or
 * written with one callback where possible, element by element when that
 * fails (the CPU may have stopped before the bad element).
 *
 * Registers are the instruction's own live values: rsi, rdi and rcx in
 * ctx->out are what the CPU leaves there; map writes made by the
 * instruction are applied over them afterwards by the core.
 *
 * With TF set the CPU single-steps a repeated string instruction one
 * element at a time: it traps after each iteration with rip still at
 * the instruction, until the last (or the one that ends a REPE/REPNE
 * run).  So with TF set one execution is one iteration, and rip stays
 * unless that was the last; the caller raises the trap.
 */
#include "emu_handlers.h"

EMU_FOP_DECLARE(cmp);

struct emu_str_ptr {
	bool used;
	bool map;		/* the map side: elements live in emu_str.img */
	bool bulk;		/* real side: buf holds the whole run */
	uint64_t base;		/* segment base */
	uint64_t off;		/* index register at the start, masked to the address size */
	uint64_t lo;		/* real side: linear address of buf[0] */
	uint8_t buf[REGMAP_MAP_SIZE];
};

struct emu_str {
	struct emu_ctx *ctx;
	unsigned size;		/* element size */
	uint64_t amask;		/* address-size mask */
	uint64_t step;		/* +size, or -size with DF set (two's complement) */
	uint64_t count;		/* elements this execution does */
	uint64_t total;		/* elements the instruction asks for (rcx) */
	bool single;		/* TF: one iteration per execution */
	uint64_t n;		/* elements the map side allows */
	uint64_t partial;	/* n < count: fault address of element n */
	struct emu_str_ptr src, dst;
	uint8_t img[REGMAP_MAP_SIZE];	/* the map image as the instruction changes it */
};

static uint64_t emu_str_addr(const struct emu_str *s, const struct emu_str_ptr *p, uint64_t i)
{
	return p->base + ((p->off + i * s->step) & s->amask);
}

/* The lowest offset of a run of n elements, if the run does not wrap the address size. */
static bool emu_str_run(const struct emu_str *s, const struct emu_str_ptr *p,
			uint64_t n, uint64_t *lo)
{
	uint64_t span = (n - 1) * s->size;

	if ((int64_t)s->step > 0) {
		*lo = p->off;
		return s->amask - p->off >= span + s->size - 1;
	}
	*lo = p->off - span;
	return p->off >= span;
}

static enum regmap_emu_status emu_str_setup(struct emu_str *s, struct emu_ctx *ctx,
					    bool use_src, bool use_dst)
{
	const struct emu_insn *insn = ctx->insn;
	struct emu_str_ptr *ptrs[2] = { &s->src, &s->dst };
	bool any = false;

	/* the SSE forms of MOVSD/CMPSD share the mnemonic but have operands */
	if (insn->nops)
		return REGMAP_EMU_UNSUPPORTED;
	s->ctx = ctx;
	s->size = insn->opsize;
	s->amask = emu_mask(insn->addr_size);
	s->step = ctx->in.rflags & REGMAP_FLAGS_DF ? -(uint64_t)s->size : s->size;
	s->total = insn->prefix & (EMU_PFX_REP | EMU_PFX_REPNE) ?
		   ctx->in.gpr[REGMAP_RCX] & s->amask : 1;
	s->single = s->total > 1 && (ctx->in.rflags & REGMAP_FLAGS_TF);
	s->count = s->single ? 1 : s->total;
	s->src.used = use_src;
	s->src.base = insn->seg == EMU_SEG_FS ? ctx->in.fs_base :
		      insn->seg == EMU_SEG_GS ? ctx->in.gs_base : 0;
	s->src.off = ctx->in.gpr[REGMAP_RSI] & s->amask;
	s->dst.used = use_dst;
	s->dst.base = 0;
	s->dst.off = ctx->in.gpr[REGMAP_RDI] & s->amask;
	s->n = s->count;
	s->partial = 0;

	for (unsigned k = 0; k < 2; k++) {
		struct emu_str_ptr *p = ptrs[k];
		uint64_t i = 0, a;

		p->map = false;
		p->bulk = false;
		if (!p->used || !s->count ||
		    !emu_touches_map(emu_str_addr(s, p, 0), s->size))
			continue;
		p->map = any = true;
		while (i < s->n && emu_in_map(emu_str_addr(s, p, i), s->size))
			i++;
		if (i < s->n) {
			s->n = i;
			a = emu_str_addr(s, p, i);
			s->partial = a < REGMAP_MAP_SIZE ? REGMAP_MAP_SIZE : a;
		}
	}
	if (!any) {
		/* also rep with rcx == 0: no access at all */
		ctx->res->fault_addr = emu_str_addr(s, use_src ? &s->src : &s->dst, 0);
		return REGMAP_EMU_NOT_MAP;
	}
	memcpy(s->img, ctx->map, sizeof(s->img));
	return REGMAP_EMU_OK;
}

static enum regmap_emu_status emu_str_partial(struct emu_str *s)
{
	s->ctx->res->fault_addr = s->partial;
	return REGMAP_EMU_PARTIAL;
}

/* Real side of a run that is read: fetch all n elements with one callback if possible. */
static void emu_str_prefetch(struct emu_str *s, struct emu_str_ptr *p)
{
	uint64_t lo;

	/* n == 0 (the map side is PARTIAL at its first element): nothing to read */
	if (p->map || !s->n || !emu_str_run(s, p, s->n, &lo))
		return;
	p->lo = p->base + lo;
	p->bulk = emu_real_read(s->ctx, p->lo, p->buf, s->n * s->size) == REGMAP_EMU_OK;
	if (!p->bulk)
		s->ctx->res->fault_addr = 0;
}

static enum regmap_emu_status emu_str_get(struct emu_str *s, struct emu_str_ptr *p,
					  uint64_t i, uint64_t *v)
{
	uint64_t a = emu_str_addr(s, p, i);

	*v = 0;
	if (p->map)
		memcpy(v, s->img + a, s->size);
	else if (p->bulk)
		memcpy(v, p->buf + (a - p->lo), s->size);
	else
		return emu_real_read(s->ctx, a, v, s->size);
	return REGMAP_EMU_OK;
}

/* Real side of a run that is written: buffer it if it is one range. */
static void emu_str_prepare_write(struct emu_str *s, struct emu_str_ptr *p)
{
	uint64_t lo;

	if (p->map || !emu_str_run(s, p, s->n, &lo))
		return;
	p->lo = p->base + lo;
	p->bulk = true;
}

static enum regmap_emu_status emu_str_put(struct emu_str *s, struct emu_str_ptr *p,
					  uint64_t i, uint64_t v)
{
	uint64_t a = emu_str_addr(s, p, i);

	if (p->map)
		memcpy(s->img + a, &v, s->size);
	else if (p->bulk)
		memcpy(p->buf + (a - p->lo), &v, s->size);
	else
		return emu_real_write(s->ctx, a, &v, s->size);
	return REGMAP_EMU_OK;
}

/* Write a buffered real run; element by element (in order) if one write fails. */
static enum regmap_emu_status emu_str_flush(struct emu_str *s, struct emu_str_ptr *p)
{
	enum regmap_emu_status st;

	if (p->map || !p->bulk)
		return REGMAP_EMU_OK;
	if (emu_real_write(s->ctx, p->lo, p->buf, s->n * s->size) == REGMAP_EMU_OK)
		return REGMAP_EMU_OK;
	for (uint64_t i = 0; i < s->n; i++) {
		uint64_t a = emu_str_addr(s, p, i);

		st = emu_real_write(s->ctx, a, p->buf + (a - p->lo), s->size);
		if (st)
			return st;
	}
	return REGMAP_EMU_OK;
}

/*
 * Hand the map side's effect to the core, one coalesced access per
 * pointer (reads first, for the trace): done elements were read, or
 * written with their final bytes from the image.
 */
static enum regmap_emu_status emu_str_map_commit(struct emu_str *s, struct emu_str_ptr *p,
						 uint64_t done, bool write)
{
	uint8_t tmp[REGMAP_MAP_SIZE];
	uint64_t lo;

	if (!p->map || !done)
		return REGMAP_EMU_OK;
	emu_str_run(s, p, done, &lo);
	lo += p->base;
	if (write)
		return emu_mem_write(s->ctx, lo, s->img + lo, done * s->size);
	return emu_mem_read(s->ctx, lo, tmp, done * s->size);
}

/*
 * The registers the CPU leaves after done elements; ended: a REPE/REPNE
 * condition stopped the run.  Single-stepped with elements left, the
 * instruction is not finished: rip stays on it.
 */
static void emu_str_regs(struct emu_str *s, uint64_t done, bool ended)
{
	struct regmap_cpu *out = &s->ctx->out;

	if (s->src.used)
		out->gpr[REGMAP_RSI] = (s->src.off + done * s->step) & s->amask;
	if (s->dst.used)
		out->gpr[REGMAP_RDI] = (s->dst.off + done * s->step) & s->amask;
	if (s->ctx->insn->prefix & (EMU_PFX_REP | EMU_PFX_REPNE))
		out->gpr[REGMAP_RCX] = (s->total - done) & s->amask;
	if (s->single && !ended && s->total > done)
		out->rip = s->ctx->in.rip - s->ctx->insn->len;
}

/* Registers, then the map side's accesses: reads first, the order a trace shows. */
static enum regmap_emu_status emu_str_finish(struct emu_str *s, uint64_t done,
					     bool dst_written, bool ended)
{
	enum regmap_emu_status st;

	emu_str_regs(s, done, ended);
	st = emu_str_map_commit(s, &s->src, done, false);
	return st ? st : emu_str_map_commit(s, &s->dst, done, dst_written);
}

EMU_HANDLER(emu_h_movs)
{
	struct emu_str s;
	enum regmap_emu_status st = emu_str_setup(&s, ctx, true, true);
	uint64_t v;

	if (st)
		return st;
	/* all of a map source is checked before any real memory is written */
	if (s.n < s.count)
		return emu_str_partial(&s);
	emu_str_prefetch(&s, &s.src);
	emu_str_prepare_write(&s, &s.dst);
	for (uint64_t i = 0; i < s.n; i++) {
		st = emu_str_get(&s, &s.src, i, &v);
		if (!st)
			st = emu_str_put(&s, &s.dst, i, v);
		if (st)
			return st;
	}
	st = emu_str_flush(&s, &s.dst);
	return st ? st : emu_str_finish(&s, s.n, true, false);
}

EMU_HANDLER(emu_h_stos)
{
	struct emu_str s;
	enum regmap_emu_status st = emu_str_setup(&s, ctx, false, true);
	uint64_t acc = ctx->in.gpr[REGMAP_RAX];

	if (st)
		return st;
	if (s.n < s.count)
		return emu_str_partial(&s);
	for (uint64_t i = 0; i < s.n; i++)
		emu_str_put(&s, &s.dst, i, acc);	/* the map side: cannot fail */
	return emu_str_finish(&s, s.n, true, false);
}

EMU_HANDLER(emu_h_lods)
{
	struct emu_str s;
	enum regmap_emu_status st = emu_str_setup(&s, ctx, true, false);
	uint64_t v = 0;

	if (st)
		return st;
	if (s.n < s.count)
		return emu_str_partial(&s);
	/* only the last element survives in the accumulator */
	emu_str_get(&s, &s.src, s.n - 1, &v);
	emu_reg_set(&ctx->out, REGMAP_RAX, s.size, v);
	return emu_str_finish(&s, s.n, false, false);
}

/*
 * CMPS and SCAS: compare element by element, and with REPE/REPNE stop
 * on the first element whose ZF ends the repetition.  Running into the
 * end of the map before that is PARTIAL; stopping on the last element
 * inside it is not.
 */
static enum regmap_emu_status emu_str_compare(struct emu_ctx *ctx, bool scas)
{
	struct emu_str s;
	enum regmap_emu_status st = emu_str_setup(&s, ctx, !scas, true);
	unsigned prefix = ctx->insn->prefix;
	const void *stub;
	struct emu_fop f = { .flags = ctx->in.rflags };
	uint64_t i, a, b;
	bool ended = false;

	if (st)
		return st;
	stub = emu_fop_cmp[emu_fop_size_index(s.size)];
	if (!scas)
		emu_str_prefetch(&s, &s.src);
	emu_str_prefetch(&s, &s.dst);
	for (i = 0; i < s.n; ) {
		if (scas)
			a = ctx->in.gpr[REGMAP_RAX] & emu_mask(s.size);
		else if ((st = emu_str_get(&s, &s.src, i, &a)))
			return st;
		if ((st = emu_str_get(&s, &s.dst, i, &b)))
			return st;
		f.rax = a;
		f.rsi = b;
		emu_fastop(stub, &f);
		i++;
		ended = ((prefix & EMU_PFX_REP) && !(f.flags & REGMAP_FLAGS_ZF)) ||
			((prefix & EMU_PFX_REPNE) && (f.flags & REGMAP_FLAGS_ZF));
		if (ended)
			break;
	}
	/* the last element inside the map may end the repetition: then nothing is missing */
	if (!ended && s.n < s.count)
		return emu_str_partial(&s);
	emu_set_arith_flags(ctx, f.flags);
	return emu_str_finish(&s, i, false, ended);
}

EMU_HANDLER(emu_h_cmps)
{
	return emu_str_compare(ctx, false);
}

EMU_HANDLER(emu_h_scas)
{
	return emu_str_compare(ctx, true);
}
