/*
 * The invariants of fuzz_emu (fuzz_emu.h): what emu.h promises for any
 * bytes and any state.  Zydis is the independent reference for the
 * length and for which registers and flags an instruction may write.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "fuzz_emu.h"

struct fuzz_stats fuzz_emu_stats;

static uint8_t *fz_area, *fz_area0;	/* the XSAVE area, and its image before a run */
static size_t fz_size;
static uint64_t fz_xcr0;
static bool fz_vector;			/* regmap_emu_xinit() worked */

struct fz_mem {
	uint8_t b[FUZZ_MEM_SIZE];
	int calls, fail_after;
	bool failed, bad_len;
	uint64_t last_fail;
};

/* One execution: what came out of it. */
struct fz_run {
	enum regmap_emu_status st;
	struct regmap_cpu cpu;
	struct regmap_emu_result res;
	struct fz_mem mem;
};

/* What Zydis says about the bytes. */
struct fz_ref {
	bool ok;
	unsigned len;
	uint16_t gpr_written;	/* registers Zydis says the instruction may write */
	uint64_t flags_written;
	bool branch, string;
	bool osize16;		/* 0x66 without REX.W: a 16-bit near branch on AMD */
	const char *lacks;	/* the CPU lacks the instruction's feature (its name), or NULL */
};

static uint64_t fz_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool fuzz_emu_init(void)
{
	unsigned a, b, c, d;
	uint32_t lo, hi;
	int err = regmap_emu_xinit();

	fz_vector = err == 0;
	if (!fz_vector)
		return true;	/* -ENOTSUP: vector instructions stay UNSUPPORTED */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	fz_xcr0 = (uint64_t)hi << 32 | lo;
	__cpuid_count(0xd, 0, a, b, c, d);
	fz_size = (b + 63) & ~(size_t)63;
	fz_area = aligned_alloc(64, fz_size);
	fz_area0 = malloc(fz_size);
	return fz_area && fz_area0;
}

/* A valid standard-format XSAVE area with random contents (as fuzz_vec.c). */
static void fz_area_fill(uint64_t seed)
{
	uint64_t s = seed, bv, v;
	uint32_t mxcsr;

	for (size_t i = 0; i < fz_size; i += 8) {
		v = fz_mix(&s);
		memcpy(fz_area + i, &v, 8);
	}
	bv = fz_xcr0 & 0xe7 & fz_mix(&s);
	mxcsr = (uint32_t)(0x1f80 | (fz_mix(&s) & 0xe07f));
	memset(fz_area + 512, 0, 64);
	memcpy(fz_area + 512, &bv, 8);
	memcpy(fz_area + 24, &mxcsr, 4);
}

static int fz_access(struct fz_mem *m, uint64_t addr, size_t len, void *rd, const void *wr)
{
	uint64_t off = addr - FUZZ_MEM_BASE;

	if (!len || len > REGMAP_MAP_SIZE)
		m->bad_len = true;	/* emu.h: a real-side run is never longer than the map */
	if (m->calls++ == m->fail_after || addr < FUZZ_MEM_BASE || off >= FUZZ_MEM_SIZE ||
	    len > FUZZ_MEM_SIZE - off) {
		m->failed = true;
		m->last_fail = addr;
		return -EFAULT;
	}
	if (rd)
		memcpy(rd, m->b + off, len);
	else if (wr)
		memcpy(m->b + off, wr, len);
	return 0;
}

static int fz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return fz_access(ctx, addr, len, buf, NULL);
}

static int fz_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	return fz_access(ctx, addr, len, NULL, buf);
}

/*
 * The general-purpose instructions the emulator runs on the CPU (the
 * fastops): the name of the feature one needs if this CPU lacks it, else
 * NULL.  (TZCNT and LZCNT run as BSF and BSR without BMI1 and LZCNT, in a
 * target too; MOVBE and CMPXCHG16B are emulated in C.)
 */
static const char *fz_cpu_lacks(ZydisISASet isa)
{
	static unsigned c1, b7;
	static bool known;
	unsigned a, b, c, d;

	if (!known) {
		if (__get_cpuid(1, &a, &b, &c, &d))
			c1 = c;
		if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
			b7 = b;
		known = true;
	}
	switch (isa) {
	case ZYDIS_ISA_SET_POPCNT:	return c1 & bit_POPCNT ? NULL : "POPCNT";
	case ZYDIS_ISA_SET_SSE42:	return c1 & bit_SSE4_2 ? NULL : "SSE4.2";
	case ZYDIS_ISA_SET_BMI1:	return b7 & bit_BMI ? NULL : "BMI1";
	case ZYDIS_ISA_SET_BMI2:	return b7 & bit_BMI2 ? NULL : "BMI2";
	case ZYDIS_ISA_SET_ADOX_ADCX:	return b7 & bit_ADX ? NULL : "ADX";
	default:			return NULL;
	}
}

