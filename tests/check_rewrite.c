/*
 * Check tests of the rewriter's encodings (emulator/rewrite.h): the exact
 * bytes of in-place replacements (REX for r8-r15 and spl-dil, ah-bh,
 * operand-size prefixes, moffs forms, dropped prefixes, VEX, the rip and
 * rflags special forms), NOP padding, the site's jump to a stub, the slot
 * trailer against the plan's rewind table, and the reasons to keep
 * trapping.  That the planted code does what the emulator does is
 * tests/difftest --rewrite's job.
 */
#include <stdio.h>
#include <string.h>

#include "emu_vec.h"
#include "rewrite.h"
#include "rw_internal.h"

#define SITE	0x401000ull
#define STUB	0x402000ull

static struct regmap_rw_plan plan;

static enum regmap_rw_kind plan_at(const uint8_t *b, size_t n, uint64_t stub)
{
	struct regmap_emu_insn insn;
	enum regmap_rw_reason why;
	enum regmap_rw_kind k, ck;

	ck_assert_int_eq(regmap_emu_decode(&insn, b, n), REGMAP_EMU_OK);
	k = regmap_rw_plan(&insn, SITE, stub, &plan);
	ck_assert_uint_eq(plan.len, n);
	ck_assert_mem_eq(plan.orig, b, n);
	/* classify says the same, except what needs the stub's address */
	ck = regmap_rw_classify(&insn, &why);
	if (k != REGMAP_RW_TRAP || plan.reason < REGMAP_RW_NO_STUB) {
		ck_assert_int_eq(ck, k);
		ck_assert_int_eq(why, plan.reason);
	} else {
		ck_assert_int_eq(ck, REGMAP_RW_STUB);
	}
	return k;
}

#define PLAN(...) ({ \
	static const uint8_t b_[] = { __VA_ARGS__ }; \
	plan_at(b_, sizeof(b_), STUB); })

/* The NOPs rw_nops() promises, by length. */
static const uint8_t nops[10][9] = {
	{ 0 }, { 0x90 }, { 0x66, 0x90 }, { 0x0f, 0x1f, 0x00 }, { 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 }, { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

/* plan.bytes is want[0..n) and one NOP up to the length (NOP first if nop_first). */
static void check_site(const uint8_t *want, size_t n, bool nop_first)
{
	size_t pad = plan.len - n;
	const uint8_t *insn = plan.bytes + (nop_first ? pad : 0);
	const uint8_t *nop = plan.bytes + (nop_first ? 0 : n);

	ck_assert_uint_le(n, plan.len);
	ck_assert_msg(!memcmp(insn, want, n), "replacement %02x %02x %02x %02x, want %02x %02x %02x %02x",
		      insn[0], insn[1], n > 2 ? insn[2] : 0, n > 3 ? insn[3] : 0,
		      want[0], n > 1 ? want[1] : 0, n > 2 ? want[2] : 0, n > 3 ? want[3] : 0);
	ck_assert_uint_le(pad, 9);
	ck_assert_mem_eq(nop, nops[pad], pad);
}

#define SITE_IS(...) do { \
	static const uint8_t w_[] = { __VA_ARGS__ }; \
	ck_assert_int_eq(plan.kind, REGMAP_RW_INPLACE); \
	check_site(w_, sizeof(w_), false); \
} while (0)

#define SITE_ENDS(...) do { \
	static const uint8_t w_[] = { __VA_ARGS__ }; \
	ck_assert_int_eq(plan.kind, REGMAP_RW_INPLACE); \
	check_site(w_, sizeof(w_), true); \
} while (0)

