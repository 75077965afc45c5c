/*
 * difftest: the addressing forms at run time (see difftest_addr.c): the
 * native state with the carrier B higher, the expected registers, the
 * emulator's expected status and fault address for a native fault, and
 * what the cases covered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "difftest.h"

void dt_addr_native_state(const struct dt_case *c, uint64_t buf, struct dt_native_in *nin,
			  uint64_t gpr[16])
{
	const struct dt_addr *a = &c->addr;

	memcpy(gpr, c->in.gpr, 16 * sizeof(uint64_t));
	nin->gpr = gpr;
	nin->buf = buf;
	nin->faults_ok = true;
	nin->segs = c->insn.seg == 0x64 || c->insn.seg == 0x65;
	nin->fs_base = c->in.fs_base;
	nin->gs_base = c->in.gs_base;
	if (a->on) {
		if (a->carrier == DT_CA_BASE)
			gpr[a->base] += buf;
		else if (a->carrier == DT_CA_INDEX)
			gpr[a->index] += buf / a->scale;
		nin->fs_base = a->native_fs;
		nin->gs_base = a->native_gs;
		return;
	}
	if ((c->str_map & DT_STR_RSI) && !c->str_segbase)
		gpr[REGMAP_RSI] += buf;
	if (c->str_map & DT_STR_RDI)
		gpr[REGMAP_RDI] += buf;
	if (c->str_segbase && c->insn.seg == 0x64)
		nin->fs_base += buf;
	if (c->str_segbase && c->insn.seg == 0x65)
		nin->gs_base += buf;
}

bool dt_addr_expected_gpr(const struct dt_case *c, uint64_t buf, const uint64_t nat_in[16],
			  const struct dt_native *n, uint64_t gpr[16])
{
	const struct dt_addr *a = &c->addr;
	unsigned carrier = !a->on ? DT_NOREG : a->carrier == DT_CA_BASE ? a->base :
			   a->carrier == DT_CA_INDEX ? a->index : DT_NOREG;

	memcpy(gpr, n->gpr, 16 * sizeof(uint64_t));
	if (carrier != DT_NOREG) {
		/* the instruction did not touch it: its value is the input's */
		if (n->gpr[carrier] != nat_in[carrier])
			return false;
		gpr[carrier] = c->in.gpr[carrier];
	}
	/*
	 * Map-side string pointers: B lower, cut to 32 bits where the
	 * instruction wrote them as esi/edi; untouched (REP with ecx = 0),
	 * the input, garbage in the upper half and all.
	 */
	for (unsigned i = REGMAP_RSI; i <= REGMAP_RDI; i++) {
		if (!(c->str_map & (i == REGMAP_RSI ? DT_STR_RSI : DT_STR_RDI)) ||
		    (i == REGMAP_RSI && c->str_segbase))
			continue;
		if (n->gpr[i] == nat_in[i])
			gpr[i] = c->in.gpr[i];
		else
			gpr[i] = (n->gpr[i] - buf) & (c->insn.a32 ? 0xffffffffull : ~0ull);
	}
	return true;
}

/*
 * The emulator's status and fault address for a native page fault at
 * cr2: the native address less B is the emulator's, cut to 32 bits where
 * a register or the displacement carried B through a 32-bit address.
 */
enum regmap_emu_status dt_addr_status(const struct dt_case *c)
{
	if (c->addr.far)
		return REGMAP_EMU_NOT_MAP;
	switch (dt_map_class(c->addr.lin, c->mem_size)) {
	case 1:
		return REGMAP_EMU_PARTIAL;
	case 2:
		return REGMAP_EMU_NOT_MAP;
	default:
		return REGMAP_EMU_OK;
	}
}

enum regmap_emu_status dt_addr_fault(const struct dt_case *c, uint64_t buf, uint64_t cr2,
				     uint64_t *fault_addr)
{
	bool seg = c->addr.on ? c->addr.carrier == DT_CA_SEG : c->str_segbase;

	*fault_addr = cr2 - buf;
	if (c->insn.a32 && !seg)
		*fault_addr &= 0xffffffffull;
	if (!c->addr.on)
		return REGMAP_EMU_PARTIAL;	/* a string run that leaves the map */
	/*
	 * Starting inside, the CPU's access ran past the end (however many
	 * bytes it reads); starting below, it reaches into the map if its
	 * size does, which the plan made the same for every CPU.
	 */
	if (c->addr.lin < REGMAP_MAP_SIZE)
		return REGMAP_EMU_PARTIAL;
	return dt_map_class(c->addr.lin, dt_min_access(c)) == 1 ? REGMAP_EMU_PARTIAL :
								  REGMAP_EMU_NOT_MAP;
}

/* ---- coverage ---- */

