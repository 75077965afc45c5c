/*
 * difftest: run one case both ways and compare.
 *
 * The expected state (doc/DESIGN.md 9.1): the native
 * registers and flags, then the buffer bytes the instruction WROTE laid
 * over the register image (memory write last).  Which bytes were written
 * comes from what the instruction does, not from which bytes changed: an
 * instruction that writes back an equal value (`and [0x88], reg`) still
 * replaces its flags with the written bytes.  Only the user-modifiable
 * bits of a write to the rflags slot count; a write to the rip slot
 * transfers control there, and to a non-canonical address it raises
 * #GP at the instruction with nothing changed, as `jmp reg` does
 * natively (checked on the CPU by tests/t_fault_details).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "difftest.h"

/* The target's other memory for the emulator: dt_scratch only. */
static int dt_mem_check(void *ctx, uint64_t addr, size_t len)
{
	const struct dt_case *c = ctx;
	uint64_t base = (uint64_t)(uintptr_t)dt_scratch;

	if (!c->scratch || addr < base || len > DT_SCRATCH_SIZE ||
	    addr - base > DT_SCRATCH_SIZE - len)
		return -EFAULT;
	return 0;
}

static int dt_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	int err = dt_mem_check(ctx, addr, len);

	if (!err)
		memcpy(buf, dt_scratch + (addr - (uint64_t)(uintptr_t)dt_scratch), len);
	return err;
}

static int dt_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	int err = dt_mem_check(ctx, addr, len);

	if (!err)
		memcpy(dt_scratch + (addr - (uint64_t)(uintptr_t)dt_scratch), buf, len);
	return err;
}

static bool dt_harness(struct dt_result *res, const char *msg)
{
	snprintf(res->harness, sizeof(res->harness), "harness: %s", msg);
	res->why = res->harness;
	return false;
}

static void dt_mark(struct dt_result *res, uint64_t lo, uint64_t n)
{
	for (uint64_t i = lo; i < lo + n && i < REGMAP_MAP_SIZE; i++)
		res->written[i] = 1;
}

/* Map bytes a string instruction stored to: from rdi's start to its end. */
static bool dt_string_written(const struct dt_case *c, struct dt_result *res)
{
	unsigned s = c->opsize, op = c->form->opc & ~1u;
	uint64_t amask = c->insn.a32 ? 0xffffffffull : ~0ull;
	uint64_t in = c->in.gpr[REGMAP_RDI] & amask, out = res->exp.gpr[REGMAP_RDI] & amask;
	bool df = c->in.rflags & REGMAP_FLAGS_DF;
	uint64_t k, lo;

	if ((op != 0xa4 && op != 0xaa) || !(c->str_map & DT_STR_RDI))
		return true;
	k = ((df ? in - out : out - in) & amask) / s;
	if (!k)
		return true;
	lo = (df ? in - (k - 1) * s : in) & amask;
	if (lo >= REGMAP_MAP_SIZE || k * s > REGMAP_MAP_SIZE - lo)
		return false;
	dt_mark(res, lo, k * s);
	return true;
}

void dt_expect_jump(const struct dt_case *c, struct dt_result *res)
{
	if ((uint64_t)((int64_t)(res->exp.rip << 16) >> 16) != res->exp.rip) {
		res->exp = c->in;
		res->exp_status = REGMAP_EMU_FAULT_GP;
	}
}

/* The count register of a string instruction: ecx with 0x67, else rcx. */
static uint64_t dt_str_count_mask(const struct dt_case *c)
{
	return c->insn.a32 ? 0xffffffffull : ~0ull;
}

/* A repeated string instruction single-stepped (TF): one iteration of several. */
static bool dt_str_step(const struct dt_case *c)
{
	return c->form->enc == DT_ENC_STRING && c->insn.rep &&
	       (c->in.rflags & REGMAP_FLAGS_TF) &&
	       (c->in.gpr[REGMAP_RCX] & dt_str_count_mask(c)) > 1;
}

static bool dt_expect(const struct dt_case *c, const uint64_t nat_in[16], struct dt_result *res)
{
	const struct dt_native *n = &res->nat;
	uint64_t buf = dt_native_image(c->img);
	uint8_t *img = (uint8_t *)&res->exp;
	uint64_t written_flags;

	res->exp = c->in;
	switch (n->fault) {
	case DT_FAULT_DE:
		res->exp_status = REGMAP_EMU_FAULT_DE;
		return true;
	case DT_FAULT_GP:
		/* misaligned CMPXCHG16B; or an address that is not canonical: no map access */
		res->exp_status = REGMAP_EMU_FAULT_GP;
		if (c->addr.on && dt_addr_status(c) == REGMAP_EMU_NOT_MAP) {
			res->exp_status = REGMAP_EMU_NOT_MAP;
			res->exp_fault = true;
			res->exp_fault_addr = c->addr.lin;
		}
		return true;
	case DT_FAULT_PF:
		/* the access left the image into a guard page: it leaves the map */
		res->exp_status = dt_addr_fault(c, buf, n->fault_addr, &res->exp_fault_addr);
		res->exp_fault = true;
		return true;
	default:
		break;
	}
	res->exp_status = REGMAP_EMU_OK;
	res->exp_alt_not_map = c->str_rep0;
	if (!dt_addr_expected_gpr(c, buf, nat_in, n, res->exp.gpr))
		return dt_harness(res, "the register carrying the image address changed");
	res->exp.rip = n->landed ? dt_native_landing() : n->jumped ? n->fault_rip :
		       res->addr + res->code.len;
	res->exp.rflags = n->rflags | c->flags_virt;
	if (dt_str_step(c)) {
		/*
		 * TF: the CPU does one iteration and traps with rip on the
		 * instruction, unless that iteration ended the run (rcx 0, or
		 * REPE/REPNE's condition); natively it ran with rcx = 1.
		 */
		unsigned op = c->form->opc & ~1u;
		bool ended = (op == 0xa6 || op == 0xae) &&
			     (c->insn.rep == 0xf3) != !!(n->rflags & REGMAP_FLAGS_ZF);

		/* with 0x67 the count is ecx, and writing it clears rcx's top half */
		res->exp.gpr[REGMAP_RCX] = (c->in.gpr[REGMAP_RCX] - 1) & dt_str_count_mask(c);
		if (!ended)
			res->exp.rip = res->addr;
	}

	memset(res->written, 0, sizeof(res->written));
	switch (c->mem_size ? c->form->access : DT_R) {
	case DT_CW:
		if (!(n->rflags & REGMAP_FLAGS_ZF))
			break;
		/* fall through */
	case DT_W:
	case DT_RW:
	case DT_RWC:
		dt_mark(res, c->mem_off, c->mem_size);
		break;
	}
	if (c->form->enc == DT_ENC_STRING && !dt_string_written(c, res))
		return dt_harness(res, "string store outside the map");

	for (unsigned i = 0; i < REGMAP_MAP_SIZE; i++)
		if (res->written[i])
			img[i] = n->buf[i];
	written_flags = res->exp.rflags;
	res->exp.rflags = ((n->rflags | c->flags_virt) & ~(uint64_t)REGMAP_FLAGS_USER) |
			  (written_flags & REGMAP_FLAGS_USER);
	dt_expect_jump(c, res);
	return true;
}