static void fz_reference(const struct fuzz_case *c, struct fz_ref *r)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];

	memset(r, 0, sizeof(*r));
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, c->bytes, c->len, &zi, zo)))
		return;
	r->ok = true;
	r->len = zi.length;
	r->lacks = fz_cpu_lacks(zi.meta.isa_set);
	for (unsigned i = 0; i < zi.operand_count; i++) {
		ZydisRegister big;

		if (zo[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(zo[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64,
						       zo[i].reg.value);
		if (big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15)
			r->gpr_written |= 1u << (big - ZYDIS_REGISTER_RAX);
	}
	if (zi.cpu_flags)
		r->flags_written = zi.cpu_flags->modified | zi.cpu_flags->set_0 |
				   zi.cpu_flags->set_1 | zi.cpu_flags->undefined;
	r->osize16 = (zi.attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) && !zi.raw.rex.W;
	r->branch = zi.meta.category == ZYDIS_CATEGORY_CALL ||
		    zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR;
	r->string = zi.meta.category == ZYDIS_CATEGORY_STRINGOP;
	/* Zydis 4.0 does not list SCAS's rdi (nor rcx without REP) as written */
	if (r->string)
		r->gpr_written |= 1u << REGMAP_RCX | 1u << REGMAP_RSI | 1u << REGMAP_RDI;
}

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return false; } while (0)

/* regmap_emu_format() at several buffer sizes: NUL-terminated, never past size. */
static bool fz_format(const struct regmap_emu_insn *insn, uint64_t rip, char *why, size_t whylen)
{
	static const size_t sizes[] = { 0, 1, 2, 8, 32, 256 };
	char buf[256 + 16];

	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], r;

		memset(buf, 0xa5, sizeof(buf));
		r = regmap_emu_format(insn, rip, buf, n);
		for (size_t i = n; i < sizeof(buf); i++)
			if ((uint8_t)buf[i] != 0xa5)
				FAIL("regmap_emu_format(size %zu) wrote byte %zu", n, i);
		if (!n) {
			if (r)
				FAIL("regmap_emu_format(size 0) returned %zu", r);
			continue;
		}
		if (!memchr(buf, 0, n))
			FAIL("regmap_emu_format(size %zu) left no NUL", n);
		if (r != strlen(buf))
			FAIL("regmap_emu_format(size %zu) returned %zu for \"%s\"", n, r, buf);
	}
	return true;
}

static void fz_exec(const struct regmap_emu_insn *insn, const struct fuzz_case *c,
		    const struct fz_mem *mem0, struct regmap_xstate *xs, bool use_x,
		    bool with_res, struct fz_run *run)
{
	struct regmap_emu_mem mem = { fz_read, fz_write, &run->mem };

	run->cpu = c->cpu;
	run->mem = *mem0;
	memset(&run->res, 0x5a, sizeof(run->res));
	if (xs)
		memcpy(fz_area, fz_area0, fz_size);
	if (use_x)
		run->st = regmap_emu_execute_x(insn, &run->cpu, xs, &mem,
					       with_res ? &run->res : NULL);
	else
		run->st = regmap_emu_execute(insn, &run->cpu, &mem, with_res ? &run->res : NULL);
}

/* Two runs of the same case must agree in everything observable. */
static bool fz_same(const struct fz_run *a, const struct fz_run *b, bool res,
		    char *why, size_t whylen)
{
	if (a->st != b->st)
		FAIL("status %d vs %d", a->st, b->st);
	if (memcmp(&a->cpu, &b->cpu, sizeof(a->cpu)))
		FAIL("CPU state differs");
	if (memcmp(a->mem.b, b->mem.b, sizeof(a->mem.b)))
		FAIL("target memory differs");
	if (!res)
		return true;
	if (a->res.status != b->res.status || a->res.insn_len != b->res.insn_len ||
	    a->res.naccess != b->res.naccess || a->res.fault_addr != b->res.fault_addr)
		FAIL("result differs");
	for (unsigned i = 0; i < a->res.naccess && i < REGMAP_EMU_MAX_ACCESS; i++) {
		const struct regmap_emu_access *x = &a->res.access[i], *y = &b->res.access[i];
		unsigned n = x->size < 16 ? x->size : 16;

		if (x->write != y->write || x->size != y->size || x->offset != y->offset ||
		    memcmp(x->data, y->data, n))
			FAIL("access %u differs", i);
	}
	return true;
}