START_TEST(register_forms)
{
	PLAN(0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0);		/* mov rax, [0x10] */
	SITE_IS(0x48, 0x8b, 0xc2);				/* mov rax, rdx */
	/* its fault (with AC set, say) goes back to the emulator */
	ck_assert_uint_eq(plan.nrewind, 1);
	ck_assert_uint_eq(plan.rewind[0].in_stub, 0);
	ck_assert_uint_eq(plan.rewind[0].off, 0);
	ck_assert_uint_eq(plan.rewind[0].rsp_add, 0);
	ck_assert_uint_eq(plan.rewind[0].reg, REGMAP_RW_NOREG);
	ck_assert_uint_eq(plan.stack_below, 0);
	ck_assert_uint_eq(plan.map_off, 0x10);
	ck_assert_uint_eq(plan.map_len, 8);
	ck_assert_uint_eq(plan.map_access, REGMAP_RW_READ);
	PLAN(0x4c, 0x8b, 0x0c, 0x25, 0x10, 0, 0, 0);		/* mov r9, [0x10] */
	SITE_IS(0x4c, 0x8b, 0xca);				/* REX.R */
	PLAN(0x48, 0x8b, 0x04, 0x25, 0x48, 0, 0, 0);		/* mov rax, [0x48] */
	SITE_IS(0x49, 0x8b, 0xc1);				/* mov rax, r9: REX.B */
	PLAN(0x4c, 0x8b, 0x14, 0x25, 0x58, 0, 0, 0);		/* mov r10, [0x58] */
	SITE_IS(0x4d, 0x8b, 0xd3);				/* mov r10, r11 */
	PLAN(0x48, 0x01, 0x3c, 0x25, 0x40, 0, 0, 0);		/* add [0x40], rdi */
	SITE_IS(0x49, 0x01, 0xf8);				/* add r8, rdi */
	ck_assert_uint_eq(plan.map_access, REGMAP_RW_READ | REGMAP_RW_WRITE);
	PLAN(0x48, 0xc1, 0x04, 0x25, 0x50, 0, 0, 0, 0x07);	/* rol qword [0x50], 7 */
	SITE_IS(0x49, 0xc1, 0xc2, 0x07);			/* the immediate is kept */
	PLAN(0x48, 0x89, 0x24, 0x25, 0x30, 0, 0, 0);		/* mov [0x30], rsp */
	SITE_IS(0x48, 0x89, 0xe6);				/* mov rsi, rsp */
	PLAN(0x48, 0xf7, 0x34, 0x25, 0x10, 0, 0, 0);		/* div qword [0x10] */
	SITE_IS(0x48, 0xf7, 0xf2);				/* div rdx: #DE at the site */
}
END_TEST

START_TEST(byte_registers)
{
	PLAN(0x88, 0x04, 0x25, 0x30, 0, 0, 0);			/* mov [0x30], al */
	SITE_IS(0x40, 0x88, 0xc6);				/* mov sil, al: REX for sil */
	PLAN(0x88, 0x04, 0x25, 0x01, 0, 0, 0);			/* mov [0x1], al */
	SITE_IS(0x88, 0xc4);					/* mov ah, al */
	PLAN(0x88, 0x3c, 0x25, 0x10, 0, 0, 0);			/* mov [0x10], bh */
	SITE_IS(0x88, 0xfa);					/* mov dl, bh: no REX */
	PLAN(0x40, 0x8a, 0x24, 0x25, 0x08, 0, 0, 0);		/* mov spl, [0x8] */
	SITE_IS(0x40, 0x8a, 0xe1);				/* mov spl, cl */
	PLAN(0x44, 0x88, 0x04, 0x25, 0x19, 0, 0, 0);		/* mov [0x19], r8b */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* bh and r8b: no encoding */
	PLAN(0x88, 0x24, 0x25, 0x30, 0, 0, 0);			/* mov [0x30], ah */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* sil and ah: no encoding */
	PLAN(0x88, 0x04, 0x25, 0x61, 0, 0, 0);			/* byte 1 of r12 */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	PLAN(0x0f, 0x94, 0x04, 0x25, 0x41, 0, 0, 0);		/* sete [0x41]: byte 1 of r8 */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	PLAN(0x0f, 0x94, 0x04, 0x25, 0x40, 0, 0, 0);		/* sete [0x40] */
	SITE_IS(0x41, 0x0f, 0x94, 0xc0);			/* sete r8b */
}
END_TEST