enum {
	DT_AC_BASE, DT_AC_BASE_INDEX, DT_AC_INDEX, DT_AC_ABS, DT_AC_RIP, DT_AC_MOFFS,
	DT_AC_SCALE1, DT_AC_SCALE2, DT_AC_SCALE4, DT_AC_SCALE8,
	DT_AC_DISP0, DT_AC_DISP8, DT_AC_DISP32,
	DT_AC_A32, DT_AC_WRAP32, DT_AC_FS, DT_AC_GS, DT_AC_RSPBASE,
	DT_AC_PARTIAL, DT_AC_ABOVE, DT_AC_BELOW, DT_AC_FAR,
	DT_AC_STR_A32, DT_AC_STR_SEG, DT_AC_STR_PARTIAL, DT_AC_REP0_A32,
	DT_AC_MOVSXD16, DT_AC_BRANCH16, DT_NAC
};

static const char *const dt_ac_names[DT_NAC] = {
	"[base]", "[base+index]", "[index]", "[disp32]", "[rip]", "moffs",
	"scale 1", "scale 2", "scale 4", "scale 8", "no disp", "disp8", "disp32",
	"0x67", "0x67 wrapping", "fs: base", "gs: base", "[rsp+...] of push/pop/call/jmp",
	"partly outside", "outside above", "outside below", "not canonical",
	"strings with 0x67", "strings with fs:/gs:", "strings leaving the map",
	"REP with ecx=0 (0x67)", "16-bit MOVSXD", "16-bit CALL/JMP",
};

static uint64_t dt_ac[DT_NAC];

/* ---- coverage ---- */

void dt_addr_count(const struct dt_case *c, const struct dt_result *res)
{
	const struct dt_addr *a = &c->addr;
	static const uint8_t shape_ac[DT_NSHAPE] = {
		[DT_SH_ABS] = DT_AC_ABS, [DT_SH_BASE] = DT_AC_BASE,
		[DT_SH_BASE_INDEX] = DT_AC_BASE_INDEX, [DT_SH_INDEX] = DT_AC_INDEX,
		[DT_SH_RIP] = DT_AC_RIP, [DT_SH_MOFFS] = DT_AC_MOFFS,
	};
	bool seg = c->insn.seg == 0x64 || c->insn.seg == 0x65;

	if (!res->emu_ran)
		return;
	if (c->form->opc == 0x63 && c->form->family == DT_F_MOVX && c->opsize == 2)
		dt_ac[DT_AC_MOVSXD16]++;
	if (c->form->family == DT_F_STACK && c->form->opc == 0xff && c->form->digit != 6 &&
	    c->opsize == 2)
		dt_ac[DT_AC_BRANCH16]++;
	if (c->form->enc == DT_ENC_STRING) {
		dt_ac[DT_AC_STR_A32] += c->insn.a32 != 0;
		dt_ac[DT_AC_STR_SEG] += seg;
		dt_ac[DT_AC_STR_PARTIAL] += res->exp_status == REGMAP_EMU_PARTIAL;
		dt_ac[DT_AC_REP0_A32] += c->str_rep0 && c->insn.a32 && c->in.gpr[REGMAP_RCX];
		return;
	}
	if (!a->on)
		return;
	dt_ac[shape_ac[a->shape]]++;
	if (a->index != DT_NOREG)
		dt_ac[DT_AC_SCALE1 + __builtin_ctz(a->scale)]++;
	if (a->shape != DT_SH_MOFFS)
		dt_ac[a->disp_size == 1 ? DT_AC_DISP8 : a->disp_size == 4 ? DT_AC_DISP32 :
		      DT_AC_DISP0]++;
	dt_ac[DT_AC_A32] += c->insn.a32 != 0;
	dt_ac[DT_AC_WRAP32] += a->wrap32;
	dt_ac[DT_AC_FS] += c->insn.seg == 0x64;
	dt_ac[DT_AC_GS] += c->insn.seg == 0x65;
	dt_ac[DT_AC_RSPBASE] += a->base == REGMAP_RSP && c->form->family == DT_F_STACK;
	dt_ac[DT_AC_PARTIAL] += res->exp_status == REGMAP_EMU_PARTIAL;
	if (res->exp_status == REGMAP_EMU_NOT_MAP)
		dt_ac[a->far ? DT_AC_FAR : c->img == DT_IMG_LO ? DT_AC_BELOW : DT_AC_ABOVE]++;
}

void dt_addr_print_coverage(void)
{
	printf("difftest: addressing coverage:");
	for (unsigned i = 0; i < DT_NAC; i++)
		printf("%s %" PRIu64 " %s", i ? "," : "", dt_ac[i], dt_ac_names[i]);
	printf("\n");
}
