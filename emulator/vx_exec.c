/*
 * The vector path at run time (handler emu_h_vx): check the operand and
 * the state the CPU would fault on, put the re-encoded instruction and a
 * copy of the map bytes in a stub slot, run it on the target's state
 * (vx_stub.S), and take the results back (see emu.h and vx.h).
 */
#include <stddef.h>
#include <sys/mman.h>

#include "emu_handlers.h"
#include "vx.h"

_Static_assert(offsetof(struct emu_vx_frame, fenv) == 0xb8, "vx_stub.S: F_FENV");

/* Slots in use: a claim is one compare-and-swap, so signal handlers can nest. */
static uint64_t emu_vx_busy;

static int emu_vx_claim(void)
{
	uint64_t busy = __atomic_load_n(&emu_vx_busy, __ATOMIC_RELAXED);

	while (~busy) {
		int i = __builtin_ctzll(~busy);

		if (__atomic_compare_exchange_n(&emu_vx_busy, &busy, busy | (1ull << i), false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

static void emu_vx_release(int i)
{
	__atomic_fetch_and(&emu_vx_busy, ~(1ull << i), __ATOMIC_RELEASE);
}

static uint64_t emu_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

/* Is the area one XRSTOR accepts for the components in rfbm? */
static bool emu_vx_area_ok(const struct regmap_xstate *xs, uint64_t rfbm)
{
	const uint8_t *a = xs->area;
	uint64_t bv = emu_get(a + EMU_XS_HDR, 8);

	if ((uintptr_t)a & 63 || xs->size < EMU_XS_MIN)
		return false;
	for (unsigned i = 0; i < 8; i++)
		if ((rfbm & (1u << i)) && xs->size < emu_vx_cpu.comp_end[i])
			return false;
	/* standard form: XCOMP_BV and the next 8 bytes zero; XSTATE_BV within XCR0 */
	if (emu_get(a + EMU_XS_HDR + 8, 8) || emu_get(a + EMU_XS_HDR + 16, 8) ||
	    (bv & ~emu_vx_cpu.xcr0))
		return false;
	if ((rfbm & (EMU_XC_SSE | EMU_XC_AVX)) &&
	    (emu_get(a + EMU_XS_MXCSR, 4) & ~emu_vx_cpu.mxcsr_mask))
		return false;
	return true;
}

/* A pending unmasked x87 exception, as the next waiting instruction sees it. */
static bool emu_vx_x87_pending(const uint8_t *a)
{
	uint64_t fcw = emu_get(a + EMU_XS_FCW, 2), fsw = emu_get(a + EMU_XS_FSW, 2);

	if (!(emu_get(a + EMU_XS_HDR, 8) & EMU_XC_X87))
		return false;	/* x87 in its initial state */
	return (fsw & ~fcw & 0x3f) != 0;
}

/* Does the opmask select any element (AVX-512 fault suppression)? */
static bool emu_vx_selected(const struct emu_vx *vx, const uint8_t *a)
{
	uint64_t k;

	if (!vx->kreg)
		return true;
	if (!(emu_get(a + EMU_XS_HDR, 8) & EMU_XC_K))
		return false;	/* opmasks in their initial state: all zero */
	k = emu_get(a + emu_vx_cpu.comp_off[5] + 8 * vx->kreg, 8);
	return vx->nelem >= 64 || (k & ((1ull << vx->nelem) - 1));
}

/* FOP: the low 3 bits of the x87 opcode and the ModRM byte. */
static uint16_t emu_vx_fop(const uint8_t *b, unsigned len)
{
	unsigned i = 0;

	while (i + 1 < len && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 || b[i] == 0xf2 ||
			       b[i] == 0xf3 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
			       b[i] == 0x26 || b[i] == 0x64 || b[i] == 0x65 ||
			       (b[i] & 0xf0) == 0x40))
		i++;
	return i + 1 < len ? (uint16_t)((b[i] & 7) << 8 | b[i + 1]) : 0;
}

/*
 * The x87 last-instruction pointers name the stub: point them at the
 * target's instruction and map address.  Where XSAVE stored them (Intel),
 * they are fixed in place.  Where it did not although the CPU keeps them
 * (AMD stores FIP, FDP and FOP only with an exception pending, and zero
 * otherwise), the environment the runner stored right after the
 * instruction says what the CPU has (low 32 bits): then they are written
 * into the area, and the XRSTOR that gives the thread its state back
 * loads them (AMD's XRSTOR does).  So an fnstenv after an emulated fld
 * shows the fld, as it does after a real one.
 */
static void emu_vx_fix_fip(struct emu_ctx *ctx, uint8_t *a, const uint8_t *fenv,
			   uint64_t code, uint64_t data)
{
	const struct emu_insn *insn = ctx->insn;
	uint64_t rip = ctx->in.rip - insn->len, fip = emu_get(a + EMU_XS_FIP, 8);
	uint64_t fdp = emu_get(a + EMU_XS_FDP, 8);
	uint16_t fop = (uint16_t)emu_get(a + 6, 2), stub_fop = emu_vx_fop(insn->vx.code, insn->vx.len);

	/* each pointer: as saved, or (saved as 0) as the CPU has it */
	if (fip != code && (fip || emu_get(fenv + 12, 4) != (uint32_t)code))
		return;
	memcpy(a + EMU_XS_FIP, &rip, 8);
	if (fdp == data || (!fdp && emu_get(fenv + 20, 4) == (uint32_t)data))
		memcpy(a + EMU_XS_FDP, &ctx->ea, 8);
	if (fop == stub_fop || (!fop && (emu_get(fenv + 16, 4) >> 16 & 0x7ff) == stub_fop)) {
		fop = emu_vx_fop(insn->bytes, insn->len);
		memcpy(a + 6, &fop, 2);
	}
}

/* Write the map bytes the instruction stored: all, or only those that changed. */
static enum regmap_emu_status emu_vx_store(struct emu_ctx *ctx, const uint8_t *old,
					   const uint8_t *out, unsigned size)
{
	enum regmap_emu_status st = REGMAP_EMU_OK;

	if (ctx->insn->vx.flags & EMU_VX_WRITE)
		return emu_op_mem_write(ctx, out, size);
	for (unsigned i = 0, n; i < size && st == REGMAP_EMU_OK; i += n) {
		for (n = 0; i + n < size && old[i + n] != out[i + n]; n++)
			;
		if (n)
			st = emu_mem_write(ctx, ctx->ea + i, out + i, n);
		else
			n = 1;
	}
	return st;
}

/* The instruction with its disp32 aimed at data, then ret, in the slot at code. */
static bool emu_vx_write_code(const struct emu_vx *vx, uint64_t code, uint64_t data)
{
	uint8_t *w = (uint8_t *)(uintptr_t)code;
	int32_t disp = (int32_t)(data - (code + vx->len));

	if (emu_vx_cpu.wx && mprotect(w, EMU_VX_PAGE, PROT_READ | PROT_WRITE))
		return false;
	memcpy(w, vx->code, vx->len);
	memcpy(w + vx->disp_at, &disp, 4);
	w[vx->len] = 0xc3;	/* ret */
	return !emu_vx_cpu.wx || !mprotect(w, EMU_VX_PAGE, PROT_READ | PROT_EXEC);
}

static enum regmap_emu_status emu_vx_exec(struct emu_ctx *ctx)
{
	const struct emu_insn *insn = ctx->insn;
	const struct emu_vx *vx = &insn->vx;
	struct regmap_xstate *xs = ctx->xs;
	unsigned size = insn->op[0].size;
	uint64_t ea = ctx->ea, rfbm, code, data;
	uint8_t old[REGMAP_MAP_SIZE], out[REGMAP_MAP_SIZE], *a;
	struct emu_vx_frame f;
	uint32_t mxcsr = 0;
	int slot;

	if (!emu_in_map(ea, size)) {
		if (!emu_touches_map(ea, size)) {
			ctx->res->fault_addr = ea;
			return REGMAP_EMU_NOT_MAP;
		}
		ctx->res->fault_addr = ea < REGMAP_MAP_SIZE ? REGMAP_MAP_SIZE : ea;
		return REGMAP_EMU_PARTIAL;
	}
	if (!xs || !xs->area)
		return REGMAP_EMU_NEED_XSTATE;
	rfbm = vx->xfeat & emu_vx_cpu.xcr0;
	if ((rfbm & ~xs->xcr0) || !emu_vx_area_ok(xs, rfbm))
		return REGMAP_EMU_BAD_XSTATE;
	a = xs->area;
	if ((vx->flags & EMU_VX_X87) && emu_vx_x87_pending(a))
		return REGMAP_EMU_FAULT_MF;
	if ((ea & (vx->align - 1u)) && emu_vx_selected(vx, a))
		return REGMAP_EMU_FAULT_GP;
	memcpy(old, ctx->map + ea, size);
	if ((vx->flags & EMU_VX_LDMXCSR) && (emu_get(old, 4) & ~emu_vx_cpu.mxcsr_mask))
		return REGMAP_EMU_FAULT_GP;
	if (vx->flags & EMU_VX_READ)
		emu_op_mem_read(ctx, old, size);	/* records the access */

	memset(&f, 0, sizeof(f));
	memcpy(f.gpr, ctx->in.gpr, sizeof(f.gpr));
	f.flags = ctx->in.rflags;
	f.area = a;
	f.rfbm = rfbm;
	if ((rfbm & (EMU_XC_SSE | EMU_XC_AVX)) && !(vx->flags & EMU_VX_NOMX)) {
		/* run with every SIMD exception masked and no flag set; see emu.h */
		mxcsr = (uint32_t)emu_get(a + EMU_XS_MXCSR, 4);
		f.mxcsr_run = (mxcsr | 0x1f80) & ~0x3fu;
		f.xm_mask = ~(mxcsr >> 7) & 0x3f;
		f.opts |= EMU_VX_RUN_MXCSR;
	}
	if (rfbm & EMU_XC_AVX)
		f.opts |= EMU_VX_RUN_VZU;
	if (vx->flags & EMU_VX_FIP)
		f.opts |= EMU_VX_RUN_FENV;

	slot = emu_vx_claim();
	if (slot < 0)
		return REGMAP_EMU_UNSUPPORTED;
	code = (uint64_t)(uintptr_t)emu_vx_cpu.pool + (unsigned)slot * emu_vx_cpu.stride;
	data = (uint64_t)(uintptr_t)emu_vx_cpu.pool + emu_vx_cpu.data_off +
	       (unsigned)slot * EMU_VX_DATA + (ea & 63);
	if (!emu_vx_write_code(vx, code, data)) {
		emu_vx_release(slot);
		return REGMAP_EMU_UNSUPPORTED;
	}
	memcpy((void *)(uintptr_t)data, old, size);
	emu_vx_run(&f, (const void *)(uintptr_t)code);
	memcpy(out, (const void *)(uintptr_t)data, size);
	emu_vx_release(slot);

	if (f.aborted)
		return REGMAP_EMU_FAULT_XM;
	if (f.opts & EMU_VX_RUN_MXCSR) {
		mxcsr |= f.mxcsr_out & 0x3f;
		memcpy(a + EMU_XS_MXCSR, &mxcsr, 4);
	}
	if (vx->flags & EMU_VX_FIP)
		emu_vx_fix_fip(ctx, a, f.fenv, code, data);
	for (unsigned i = 0; i < 16; i++)
		if (i != REGMAP_RSP)
			ctx->out.gpr[i] = f.gpr[i];
	emu_set_arith_flags(ctx, f.flags);
	if (vx->flags & (EMU_VX_WRITE | EMU_VX_CWRITE))
		return emu_vx_store(ctx, old, out, size);
	return REGMAP_EMU_OK;
}

/* The new rip: out.rip with the rip-slot bytes the instruction wrote laid over it. */
static uint64_t emu_vx_new_rip(const struct emu_ctx *ctx)
{
	uint64_t rip = ctx->out.rip, bits = ctx->map_written[REGMAP_OFF_RIP / 64] >>
					    (REGMAP_OFF_RIP % 64);

	for (unsigned i = 0; i < 8; i++)
		if (bits & (1ull << i))
			((uint8_t *)&rip)[i] = ctx->map[REGMAP_OFF_RIP + i];
	return rip;
}

/* Big enough for components 0, 1, 2, 5, 6, 7 in the standard layout (2688 bytes). */
#define EMU_VX_SAVE	2816

/*
 * A store into the rip slot is a jump, and to a non-canonical address it
 * faults with nothing changed (execute.c): the run has already updated
 * the vector state, so keep a copy to put back.  Rare enough for its own
 * frame.
 */
static __attribute__((noinline)) enum regmap_emu_status emu_vx_exec_jump(struct emu_ctx *ctx)
{
	_Alignas(64) uint8_t save[EMU_VX_SAVE];
	struct regmap_xstate *xs = ctx->xs;
	uint64_t rfbm = ctx->insn->vx.xfeat & emu_vx_cpu.xcr0;
	size_t n = EMU_XS_MIN;
	enum regmap_emu_status st;

	if (!xs || !xs->area)
		return emu_vx_exec(ctx);	/* NEED_XSTATE, or not the map */
	for (unsigned i = 2; i < 8; i++)
		if ((rfbm & (1u << i)) && emu_vx_cpu.comp_end[i] > n)
			n = emu_vx_cpu.comp_end[i];
	if (n > sizeof(save) || n > xs->size)
		return REGMAP_EMU_UNSUPPORTED;
	memcpy(save, xs->area, n);
	st = emu_vx_exec(ctx);
	if (st == REGMAP_EMU_OK && !emu_canonical(emu_vx_new_rip(ctx))) {
		memcpy(xs->area, save, n);
		st = REGMAP_EMU_FAULT_GP;
	}
	return st;
}

EMU_HANDLER(emu_h_vx)
{
	const struct emu_insn *insn = ctx->insn;
	unsigned size = insn->op[0].size;

	if ((insn->vx.flags & (EMU_VX_WRITE | EMU_VX_CWRITE)) &&
	    ctx->ea < REGMAP_OFF_RIP + 8 && ctx->ea + size > REGMAP_OFF_RIP)
		return emu_vx_exec_jump(ctx);
	return emu_vx_exec(ctx);
}
