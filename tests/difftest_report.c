/*
 * difftest: Zydis' view of the generated instruction (a check of the
 * generator's own tables) and the printout of a case: instruction, input,
 * expected and emulated state with the differences marked, and the
 * command that replays it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "difftest.h"

static const char *const dt_status_names[] = {
	[REGMAP_EMU_OK] = "OK",
	[REGMAP_EMU_NOT_MAP] = "NOT_MAP",
	[REGMAP_EMU_PARTIAL] = "PARTIAL",
	[REGMAP_EMU_UNSUPPORTED] = "UNSUPPORTED",
	[REGMAP_EMU_BAD_INSN] = "BAD_INSN",
	[REGMAP_EMU_FAULT_DE] = "FAULT_DE",
	[REGMAP_EMU_FAULT_GP] = "FAULT_GP",
	[REGMAP_EMU_MEM_FAULT] = "MEM_FAULT",
	[REGMAP_EMU_NEED_XSTATE] = "NEED_XSTATE",
	[REGMAP_EMU_FAULT_XM] = "FAULT_XM",
	[REGMAP_EMU_FAULT_MF] = "FAULT_MF",
	[REGMAP_EMU_BAD_XSTATE] = "BAD_XSTATE",
};

const char *dt_status_name(enum regmap_emu_status st)
{
	if ((unsigned)st < sizeof(dt_status_names) / sizeof(dt_status_names[0]))
		return dt_status_names[st];
	return "(bad status)";
}

static void dt_want_name(const struct dt_case *c, char *buf, size_t size)
{
	const struct dt_form *f = c->form;

	if (f->flags & DT_CC)
		snprintf(buf, size, "%s%s", f->name, dt_cc_names[c->cc]);
	else if (f->flags & DT_SUFFIX)
		snprintf(buf, size, "%s%c", f->name, "?bw?d???q"[c->opsize]);
	else
		snprintf(buf, size, "%s", f->name);
}

const char *dt_zydis_check(const struct dt_case *c, const struct dt_code *code,
			   char *buf, size_t size)
{
	static const ZyanU8 want_act[] = {
		[DT_R] = ZYDIS_OPERAND_ACTION_READ,
		[DT_W] = ZYDIS_OPERAND_ACTION_WRITE,
		[DT_RW] = ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_WRITE,
		[DT_CW] = ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDWRITE,
		[DT_RWC] = ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDWRITE,
	};
	static ZydisDecoder dec;
	static bool dec_ok;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const ZydisDecodedOperand *mem = NULL;
	const char *got;
	char want[24];

	if (!dec_ok) {
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		dec_ok = true;
	}
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code->b, code->len, &in, ops)))
		return "Zydis cannot decode the generated instruction";
	if (in.length != code->len) {
		snprintf(buf, size, "Zydis length %u, generated %u", in.length, code->len);
		return buf;
	}
	dt_want_name(c, want, sizeof(want));
	got = ZydisMnemonicGetString(in.mnemonic);
	if (!got || strcmp(got, want)) {
		snprintf(buf, size, "Zydis decodes %s, the form is %s", got ? got : "?", want);
		return buf;
	}
	if (!c->mem_size)
		return NULL;
	for (unsigned i = 0; i < in.operand_count_visible && !mem; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			mem = &ops[i];
	if (!mem)
		return "Zydis sees no memory operand";
	if (mem->size != 8 * c->mem_size) {
		snprintf(buf, size, "Zydis memory operand is %u bytes, the form's %u",
			 mem->size / 8, c->mem_size);
		return buf;
	}
	if ((mem->actions & ZYDIS_OPERAND_ACTION_MASK_READ & ~ZYDIS_OPERAND_ACTION_CONDREAD) !=
		    (want_act[c->form->access] & ZYDIS_OPERAND_ACTION_READ) ||
	    (mem->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) !=
		    (want_act[c->form->access] & ZYDIS_OPERAND_ACTION_MASK_WRITE)) {
		snprintf(buf, size, "Zydis memory access %#x, the form's %#x",
			 mem->actions, want_act[c->form->access]);
		return buf;
	}
	return NULL;
}

static void dt_print_insn(const char *what, const struct dt_code *code, uint64_t addr)
{
	ZydisDisassembledInstruction zi;
	char hex[3 * DT_CODE_MAX + 1] = "";

	for (unsigned i = 0; i < code->len; i++)
		snprintf(hex + 3 * i, 4, "%02x ", code->b[i]);
	if (ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, addr,
					       code->b, code->len, &zi)))
		printf("  %-9s %-34s %s\n", what, hex, zi.text);
	else
		printf("  %-9s %-34s (does not decode)\n", what, hex);
}

/* "ODTSZAPC" with '.' for clear flags. */
static const char *dt_flag_str(uint64_t f, char *buf)
{
	static const struct { char c; uint64_t bit; } fl[] = {
		{ 'O', REGMAP_FLAGS_OF }, { 'D', REGMAP_FLAGS_DF }, { 'T', REGMAP_FLAGS_TF },
		{ 'S', REGMAP_FLAGS_SF }, { 'Z', REGMAP_FLAGS_ZF }, { 'A', REGMAP_FLAGS_AF },
		{ 'P', REGMAP_FLAGS_PF }, { 'C', REGMAP_FLAGS_CF },
	};

	for (unsigned i = 0; i < 8; i++)
		buf[i] = f & fl[i].bit ? fl[i].c : '.';
	buf[8] = 0;
	return buf;
}