/* The invariants of one run with a result. */
static bool fz_run_check(const struct fuzz_case *c, const struct fz_ref *ref,
			 enum regmap_emu_status dst, const struct fz_mem *mem0,
			 const struct fz_run *run, bool xs, char *why, size_t whylen)
{
	const struct regmap_emu_result *res = &run->res;
	uint8_t img[REGMAP_MAP_SIZE], exp[REGMAP_MAP_SIZE], known[REGMAP_MAP_SIZE] = { 0 };
	uint8_t written[REGMAP_MAP_SIZE] = { 0 };
	const uint8_t *now = (const uint8_t *)&run->cpu;
	struct regmap_cpu in = c->cpu;
	uint64_t next = c->cpu.rip + ref->len, diff;
	bool all, any_write = false;

	if ((unsigned)run->st > REGMAP_EMU_BAD_XSTATE)
		FAIL("status %d is not an enum regmap_emu_status", run->st);
	if (res->status != run->st)
		FAIL("res->status %d, returned %d", res->status, run->st);
	if (res->insn_len != (dst == REGMAP_EMU_BAD_INSN ? 0 : ref->len))
		FAIL("res->insn_len %u, Zydis says %u", res->insn_len, ref->len);
	if (res->naccess > REGMAP_EMU_MAX_ACCESS)
		FAIL("naccess %u", res->naccess);
	if ((run->st == REGMAP_EMU_BAD_INSN) != (dst == REGMAP_EMU_BAD_INSN))
		FAIL("decode said %d, execute %d", dst, run->st);
	if (dst == REGMAP_EMU_UNSUPPORTED && run->st != REGMAP_EMU_UNSUPPORTED &&
	    run->st != REGMAP_EMU_NOT_MAP)
		FAIL("decoded as unsupported but executed with status %d", run->st);
	if (!xs && (run->st == REGMAP_EMU_FAULT_XM || run->st == REGMAP_EMU_FAULT_MF ||
		    run->st == REGMAP_EMU_BAD_XSTATE))
		FAIL("status %d without an xstate", run->st);
	if (run->mem.bad_len)
		FAIL("a memory callback got a length of 0 or more than the map");
	for (unsigned i = 0; i < res->naccess; i++) {
		const struct regmap_emu_access *a = &res->access[i];

		if (a->write > 1 || !a->size || a->offset + a->size > REGMAP_MAP_SIZE)
			FAIL("access %u: write %u size %u offset %#x", i, a->write, a->size,
			     a->offset);
	}
	if (run->st != REGMAP_EMU_OK) {
		if (memcmp(&run->cpu, &c->cpu, sizeof(run->cpu)))
			FAIL("status %d changed the CPU state", run->st);
		if (xs && memcmp(fz_area, fz_area0, fz_size))
			FAIL("status %d changed the xstate", run->st);
		/* emu.h: only a string instruction may leave earlier writes behind */
		if (memcmp(run->mem.b, mem0->b, sizeof(mem0->b)) &&
		    !(run->st == REGMAP_EMU_MEM_FAULT && ref->string))
			FAIL("status %d changed the target memory", run->st);
		if (run->st == REGMAP_EMU_MEM_FAULT &&
		    (!run->mem.failed || res->fault_addr != run->mem.last_fail))
			FAIL("MEM_FAULT at %#llx, last failed callback at %#llx",
			     (unsigned long long)res->fault_addr,
			     (unsigned long long)run->mem.last_fail);
		if (run->st == REGMAP_EMU_PARTIAL && res->fault_addr < REGMAP_MAP_SIZE)
			FAIL("PARTIAL with fault_addr %#llx inside the map",
			     (unsigned long long)res->fault_addr);
		return true;
	}

	/* OK: the instruction touched the map, within the map */
	if (!res->naccess)
		FAIL("emulated without a map access");
	if (run->cpu.fs_base != c->cpu.fs_base || run->cpu.gs_base != c->cpu.gs_base)
		FAIL("fs_base/gs_base changed");
	if ((run->cpu.rflags ^ c->cpu.rflags) & ~(uint64_t)REGMAP_FLAGS_USER)
		FAIL("rflags bits outside the user-writable ones changed");

	/* reads before the first write see the map image: registers with rip = next */
	in.rip = next;
	memcpy(img, &in, sizeof(img));
	all = res->naccess < REGMAP_EMU_MAX_ACCESS;	/* else some may not be recorded */
	for (unsigned i = 0; i < res->naccess; i++) {
		const struct regmap_emu_access *a = &res->access[i];
		unsigned n = a->size < 16 ? a->size : 16;

		if (!a->write) {
			if (!any_write && memcmp(a->data, img + a->offset, n))
				FAIL("access %u read other bytes than the map holds", i);
			continue;
		}
		any_write = true;
		memset(written + a->offset, 1, a->size);
		memset(known + a->offset, 0, a->size);
		memcpy(exp + a->offset, a->data, n);
		memset(known + a->offset, 1, n);
	}
	if (!all)
		return true;
	/* the map write is applied last: the state holds what was written */
	for (unsigned i = 0; i < REGMAP_MAP_SIZE; i++) {
		uint8_t mask = i < REGMAP_OFF_RFLAGS ? 0xff :
			       (uint8_t)((uint64_t)REGMAP_FLAGS_USER >> 8 * (i - REGMAP_OFF_RFLAGS));

		if (known[i] && ((now[i] ^ exp[i]) & mask))
			FAIL("map byte %#x written as %#x, state holds %#x", i, exp[i], now[i]);
	}
	for (unsigned r = 0; r < 16; r++)
		if (!(ref->gpr_written & (1u << r)) && !memchr(written + 8 * r, 1, 8) &&
		    run->cpu.gpr[r] != c->cpu.gpr[r])
			FAIL("%s changed, but neither the instruction nor the map write it",
			     regmap_emu_reg_name(8 * r));
	diff = run->cpu.rflags ^ c->cpu.rflags;
	if (!memchr(written + REGMAP_OFF_RFLAGS, 1, 8) &&
	    (diff & ~(ref->flags_written & REGMAP_FLAGS_ARITH)))
		FAIL("flags %#llx changed that the instruction does not write",
		     (unsigned long long)diff);
	if (!memchr(written + REGMAP_OFF_RIP, 1, 8)) {
		uint64_t target = 0;

		/* with TF a repeated string instruction may stop after one element, on itself */
		bool stepped = ref->string && (c->cpu.rflags & REGMAP_FLAGS_TF) &&
			       run->cpu.rip == c->cpu.rip;

		if (!ref->branch && run->cpu.rip != next && !stepped)
			FAIL("rip %#llx, next instruction %#llx",
			     (unsigned long long)run->cpu.rip, (unsigned long long)next);
		if (ref->branch) {
			const struct regmap_emu_access *a = &res->access[0];

			/* 8 bytes; 2 with 0x66 where the CPU honours it (AMD) */
			if (a->write || (a->size != 8 && (a->size != 2 || !ref->osize16)))
				FAIL("branch without an 8-byte read of its target");
			memcpy(&target, a->data, a->size);
			if (run->cpu.rip != target)
				FAIL("branch to %#llx, target read %#llx",
				     (unsigned long long)run->cpu.rip,
				     (unsigned long long)target);
		}
	}
	return true;
}