START_TEST(operand_sizes)
{
	PLAN(0x66, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0);		/* mov ax, [0x10] */
	SITE_IS(0x66, 0x8b, 0xc2);
	PLAN(0x66, 0x89, 0x04, 0x25, 0x10, 0, 0, 0);		/* mov [0x10], ax */
	SITE_IS(0x66, 0x89, 0xc2);				/* keeps bits 16..63, as the map */
	PLAN(0x8b, 0x04, 0x25, 0x10, 0, 0, 0);			/* mov eax, [0x10] */
	SITE_IS(0x8b, 0xc2);					/* a 4-byte read */
	PLAN(0x89, 0x04, 0x25, 0x10, 0, 0, 0);			/* mov [0x10], eax */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* mov edx, eax would zero-extend */
	PLAN(0x03, 0x04, 0x25, 0x14, 0, 0, 0);			/* add eax, [0x14] */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* rdx's upper half */
	PLAN(0x66, 0xc7, 0x04, 0x25, 0x10, 0, 0, 0, 0x34, 0x12);	/* mov word [0x10], 0x1234 */
	SITE_IS(0x66, 0xc7, 0xc2, 0x34, 0x12);
	PLAN(0x48, 0x0f, 0xb6, 0x04, 0x25, 0x01, 0, 0, 0);	/* movzx rax, byte [0x1] */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* REX.W and ah */
}
END_TEST

START_TEST(moffs_and_prefixes)
{
	PLAN(0x48, 0xa1, 0x10, 0, 0, 0, 0, 0, 0, 0);		/* mov rax, [moffs 0x10] */
	SITE_IS(0x48, 0x8b, 0xc2);
	PLAN(0xa2, 0x01, 0, 0, 0, 0, 0, 0, 0);			/* mov [moffs 0x1], al */
	SITE_IS(0x88, 0xc4);
	PLAN(0x66, 0xa3, 0x20, 0, 0, 0, 0, 0, 0, 0);		/* mov [moffs 0x20], ax */
	SITE_IS(0x66, 0x89, 0xc4);
	PLAN(0x67, 0xa1, 0x10, 0, 0, 0);			/* mov eax, [moffs32 0x10] */
	SITE_IS(0x8b, 0xc2);
	PLAN(0xf0, 0x48, 0x01, 0x04, 0x25, 0x10, 0, 0, 0);	/* lock add [0x10], rax */
	SITE_IS(0x48, 0x01, 0xc2);				/* a locked register form is #UD */
	PLAN(0x3e, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0);	/* ds: mov rax, [0x10] */
	SITE_IS(0x48, 0x8b, 0xc2);
	PLAN(0x48, 0x0f, 0xc3, 0x04, 0x25, 0x18, 0, 0, 0);	/* movnti [0x18], rax */
	SITE_IS(0x48, 0x89, 0xc3);				/* mov rbx, rax */
	PLAN(0xf3, 0x48, 0x0f, 0xb8, 0x04, 0x25, 0x10, 0, 0, 0);	/* popcnt rax, [0x10] */
	SITE_IS(0xf3, 0x48, 0x0f, 0xb8, 0xc2);			/* the mandatory prefix stays */
	PLAN(0xc4, 0xe2, 0xe0, 0xf2, 0x04, 0x25, 0x48, 0, 0, 0);	/* andn rax, rbx, [0x48] */
	SITE_IS(0xc4, 0xc2, 0xe0, 0xf2, 0xc1);			/* VEX.B for r9 */
}
END_TEST

