/*
 * The rewriter's entry points (emulator/rewrite.h): classify and plan a
 * site, write the stub slot's trailer, and answer "is this rip a rewind
 * point, and how does the thread get back to the site".
 */
#include "rw_internal.h"

/*
 * The trailer in a slot's last REGMAP_RW_TRAILER bytes:
 *   0  magic "RWS1"        4  site (8, little-endian)   12 len
 *   13 orig (15)           28 T (REGMAP_RW_NOREG if none) 29 T's frame offset
 *   30 n                   31 reload mask (2: entry i reloads T)
 *   33 n entries of 2 bytes: offset in the slot, rsp_add
 */
#define RW_TR_MAGIC	"RWS1"
#define RW_TR_ENTRIES	33
#define RW_TR_MAX	((REGMAP_RW_TRAILER - RW_TR_ENTRIES) / 2)

static const struct emu_insn *rw_insn(const struct regmap_emu_insn *pub)
{
	return (const struct emu_insn *)pub->opaque;
}

/* 16-bit near CALL/JMP (AMD) have no stub shape: in place or trapping. */
static bool rw_no_stub(const struct rw_site *m)
{
	return (m->shape == RW_CALL || m->shape == RW_JMP) && m->s != 8;
}

enum regmap_rw_kind regmap_rw_classify(const struct regmap_emu_insn *pub,
				       enum regmap_rw_reason *reason)
{
	struct regmap_rw_plan plan;
	struct rw_site m;
	enum regmap_rw_reason why = rw_model(rw_insn(pub), 0, &m);
	enum regmap_rw_kind kind = REGMAP_RW_TRAP;

	if (!why) {
		plan.nrewind = 0;
		kind = rw_inplace(&m, &plan, false) ? REGMAP_RW_INPLACE : REGMAP_RW_STUB;
		if (kind == REGMAP_RW_STUB && rw_no_stub(&m)) {
			kind = REGMAP_RW_TRAP;
			why = REGMAP_RW_FAR;
		}
	}
	if (reason)
		*reason = why;
	return kind;
}

static bool rw_rel32_ok(uint64_t from, uint64_t to)
{
	int64_t d = (int64_t)(to - from);

	return d == (int64_t)(int32_t)d;
}

static bool rw_trailer(struct regmap_rw_plan *p, const struct rw_site *m)
{
	uint8_t *tr = p->slot + REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER;
	uint16_t mask = 0;
	uint8_t t = REGMAP_RW_NOREG, t_off = 0;

	if (p->nrewind > RW_TR_MAX)
		return false;
	memset(tr, 0, REGMAP_RW_TRAILER);
	memcpy(tr, RW_TR_MAGIC, 4);
	for (unsigned i = 0; i < 8; i++)
		tr[4 + i] = (uint8_t)(m->site >> (8 * i));
	tr[12] = p->len;
	memcpy(tr + 13, p->orig, p->len);
	for (unsigned i = 0; i < p->nrewind; i++) {
		const struct regmap_rw_rewind *r = &p->rewind[i];

		if (r->rsp_add > 255)
			return false;
		tr[RW_TR_ENTRIES + 2 * i] = r->off;
		tr[RW_TR_ENTRIES + 2 * i + 1] = (uint8_t)r->rsp_add;
		if (r->reg != REGMAP_RW_NOREG) {
			t = r->reg;
			t_off = RW_FR_T;
			mask |= (uint16_t)(1u << i);
		}
	}
	tr[28] = t;
	tr[29] = t_off;
	tr[30] = p->nrewind;
	tr[31] = (uint8_t)mask;
	tr[32] = (uint8_t)(mask >> 8);
	return true;
}

static enum regmap_rw_kind rw_trap(struct regmap_rw_plan *p, enum regmap_rw_reason why)
{
	p->kind = REGMAP_RW_TRAP;
	p->reason = why;
	p->nrewind = 0;
	p->exits = 0;
	p->stub_len = 0;
	p->stack_below = 0;
	memcpy(p->bytes, p->orig, p->len);
	return REGMAP_RW_TRAP;
}

enum regmap_rw_kind regmap_rw_plan(const struct regmap_emu_insn *pub,
				   uint64_t site, uint64_t stub,
				   struct regmap_rw_plan *plan)
{
	const struct emu_insn *insn = rw_insn(pub);
	struct rw_buf o = { plan->bytes, 0, sizeof(plan->bytes), false };
	struct rw_site m;
	enum regmap_rw_reason why;

	memset(plan, 0, offsetof(struct regmap_rw_plan, slot));
	plan->site = site;
	plan->len = insn->len;
	memcpy(plan->orig, insn->bytes, insn->len);
	why = rw_model(insn, site, &m);
	if (why)
		return rw_trap(plan, why);
	plan->map_off = (uint8_t)m.d;
	plan->map_len = (uint8_t)m.s;
	plan->map_access = (m.access != RW_W ? REGMAP_RW_READ : 0) |
			   (m.access != RW_R ? REGMAP_RW_WRITE : 0);

