/*
 * difftest: run a vector or x87 case both ways and compare (see
 * difftest_vec.h).  The native run is difftest's usual one with the
 * XSAVE area loaded before the instruction and saved after it
 * (DT_D_XMASK, DT_D_XAREA in difftest_jit.h); the emulator gets a copy
 * of the same area through regmap_emu_execute_x().  Expected: the native
 * registers with the written map bytes laid over them last, and the
 * native vector/x87 state, compared register by register (a component
 * XSAVE marks as in its initial state reads as its initial value).  The
 * x87 FIP, FDP and FOP are not compared: natively they name the JIT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "difftest_jit.h"
#include "difftest_vec.h"

static uint8_t dt_emu_area[DT_XAREA_SIZE] __attribute__((aligned(64)));
static uint8_t dt_nat_area[DT_XAREA_SIZE] __attribute__((aligned(64)));

/* The architectural registers an XSAVE area holds. */
struct dt_xview {
	uint16_t fcw, fsw;
	uint8_t ftw;
	uint8_t st[8][10];
	uint32_t mxcsr;
	uint8_t zmm[32][64];
	uint64_t k[8];
};

static void dt_xview(const uint8_t *a, struct dt_xview *x)
{
	uint64_t bv;

	memcpy(&bv, a + 512, 8);
	bv &= dt_xcr0;
	memset(x, 0, sizeof(*x));
	x->fcw = 0x37f;
	if (bv & 1) {
		memcpy(&x->fcw, a, 2);
		memcpy(&x->fsw, a + 2, 2);
		x->ftw = a[4];
		for (unsigned i = 0; i < 8; i++)
			memcpy(x->st[i], a + 32 + 16 * i, 10);
	}
	memcpy(&x->mxcsr, a + 24, 4);
	for (unsigned i = 0; i < 16; i++) {
		if (bv & 2)
			memcpy(x->zmm[i], a + 160 + 16 * i, 16);
		if (bv & 4)
			memcpy(x->zmm[i] + 16, a + dt_xoff[2] + 16 * i, 16);
		if (bv & 0x40)
			memcpy(x->zmm[i] + 32, a + dt_xoff[6] + 32 * i, 32);
		if (bv & 0x80)
			memcpy(x->zmm[16 + i], a + dt_xoff[7] + 64 * i, 64);
	}
	if (bv & 0x20)
		memcpy(x->k, a + dt_xoff[5], 64);
}

/* NULL if equal, else a description of the first difference in buf. */
static const char *dt_xdiff(const uint8_t *want, const uint8_t *got, char *buf, size_t size)
{
	static struct dt_xview w, g;

	dt_xview(want, &w);
	dt_xview(got, &g);
	if (w.fcw != g.fcw || w.fsw != g.fsw || w.ftw != g.ftw) {
		snprintf(buf, size, "x87 fcw/fsw/ftw: expected %04x/%04x/%02x, emulated %04x/%04x/%02x",
			 w.fcw, w.fsw, w.ftw, g.fcw, g.fsw, g.ftw);
		return buf;
	}
	for (unsigned i = 0; i < 8; i++)
		if (memcmp(w.st[i], g.st[i], 10)) {
			snprintf(buf, size, "x87 register %u differs", i);
			return buf;
		}
	if (w.mxcsr != g.mxcsr) {
		snprintf(buf, size, "mxcsr: expected %08x, emulated %08x", w.mxcsr, g.mxcsr);
		return buf;
	}
	for (unsigned i = 0; i < 32; i++)
		for (unsigned q = 0; q < 8; q++) {
			uint64_t a, b;

			memcpy(&a, w.zmm[i] + 8 * q, 8);
			memcpy(&b, g.zmm[i] + 8 * q, 8);
			if (a != b) {
				snprintf(buf, size, "zmm%u qword %u: expected %016" PRIx64
					 ", emulated %016" PRIx64, i, q, a, b);
				return buf;
			}
		}
	for (unsigned i = 0; i < 8; i++)
		if (w.k[i] != g.k[i]) {
			snprintf(buf, size, "k%u: expected %016" PRIx64 ", emulated %016" PRIx64,
				 i, w.k[i], g.k[i]);
			return buf;
		}
	return NULL;
}

static bool dt_fail(struct dt_result *res, const char *prefix, const char *msg)
{
	snprintf(res->harness, sizeof(res->harness), "%s%s", prefix, msg);
	res->why = res->harness;
	return false;
}

/* The generated instruction is what the form says (a check of the table). */
static const char *dt_vec_zcheck(const struct dt_case *c, const struct dt_code *code,
				 char *buf, size_t size)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const char *name = dt_vec_cur.form->name, *got;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code->b, code->len, &in, ops)))
		return "Zydis cannot decode the generated instruction";
	got = ZydisMnemonicGetString(in.mnemonic);
	if (in.length != code->len || !got || strcmp(got, name)) {
		snprintf(buf, size, "Zydis decodes %s (%u bytes), the form is %s (%u)",
			 got ? got : "?", in.length, name, code->len);
		return buf;
	}
	for (unsigned i = 0; i < in.operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].size != 8 * c->mem_size) {
			snprintf(buf, size, "%s: Zydis memory operand is %u bytes, the form's %u",
				 name, ops[i].size / 8, c->mem_size);
			return buf;
		}
	return NULL;
}