START_TEST(rip_rsp_rflags_forms)
{
	PLAN(0x48, 0x8b, 0x04, 0x25, 0x80, 0, 0, 0);		/* mov rax, [0x80] */
	SITE_IS(0x48, 0x8d, 0x05, 0x01, 0, 0, 0);		/* lea rax, [rip + 1] = N */
	PLAN(0x8b, 0x04, 0x25, 0x84, 0, 0, 0);			/* mov eax, [0x84] */
	SITE_IS(0xb8, 0, 0, 0, 0);				/* N's high half */
	PLAN(0x8a, 0x04, 0x25, 0x80, 0, 0, 0);			/* mov al, [0x80] */
	SITE_IS(0xb0, 0x07);					/* N = 0x401007 */
	PLAN(0xff, 0x34, 0x25, 0x80, 0, 0, 0);			/* push qword [0x80] */
	SITE_ENDS(0xe8, 0, 0, 0, 0);				/* call N pushes N */
	ck_assert_uint_eq(plan.nrewind, 1);
	ck_assert_uint_eq(plan.rewind[0].in_stub, 0);
	ck_assert_uint_eq(plan.rewind[0].off, 2);
	PLAN(0xff, 0x14, 0x25, 0x80, 0, 0, 0);			/* call [0x80] */
	SITE_ENDS(0xe8, 0, 0, 0, 0);
	PLAN(0xff, 0x24, 0x25, 0x80, 0, 0, 0);			/* jmp [0x80]: to N */
	ck_assert_int_eq(plan.kind, REGMAP_RW_INPLACE);
	ck_assert_mem_eq(plan.bytes, nops[7], 7);
	PLAN(0xff, 0x34, 0x25, 0x88, 0, 0, 0);			/* push qword [0x88] */
	SITE_IS(0x9c);						/* pushfq */
	PLAN(0xff, 0x14, 0x25, 0x10, 0, 0, 0);			/* call [0x10] */
	SITE_ENDS(0xff, 0xd2);					/* call rdx, ending at N */
	ck_assert_uint_eq(plan.rewind[0].off, 5);
	PLAN(0x8f, 0x04, 0x25, 0x20, 0, 0, 0);			/* pop qword [0x20] */
	SITE_IS(0x8f, 0xc4);					/* pop rsp */
	/* rip writes: #GP at the instruction for a non-canonical target, as natively */
	PLAN(0x8f, 0x04, 0x25, 0x80, 0, 0, 0);			/* pop qword [0x80] */
	SITE_IS(0xc3);						/* ret */
	PLAN(0x48, 0x89, 0x04, 0x25, 0x80, 0, 0, 0);		/* mov [0x80], rax */
	SITE_IS(0xff, 0xe0);					/* jmp rax */
	PLAN(0x4c, 0x89, 0x2c, 0x25, 0x80, 0, 0, 0);		/* mov [0x80], r13 */
	SITE_IS(0x41, 0xff, 0xe5);				/* jmp r13 */
	PLAN(0x66, 0x8f, 0x04, 0x25, 0x80, 0, 0, 0);		/* pop word [0x80] */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);		/* rip's other bytes stay */
	PLAN(0x89, 0x04, 0x25, 0x80, 0, 0, 0);			/* mov dword [0x80], eax */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	PLAN(0x48, 0x89, 0x04, 0x25, 0x88, 0, 0, 0);		/* mov [0x88], rax */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
}
END_TEST

START_TEST(nop_padding)
{
	for (unsigned n = 1; n <= 15; n++) {
		uint8_t b[16];
		struct rw_buf o = { b, 0, sizeof(b), false };
		struct regmap_emu_insn insn;

		rw_nops(&o, n);
		ck_assert(!o.over);
		ck_assert_uint_eq(o.len, n);
		regmap_emu_decode(&insn, b, n);
		ck_assert_msg(regmap_emu_insn_len(&insn) == n, "a %u-byte NOP decodes as %u bytes",
			      n, regmap_emu_insn_len(&insn));
	}
}
END_TEST