static void fz_count(enum regmap_emu_status st)
{
	struct fuzz_stats *s = &fuzz_emu_stats;

	switch (st) {
	case REGMAP_EMU_OK:		s->ok++; break;
	case REGMAP_EMU_NOT_MAP:	s->not_map++; break;
	case REGMAP_EMU_PARTIAL:	s->partial++; break;
	case REGMAP_EMU_MEM_FAULT:	s->mem_faults++; break;
	case REGMAP_EMU_FAULT_DE:
	case REGMAP_EMU_FAULT_GP:
	case REGMAP_EMU_FAULT_XM:
	case REGMAP_EMU_FAULT_MF:	s->faults++; break;
	default:			s->other++; break;
	}
}

bool fuzz_emu_check(const struct fuzz_case *c, char *why, size_t whylen)
{
	static struct fz_mem mem0;
	static struct fz_run a, b, n;
	struct regmap_emu_insn insn;
	struct regmap_xstate xs = { fz_area, fz_size, fz_xcr0 };
	struct regmap_xstate *xp = fz_vector ? &xs : NULL;
	enum regmap_emu_status dst;
	struct fz_ref ref;
	uint64_t s = c->seed;
	bool vec;
	char sub[160];

	if (!c->len || c->len > REGMAP_EMU_MAX_INSN)
		FAIL("bad case length %u", c->len);
	fz_reference(c, &ref);
	memset(&insn, 0xcc, sizeof(insn));
	dst = regmap_emu_decode(&insn, c->bytes, c->len);
	if (dst != REGMAP_EMU_OK && dst != REGMAP_EMU_BAD_INSN && dst != REGMAP_EMU_UNSUPPORTED)
		FAIL("decode status %d", dst);
	if ((dst == REGMAP_EMU_BAD_INSN) == ref.ok)
		FAIL("decode status %d, Zydis %s", dst, ref.ok ? "decodes it" : "does not");
	if (ref.ok && (ref.len < 1 || ref.len > c->len || regmap_emu_insn_len(&insn) != ref.len))
		FAIL("length %u, Zydis says %u", regmap_emu_insn_len(&insn), ref.len);
	if (!fz_format(&insn, c->cpu.rip, why, whylen))
		return false;
	fuzz_emu_stats.decoded += dst == REGMAP_EMU_OK;
	fuzz_emu_stats.unsupported += dst == REGMAP_EMU_UNSUPPORTED;
	fuzz_emu_stats.bad += dst == REGMAP_EMU_BAD_INSN;
	vec = dst == REGMAP_EMU_OK && regmap_emu_insn_needs_xstate(&insn);
	fuzz_emu_stats.vector += vec;
	if (dst == REGMAP_EMU_OK && !vec && ref.lacks) {
		/* a target gets SIGILL for it: nothing to emulate, nothing to run */
		fuzz_emu_stats.cpu_lacks++;
		fuzz_emu_stats.lacks = ref.lacks;
		return true;
	}

	for (unsigned i = 0; i < FUZZ_MEM_SIZE; i += 8) {
		uint64_t v = fz_mix(&s);

		memcpy(mem0.b + i, &v, 8);
	}
	mem0.calls = 0;
	mem0.fail_after = c->fail_after;
	mem0.failed = mem0.bad_len = false;
	mem0.last_fail = 0;
	if (xp) {
		fz_area_fill(fz_mix(&s));
		memcpy(fz_area0, fz_area, fz_size);
	}

	/* without the xstate: the general-purpose path, NEED_XSTATE for vector ones */
	fz_exec(&insn, c, &mem0, NULL, false, true, &a);
	if (!fz_run_check(c, &ref, dst, &mem0, &a, false, sub, sizeof(sub)))
		FAIL("regmap_emu_execute: %s", sub);
	if (vec && a.st != REGMAP_EMU_NEED_XSTATE && a.st != REGMAP_EMU_NOT_MAP &&
	    a.st != REGMAP_EMU_PARTIAL)
		FAIL("vector instruction without xstate: status %d", a.st);
	if (!vec && a.st == REGMAP_EMU_NEED_XSTATE)
		FAIL("NEED_XSTATE for an instruction that does not need it");

	/* with it: the same for the rest, and the vector path for vector ones */
	fz_exec(&insn, c, &mem0, xp, true, true, &b);
	if (!fz_run_check(c, &ref, dst, &mem0, &b, xp, sub, sizeof(sub)))
		FAIL("regmap_emu_execute_x: %s", sub);
	if (xp && b.st == REGMAP_EMU_NEED_XSTATE)
		FAIL("NEED_XSTATE although given");
	if ((!vec || a.st != REGMAP_EMU_NEED_XSTATE) && !fz_same(&a, &b, true, sub, sizeof(sub)))
		FAIL("execute and execute_x disagree: %s", sub);
	if (xp && b.st == REGMAP_EMU_OK && !vec && memcmp(fz_area, fz_area0, fz_size))
		FAIL("a general-purpose instruction changed the xstate");
	fz_count(b.st);

	/* res == NULL changes nothing but the result */
	if (c->seed & 1) {
		fz_exec(&insn, c, &mem0, xp, true, false, &n);
		if (!fz_same(&b, &n, false, sub, sizeof(sub)))
			FAIL("execute_x with res NULL disagrees: %s", sub);
	}
	return true;
}