static void dt_vec_expect(const struct dt_case *c, struct dt_result *res)
{
	const struct dt_native *n = &res->nat;
	uint8_t *img = (uint8_t *)&res->exp;
	uint64_t written_flags;

	res->exp = c->in;
	if (n->fault == DT_FAULT_DE) {
		res->exp_status = dt_vec_cur.form->flags & DT_VF_X87 ? REGMAP_EMU_FAULT_MF :
								       REGMAP_EMU_FAULT_XM;
		return;
	}
	if (n->fault == DT_FAULT_GP) {
		res->exp_status = REGMAP_EMU_FAULT_GP;
		return;
	}
	res->exp_status = REGMAP_EMU_OK;
	memcpy(res->exp.gpr, n->gpr, sizeof(n->gpr));
	res->exp.rip = res->addr + res->code.len;
	res->exp.rflags = n->rflags | c->flags_virt;
	memset(res->written, 0, sizeof(res->written));
	if (dt_vec_cur.form->access != DT_R)
		memset(res->written + c->mem_off, 1, c->mem_size);
	for (unsigned i = 0; i < REGMAP_MAP_SIZE; i++)
		if (res->written[i])
			img[i] = n->buf[i];
	written_flags = res->exp.rflags;
	res->exp.rflags = ((n->rflags | c->flags_virt) & ~(uint64_t)REGMAP_FLAGS_USER) |
			  (written_flags & REGMAP_FLAGS_USER);
	dt_expect_jump(c, res);
}

static void dt_vec_native(struct dt_case *c, struct dt_result *res, unsigned xlen)
{
	uint8_t *dp = (uint8_t *)(uintptr_t)(dt_native_buffer() - DT_D_BUF);
	uint64_t next = res->addr + res->code.len;
	uint8_t img[REGMAP_MAP_SIZE];

	memcpy(img, &c->in, REGMAP_MAP_SIZE);
	memcpy(img + REGMAP_OFF_RIP, &next, 8);
	memcpy(dp + DT_D_XAREA, dt_vec_cur.area, xlen);
	memcpy(dp + DT_D_XMASK, &dt_vec_cur.xmask, 8);
	dt_native_run(&res->native_code, c->in.gpr, c->in.rflags & ~c->flags_virt, img,
		      &res->nat);
	memset(dp + DT_D_XMASK, 0, 8);
	memcpy(dt_nat_area, dp + DT_D_XAREA, xlen);
	if (res->nat.fault != DT_FAULT_NONE)
		__asm__ volatile("fninit\n\tldmxcsr %0" : : "m"((uint32_t){ 0x1f80 }));
}

bool dt_vec_run_case(struct dt_case *c, struct dt_result *res)
{
	struct dt_vec_case *v = &dt_vec_cur;
	struct regmap_xstate xs = { dt_emu_area, sizeof(dt_emu_area), dt_xcr0 };
	struct regmap_emu_insn insn;
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	unsigned xlen = 576;
	char buf[128];
	const char *msg;

	res->why = NULL;
	res->exp_alt_not_map = false;
	res->emu_ran = false;
	if (!v->form)
		return dt_fail(res, "harness: ", "no forms of this family on this CPU");
	for (unsigned i = 2; i < 8; i++)
		if (dt_xoff[i] && (v->xmask & (1u << i)))
			xlen = dt_xoff[i] + (i == 2 ? 256 : i == 5 ? 64 : i == 6 ? 512 : 1024);
	if (xlen > DT_JIT_PAGE - DT_D_XAREA)
		return dt_fail(res, "harness: ", "the XSAVE area does not fit the data page");
	dt_vec_encode(c, false, 0, 0, &res->code);
	res->addr = dt_native_insn_addr(res->code.len);
	dt_vec_encode(c, true, res->addr, dt_native_buffer(), &res->native_code);
	c->in.rip = res->addr;
	if (res->native_code.len != res->code.len)
		return dt_fail(res, "harness: ", "native and emulated forms differ in length");
	msg = dt_vec_zcheck(c, &res->code, buf, sizeof(buf));
	if (msg)
		return dt_fail(res, "harness: ", msg);

	dt_vec_native(c, res, xlen);
	if (res->nat.fault == DT_FAULT_OTHER) {
		snprintf(buf, sizeof(buf), "native run got signal %d (code %d) at %#" PRIx64,
			 res->nat.signo, res->nat.si_code, res->nat.fault_rip);
		return dt_fail(res, "harness: ", buf);
	}
	dt_vec_expect(c, res);

	memset(bytes, 0xcc, sizeof(bytes));
	memcpy(bytes, res->code.b, res->code.len);
	memcpy(dt_emu_area, v->area, sizeof(dt_emu_area));
	res->emu = c->in;
	memset(&res->emu_res, 0, sizeof(res->emu_res));
	res->emu_status = regmap_emu_decode(&insn, bytes, sizeof(bytes));
	if (res->emu_status == REGMAP_EMU_OK)
		res->emu_status = regmap_emu_execute_x(&insn, &res->emu, &xs, NULL, &res->emu_res);
	res->emu_ran = true;

	if (res->emu_status != res->exp_status)
		return dt_fail(res, "", "status");
	if (memcmp(&res->emu, &res->exp, sizeof(res->exp)))
		return dt_fail(res, "", "state");
	if (res->emu_status == REGMAP_EMU_OK && res->emu_res.insn_len != res->code.len)
		return dt_fail(res, "", "insn_len");
	msg = dt_xdiff(res->emu_status == REGMAP_EMU_OK ? dt_nat_area : v->area, dt_emu_area,
		       buf, sizeof(buf));
	if (msg)
		return dt_fail(res, "vector state: ", msg);
	if (res->emu_status != REGMAP_EMU_OK && memcmp(dt_emu_area, v->area, xlen))
		return dt_fail(res, "", "the XSAVE area changed on a fault");
	return true;
}