static void dt_print_state(const struct dt_case *c, const struct dt_result *res)
{
	const uint64_t *in = (const uint64_t *)&c->in;
	const uint64_t *ex = (const uint64_t *)&res->exp;
	const uint64_t *em = (const uint64_t *)&res->emu;
	static const char *const names[REGMAP_NREGS] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
	};
	char f1[9], f2[9], f3[9];

	printf("  %-6s  %-18s  %-18s  %-18s\n", "", "input", "expected", "emulated");
	for (unsigned i = 0; i < REGMAP_NREGS; i++)
		printf("  %-6s  %016" PRIx64 "    %016" PRIx64 "    %016" PRIx64 "%s\n",
		       names[i],
		       in[i], ex[i], em[i], ex[i] != em[i] ? "  <-- differs" : "");
	printf("  %-6s  %-18s  %-18s  %-18s\n", "flags", dt_flag_str(c->in.rflags, f1),
	       dt_flag_str(res->exp.rflags, f2), dt_flag_str(res->emu.rflags, f3));
	if (c->in.fs_base || c->in.gs_base)
		printf("  fs base %016" PRIx64 ", gs base %016" PRIx64 "\n", c->in.fs_base, c->in.gs_base);
	if (c->in.fs_base != res->emu.fs_base || c->in.gs_base != res->emu.gs_base)
		printf("  fs/gs base changed by the emulator\n");
}

static void dt_print_operand(const struct dt_case *c, const struct dt_result *res)
{
	static const char *const acc[] = {
		"read", "write", "read+write", "read, write if ZF", "read+write",
	};
	unsigned lo = REGMAP_MAP_SIZE, hi = 0;

	if (c->addr.on)
		printf("  memory:   %u bytes at %#" PRIx64 " (%s), %s; natively %s carries the image address\n",
		       c->mem_size, c->addr.lin, c->addr.far ? "not canonical" :
		       dt_addr_status(c) == REGMAP_EMU_OK ? "inside the map" :
		       dt_addr_status(c) == REGMAP_EMU_PARTIAL ? "partly outside" : "outside",
		       acc[c->form->access], (const char *[]){ "the base register", "the index register",
		       "the displacement", "the segment base" }[c->addr.carrier]);
	else if (c->mem_size)
		printf("  memory:   map [%#x, %#x) %s (address in the insn %#" PRIx64 ")\n",
		       c->mem_off, c->mem_off + c->mem_size, acc[c->form->access],
		       (uint64_t)c->insn.disp);
	else
		printf("  string:   rsi -> %s, rdi -> %s, %s, DF=%d\n",
		       c->str_map & DT_STR_RSI ? "map" : "scratch",
		       c->str_map & DT_STR_RDI ? "map" : "scratch",
		       c->insn.rep == 0xf3 ? "REP/REPE" : c->insn.rep == 0xf2 ? "REPNE" : "no REP",
		       !!(c->in.rflags & REGMAP_FLAGS_DF));
	for (unsigned i = 0; i < REGMAP_MAP_SIZE; i++)
		if (res->written[i]) {
			lo = i < lo ? i : lo;
			hi = i + 1;
		}
	if (hi)
		printf("  written:  map [%#x, %#x) (native)\n", lo, hi);
}

static void dt_print_memory(const struct dt_case *c, const struct dt_result *res)
{
	unsigned shown = 0;

	for (unsigned i = 0; i < DT_SCRATCH_SIZE && shown < 8; i++) {
		if (res->emu_scratch[i] == res->nat.scratch[i])
			continue;
		printf("  memory scratch+%#x: initial %02x, expected %02x, emulated %02x\n",
		       i, c->scratch_init[i], res->nat.scratch[i], res->emu_scratch[i]);
		shown++;
	}
}

void dt_print_case(const struct dt_case *c, const struct dt_result *res,
		   const char *replay)
{
	const struct regmap_emu_result *er = &res->emu_res;
	char name[24];

	dt_want_name(c, name, sizeof(name));
	printf("difftest: case %" PRIu64 " %s%s (family %s, %s, %u-byte operand)\n",
	       c->num, res->why ? "FAILED: " : "passed", res->why ? res->why : "",
	       dt_families[c->form->family].name, name, c->opsize);
	dt_print_insn("emulated", &res->code, res->addr);
	dt_print_insn("native", &res->native_code, res->addr);
	dt_print_operand(c, res);
	if (res->emu_ran) {
		printf("  native:   %s%s",
		       res->nat.fault == DT_FAULT_DE ? "#DE (SIGFPE)" :
		       res->nat.fault == DT_FAULT_GP ? "#GP or #SS (SIGSEGV, SIGBUS)" :
		       res->nat.fault == DT_FAULT_PF ? "page fault at" : "completed",
		       res->nat.landed ? ", jumped to the landing pad" :
		       res->nat.jumped ? ", jumped to" : "");
		if (res->nat.fault == DT_FAULT_PF || res->nat.jumped)
			printf(" %#" PRIx64, res->nat.fault == DT_FAULT_PF ? res->nat.fault_addr :
			       res->nat.fault_rip);
		if (res->exp_fault)
			printf(" (fault address expected from the emulator: %#" PRIx64 ")",
			       res->exp_fault_addr);
		printf("\n");
		printf("  status:   expected %s%s, emulator %s (insn_len %u, fault_addr %#" PRIx64,
		       dt_status_name(res->exp_status),
		       res->exp_alt_not_map ? " or NOT_MAP" : "",
		       dt_status_name(res->emu_status), er->insn_len, er->fault_addr);
		for (unsigned i = 0; i < er->naccess && i < REGMAP_EMU_MAX_ACCESS; i++)
			printf(", %s %u@%#x", er->access[i].write ? "W" : "R",
			       er->access[i].size, er->access[i].offset);
		printf(")\n");
		dt_print_state(c, res);
		if (c->scratch)
			dt_print_memory(c, res);
	}
	printf("  replay:   %s\n", replay);
}