	if (rw_inplace(&m, plan, true)) {
		plan->kind = REGMAP_RW_INPLACE;
		return plan->kind;
	}
	plan->nrewind = 0;
	if (rw_no_stub(&m))
		return rw_trap(plan, REGMAP_RW_FAR);
	if (!stub)
		return rw_trap(plan, REGMAP_RW_NO_STUB);
	if ((stub & (REGMAP_RW_STUB_MAX - 1)) || !rw_rel32_ok(site + 5, stub) ||
	    !rw_rel32_ok(stub, m.next) || !rw_rel32_ok(stub + REGMAP_RW_STUB_MAX, m.next))
		return rw_trap(plan, REGMAP_RW_STUB_RANGE);
	plan->stub = stub;
	if (!rw_stub(&m, plan) || !rw_trailer(plan, &m)) {
		plan->stub = 0;
		return rw_trap(plan, REGMAP_RW_STUB_SIZE);
	}
	memset(plan->slot + plan->stub_len, 0xcc,
	       REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER - plan->stub_len);
	plan->stack_below = RW_L;
	rw_rel32(&o, 0xe9, site, stub);
	rw_nops(&o, insn->len - 5);
	plan->kind = REGMAP_RW_STUB;
	return plan->kind;
}

static void rw_fix(struct regmap_rw_fixup *fix, uint64_t site, const uint8_t *orig,
		   unsigned len, unsigned rsp_add, unsigned reg, uint64_t reg_addr)
{
	fix->site = site;
	fix->len = (uint8_t)len;
	memset(fix->orig, 0, sizeof(fix->orig));
	memcpy(fix->orig, orig, len);
	fix->rsp_add = rsp_add;
	fix->reg = (uint8_t)reg;
	fix->reg_addr = reg_addr;
}

bool regmap_rw_rewind_at(const struct regmap_rw_plan *plan, uint64_t rip,
			 uint64_t rsp, struct regmap_rw_fixup *fix)
{
	for (unsigned i = 0; i < plan->nrewind && i < REGMAP_RW_MAX_REWIND; i++) {
		const struct regmap_rw_rewind *r = &plan->rewind[i];
		uint64_t at = (r->in_stub ? plan->stub : plan->site) + r->off;

		if (plan->kind == REGMAP_RW_TRAP || at != rip)
			continue;
		rw_fix(fix, plan->site, plan->orig, plan->len, r->rsp_add, r->reg,
		       rsp + r->reg_off);
		return true;
	}
	return false;
}

bool regmap_rw_slot_fixup(const uint8_t *slot, uint64_t slot_addr, uint64_t rip,
			  uint64_t rsp, struct regmap_rw_fixup *fix)
{
	const uint8_t *tr = slot + REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER;
	uint64_t site = 0, off = rip - slot_addr;
	unsigned n = tr[30], mask = tr[31] | (unsigned)tr[32] << 8;

	if (memcmp(tr, RW_TR_MAGIC, 4) || !tr[12] || tr[12] > REGMAP_EMU_MAX_INSN ||
	    n > RW_TR_MAX || off >= REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER)
		return false;
	for (unsigned i = 0; i < 8; i++)
		site |= (uint64_t)tr[4 + i] << (8 * i);
	for (unsigned i = 0; i < n; i++) {
		unsigned rsp_add = tr[RW_TR_ENTRIES + 2 * i + 1];
		bool reload = mask & (1u << i);

		if (tr[RW_TR_ENTRIES + 2 * i] != off)
			continue;
		/* rsp at the fault = rsp_low + RW_L - rsp_add; T is at rsp_low + its offset */
		rw_fix(fix, site, tr + 13, tr[12], rsp_add, reload ? tr[28] : REGMAP_RW_NOREG,
		       rsp + rsp_add - RW_L + tr[29]);
		return true;
	}
	return false;
}

const char *regmap_rw_reason_str(enum regmap_rw_reason reason)
{
	static const char *const s[REGMAP_RW_NREASONS] = {
		[REGMAP_RW_OK] = "rewritten",
		[REGMAP_RW_BAD_INSN] = "the emulator does not support the instruction",
		[REGMAP_RW_NOT_CONST] = "the map address is not a constant",
		[REGMAP_RW_NOT_IN_MAP] = "the access is not entirely inside the map",
		[REGMAP_RW_VECTOR] = "vector and x87 instructions are not rewritten",
		[REGMAP_RW_BITSTRING] = "a bit test with a register offset reaches a register-dependent word",
		[REGMAP_RW_ALIGN16] = "CMPXCHG16B needs a 16-byte aligned copy of the map",
		[REGMAP_RW_FAR] = "far or 16-bit CALL/JMP",
		[REGMAP_RW_RIP_REG] = "writes rip and a register that could not be undone",
		[REGMAP_RW_ENCODING] = "an encoding the rewriter does not handle",
		[REGMAP_RW_NO_STUB] = "needs a stub and none was available",
		[REGMAP_RW_STUB_RANGE] = "the stub is not within 2 GiB of the site",
		[REGMAP_RW_STUB_SIZE] = "the stub would not fit in its slot",
	};

	return (unsigned)reason < REGMAP_RW_NREASONS && s[reason] ? s[reason] : "unknown reason";
}