static void dt_verdict(const struct dt_case *c, struct dt_result *res)
{
	/* an instruction that does not complete changes no memory (a REP run, natively, may) */
	const uint8_t *want_mem = res->exp_status == REGMAP_EMU_OK ? res->nat.scratch :
				  c->scratch_init;

	if (res->emu_status != res->exp_status) {
		if (res->exp_alt_not_map && res->emu_status == REGMAP_EMU_NOT_MAP &&
		    !memcmp(&res->emu, &c->in, sizeof(c->in)) &&
		    !memcmp(res->emu_scratch, c->scratch_init, DT_SCRATCH_SIZE))
			return;
		res->why = "status";
	} else if (memcmp(&res->emu, &res->exp, sizeof(res->exp))) {
		res->why = "state";
	} else if (c->scratch && memcmp(res->emu_scratch, want_mem, DT_SCRATCH_SIZE)) {
		res->why = "memory";
	} else if (res->emu_status == REGMAP_EMU_OK &&
		   res->emu_res.insn_len != res->code.len) {
		res->why = "insn_len";
	} else if (res->exp_fault && res->emu_res.fault_addr != res->exp_fault_addr) {
		res->why = "fault_addr";
	}
}

bool dt_run_case(struct dt_case *c, struct dt_result *res)
{
	const struct regmap_emu_mem mem = { dt_mem_read, dt_mem_write, c };
	uint64_t buf = dt_native_image(c->img);
	uint8_t img[REGMAP_MAP_SIZE], bytes[REGMAP_EMU_MAX_INSN];
	uint64_t gpr[16], next;
	struct dt_native_in nin = { .rflags = c->in.rflags & ~c->flags_virt, .img = img };
	char zbuf[128];
	const char *msg;

	res->why = NULL;
	res->exp_alt_not_map = false;
	res->exp_fault = false;
	res->emu_ran = false;
	dt_encode_case(c, false, 0, 0, &res->code);
	res->addr = dt_native_insn_addr(res->code.len);
	dt_encode_case(c, true, res->addr, buf, &res->native_code);
	c->in.rip = res->addr;
	next = res->addr + res->code.len;
	if (res->native_code.len != res->code.len)
		return dt_harness(res, "native and emulated forms differ in length");
	msg = dt_zydis_check(c, &res->code, zbuf, sizeof(zbuf));
	if (msg)
		return dt_harness(res, msg);

	/* native: the map image with rip = next insn; the carrier B higher */
	memcpy(img, &c->in, REGMAP_MAP_SIZE);
	memcpy(img + REGMAP_OFF_RIP, &next, 8);
	dt_addr_native_state(c, buf, &nin, gpr);
	if (dt_str_step(c))
		gpr[REGMAP_RCX] = 1;
	if (c->scratch)
		memcpy(dt_scratch, c->scratch_init, DT_SCRATCH_SIZE);
	dt_native_run_in(&res->native_code, &nin, &res->nat);
	if (res->nat.fault == DT_FAULT_OTHER) {
		char m[128];

		snprintf(m, sizeof(m), "native run got signal %d (code %d) at %#llx, addr %#llx",
			 res->nat.signo, res->nat.si_code,
			 (unsigned long long)res->nat.fault_rip,
			 (unsigned long long)res->nat.fault_addr);
		return dt_harness(res, m);
	}
	if (!dt_expect(c, gpr, res))
		return false;

	/* emulated: 15 bytes as a supervisor would read them */
	memset(bytes, 0xcc, sizeof(bytes));
	memcpy(bytes, res->code.b, res->code.len);
	if (c->scratch)
		memcpy(dt_scratch, c->scratch_init, DT_SCRATCH_SIZE);
	res->emu = c->in;
	memset(&res->emu_res, 0, sizeof(res->emu_res));
	res->emu_status = regmap_emu_step(bytes, sizeof(bytes), &res->emu, &mem,
					  &res->emu_res);
	memcpy(res->emu_scratch, dt_scratch, DT_SCRATCH_SIZE);
	res->emu_ran = true;
	dt_verdict(c, res);
	return res->why == NULL;
}