START_TEST(stub_and_trailer)
{
	struct regmap_rw_fixup a, b;
	int32_t rel;
	uint64_t rsp = 0x7ffc00001000ull;

	PLAN(0x89, 0x04, 0x25, 0x14, 0, 0, 0);			/* mov [0x14], eax */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	ck_assert_uint_eq(plan.stub, STUB);
	ck_assert_uint_eq(plan.bytes[0], 0xe9);			/* jmp rel32 to the stub */
	memcpy(&rel, plan.bytes + 1, 4);
	ck_assert_uint_eq(SITE + 5 + (uint64_t)(int64_t)rel, STUB);
	ck_assert_mem_eq(plan.bytes + 5, nops[2], 2);
	ck_assert_uint_eq(plan.stack_below, RW_L);
	ck_assert_uint_gt(plan.stub_len, 5);
	ck_assert_uint_le(plan.stub_len, REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER);
	/* the stub ends with jmp N */
	ck_assert_uint_eq(plan.slot[plan.stub_len - 5], 0xe9);
	memcpy(&rel, plan.slot + plan.stub_len - 4, 4);
	ck_assert_uint_eq(STUB + plan.stub_len + (uint64_t)(int64_t)rel, SITE + 7);
	for (unsigned i = plan.stub_len; i < REGMAP_RW_STUB_MAX - REGMAP_RW_TRAILER; i++)
		ck_assert_uint_eq(plan.slot[i], 0xcc);

	/* every rewind point: the plan and the slot's trailer agree */
	ck_assert_uint_gt(plan.nrewind, 0);
	for (unsigned i = 0; i < plan.nrewind; i++) {
		uint64_t rip = STUB + plan.rewind[i].off;

		ck_assert_uint_eq(plan.rewind[i].in_stub, 1);
		ck_assert(regmap_rw_rewind_at(&plan, rip, rsp, &a));
		ck_assert(regmap_rw_slot_fixup(plan.slot, STUB, rip, rsp, &b));
		ck_assert_uint_eq(a.site, SITE);
		ck_assert_uint_eq(b.site, SITE);
		ck_assert_uint_eq(a.len, 7);
		ck_assert_uint_eq(b.len, 7);
		ck_assert_mem_eq(a.orig, plan.orig, 7);
		ck_assert_mem_eq(b.orig, plan.orig, 7);
		ck_assert_uint_eq(a.rsp_add, b.rsp_add);
		ck_assert_uint_eq(a.reg, b.reg);
	}
	/* the first point is the first store after lea rsp, [rsp - (L - 8)] */
	ck_assert_uint_eq(plan.rewind[0].rsp_add, RW_L - RW_HOME);
	ck_assert(!regmap_rw_rewind_at(&plan, STUB, rsp, &a));
	ck_assert(!regmap_rw_slot_fixup(plan.slot, STUB, STUB, rsp, &b));
	ck_assert(!regmap_rw_slot_fixup(plan.slot, STUB, SITE, rsp, &b));

	/* a spare register saved in the frame is reloaded on a rewind */
	PLAN(0x89, 0x24, 0x25, 0x14, 0, 0, 0);			/* mov [0x14], esp */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	for (unsigned i = 0; i < plan.nrewind; i++)
		if (plan.rewind[i].reg != REGMAP_RW_NOREG) {
			uint64_t rip = STUB + plan.rewind[i].off;

			ck_assert(regmap_rw_rewind_at(&plan, rip, rsp, &a));
			ck_assert(regmap_rw_slot_fixup(plan.slot, STUB, rip, rsp, &b));
			ck_assert_uint_eq(a.reg, b.reg);
			ck_assert_uint_eq(a.reg_addr, b.reg_addr);
			ck_assert_uint_eq(a.reg_addr, rsp + a.rsp_add - RW_L + RW_FR_T);
			return;
		}
	ck_abort_msg("renaming rsp leaves no rewind point with a register to reload");
}
END_TEST

START_TEST(reasons)
{
	enum regmap_rw_reason why;
	struct regmap_emu_insn insn;
	static const uint8_t store[] = { 0x89, 0x04, 0x25, 0x14, 0, 0, 0 };

	PLAN(0x48, 0x0f, 0xa3, 0x0c, 0x25, 0, 0, 0, 0);	/* bt [0x0], rcx */
	ck_assert_int_eq(plan.reason, REGMAP_RW_BITSTRING);
	ck_assert_mem_eq(plan.bytes, plan.orig, plan.len);
	PLAN(0x48, 0x0f, 0xba, 0x24, 0x25, 0, 0, 0, 0, 3);	/* bt qword [0x0], 3 */
	SITE_IS(0x48, 0x0f, 0xba, 0xe0, 3);
	PLAN(0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x08, 0, 0, 0);	/* cmpxchg16b [0x8] */
	ck_assert_int_eq(plan.reason, REGMAP_RW_ALIGN16);
	PLAN(0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x10, 0, 0, 0);	/* cmpxchg16b [0x10] */
	ck_assert_int_eq(plan.kind, REGMAP_RW_STUB);
	PLAN(0x48, 0x8b, 0x00);					/* mov rax, [rax] */
	ck_assert_int_eq(plan.reason, REGMAP_RW_NOT_CONST);
	PLAN(0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0);	/* mov rax, fs:[0x10] */
	ck_assert_int_eq(plan.reason, REGMAP_RW_NOT_CONST);
	PLAN(0xaa);						/* stosb */
	ck_assert_int_eq(plan.reason, REGMAP_RW_NOT_CONST);
	PLAN(0x48, 0x8b, 0x04, 0x25, 0x8c, 0, 0, 0);		/* mov rax, [0x8c] */
	ck_assert_int_eq(plan.reason, REGMAP_RW_NOT_IN_MAP);
	PLAN(0x48, 0x0f, 0xc1, 0x04, 0x25, 0x80, 0, 0, 0);	/* xadd [0x80], rax */
	ck_assert_int_eq(plan.reason, REGMAP_RW_RIP_REG);
	PLAN(0xff, 0x1c, 0x25, 0x10, 0, 0, 0);			/* call far [0x10] */
	ck_assert_int_eq(plan.reason, REGMAP_RW_FAR);
	if (!regmap_emu_xinit()) {
		PLAN(0xf3, 0x0f, 0x6f, 0x04, 0x25, 0x10, 0, 0, 0);	/* movdqu xmm0, [0x10] */
		ck_assert_int_eq(plan.reason, REGMAP_RW_VECTOR);
	}

	ck_assert_int_eq(regmap_emu_decode(&insn, store, sizeof(store)), REGMAP_EMU_OK);
	ck_assert_int_eq(regmap_rw_plan(&insn, SITE, 0, &plan), REGMAP_RW_TRAP);
	ck_assert_int_eq(plan.reason, REGMAP_RW_NO_STUB);
	ck_assert_mem_eq(plan.bytes, store, sizeof(store));
	ck_assert_int_eq(regmap_rw_plan(&insn, SITE, STUB + 8, &plan), REGMAP_RW_TRAP);
	ck_assert_int_eq(plan.reason, REGMAP_RW_STUB_RANGE);
	ck_assert_int_eq(regmap_rw_plan(&insn, SITE, SITE + (3ull << 30), &plan), REGMAP_RW_TRAP);
	ck_assert_int_eq(plan.reason, REGMAP_RW_STUB_RANGE);
	ck_assert_int_eq(regmap_rw_plan(&insn, SITE, SITE - (1ull << 30), &plan), REGMAP_RW_STUB);
	ck_assert_int_eq(regmap_rw_classify(&insn, &why), REGMAP_RW_STUB);
	ck_assert_int_eq(why, REGMAP_RW_OK);

	for (unsigned i = 0; i < REGMAP_RW_NREASONS; i++)
		for (unsigned j = 0; j < i; j++)
			ck_assert_str_ne(regmap_rw_reason_str(i), regmap_rw_reason_str(j));
	ck_assert_str_eq(regmap_rw_reason_str(REGMAP_RW_NREASONS), "unknown reason");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("rewrite");

	tcase_add_test(tc, register_forms);
	tcase_add_test(tc, byte_registers);
	tcase_add_test(tc, operand_sizes);
	tcase_add_test(tc, moffs_and_prefixes);
	tcase_add_test(tc, rip_rsp_rflags_forms);
	tcase_add_test(tc, nop_padding);
	tcase_add_test(tc, stub_and_trailer);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);
	return vec_run_suite(s);
}
