/*
 * The vector path's internals (see emu.h, "Vector and x87 instructions"):
 * what regmap_emu_xinit() learns about the CPU, the stub slot pool, and
 * the frame the assembly runner (vx_stub.S) works on.
 *
 * Files: vx_init.c (CPUID, XGETBV, the pool, xstate helpers),
 * vx_decode.c (whitelist and re-encoding; talks to Zydis), vx_exec.c
 * (the handler emu_h_vx), vx_stub.S (XRSTOR, run, XSAVE).
 */
#ifndef REGMAP_VX_H
#define REGMAP_VX_H

#include <stdint.h>

#include "emu_internal.h"

/* CPU features the whitelist asks for (EMU_VF_*), one bit each */
enum {
	EMU_VF_X87, EMU_VF_MMX, EMU_VF_SSE, EMU_VF_SSE2, EMU_VF_SSE3, EMU_VF_SSSE3,
	EMU_VF_SSE41, EMU_VF_SSE42, EMU_VF_SSE4A, EMU_VF_AVX, EMU_VF_AVX2, EMU_VF_FMA,
	EMU_VF_F16C, EMU_VF_AES, EMU_VF_PCLMUL, EMU_VF_SHA, EMU_VF_GFNI, EMU_VF_VAES,
	EMU_VF_VPCLMUL, EMU_VF_AVXVNNI, EMU_VF_F, EMU_VF_VL, EMU_VF_BW, EMU_VF_DQ,
	EMU_VF_CD, EMU_VF_IFMA, EMU_VF_VBMI, EMU_VF_VBMI2, EMU_VF_VNNI, EMU_VF_BITALG,
	EMU_VF_VPOPCNTDQ, EMU_VF_BF16, EMU_VF_FP16, EMU_VF_VP2I,
	EMU_VF_COUNT
};
#define EMU_VF(x)	(1ull << EMU_VF_##x)

/* XSAVE components the emulator loads and saves */
#define EMU_XC_X87	0x01
#define EMU_XC_SSE	0x02
#define EMU_XC_AVX	0x04
#define EMU_XC_K	0x20
#define EMU_XC_ZMMH	0x40
#define EMU_XC_HI16	0x80
#define EMU_XC_ALL	0xe7

/* Offsets in the XSAVE area's legacy region and header */
#define EMU_XS_FCW	0
#define EMU_XS_FSW	2
#define EMU_XS_FIP	8
#define EMU_XS_FDP	16
#define EMU_XS_MXCSR	24
#define EMU_XS_SW	464	/* software-reserved bytes (the kernel's) */
#define EMU_XS_HDR	512	/* XSTATE_BV, XCOMP_BV, reserved */
#define EMU_XS_MIN	576	/* legacy region + header */

/*
 * The stub slot pool: the code slots, then the data buffers.  RWX: one
 * page of 64-byte code slots.  W^X: one page per slot, flipped RW to
 * write it and RX to run it (mprotect is async-signal-safe, and a page
 * per slot keeps threads off each other's code).
 */
#define EMU_VX_SLOTS	64
#define EMU_VX_CODE	64	/* code bytes per slot (RWX) */
#define EMU_VX_DATA	256	/* data bytes per slot: 63 + the largest operand (0x90) */
#define EMU_VX_PAGE	4096
#define EMU_VX_DATASZ	(EMU_VX_SLOTS * EMU_VX_DATA)

struct emu_vx_cpu {
	bool ready;		/* regmap_emu_xinit() succeeded */
	uint64_t feat;		/* EMU_VF_* the CPU and OS support */
	uint64_t xcr0;		/* XGETBV(0) */
	uint32_t mxcsr_mask;	/* MXCSR bits LDMXCSR/XRSTOR accept */
	uint32_t comp_off[8];	/* offset of component i in the standard layout */
	uint32_t comp_end[8];	/* end of component i */
	uint8_t *pool;		/* code slots, then data buffers at pool + data_off */
	uint32_t stride;	/* bytes between code slots */
	uint32_t data_off;
	bool wx;		/* W^X: mprotect a slot's page around writing it */
};

extern struct emu_vx_cpu emu_vx_cpu;

/* The frame of emu_vx_run(); offsets are used by vx_stub.S. */
struct emu_vx_frame {
	uint64_t gpr[16];	/* 0x00: in and out; rsp's slot is ignored */
	uint64_t flags;		/* 0x80: arithmetic flags in and out */
	void *area;		/* 0x88: the XSAVE area */
	uint64_t rfbm;		/* 0x90: components to XRSTOR/XSAVE */
	uint32_t mxcsr_run;	/* 0x98: MXCSR while the instruction runs (if VX_RUN_MXCSR) */
	uint32_t mxcsr_out;	/* 0x9c: MXCSR right after it (if VX_RUN_MXCSR) */
	uint32_t host_mxcsr;	/* 0xa0 */
	uint16_t host_fcw;	/* 0xa4 */
	uint16_t pad;
	uint64_t opts;		/* 0xa8: EMU_VX_RUN_* */
	uint32_t xm_mask;	/* 0xb0: mxcsr_out bits that abort (unmasked exceptions) */
	uint32_t aborted;	/* 0xb4: set by the runner when it skipped the XSAVE */
	uint8_t fenv[28];	/* 0xb8: FNSTENV right after it (if EMU_VX_RUN_FENV) */
};

#define EMU_VX_RUN_MXCSR	1	/* load mxcsr_run, store mxcsr_out, check xm_mask */
#define EMU_VX_RUN_VZU		2	/* vzeroupper before returning (AVX state used) */
#define EMU_VX_RUN_FENV		4	/* FNSTENV after it: the x87 pointers the CPU keeps */

/* regmap_emu_xinit(), optionally with the W^X pool even where RWX works (tests). */
int emu_vx_xinit(bool force_wx);

/* XRSTOR f->area, load GPRs and flags, call code, store them, XSAVE (vx_stub.S). */
void emu_vx_run(struct emu_vx_frame *f, const void *code);

/* Feature bits an instruction's Zydis ISA set needs, 0 if not whitelisted (vx_decode.c). */
uint64_t emu_vx_isa_features(unsigned zydis_isa_set);

struct ZydisDecodedInstruction_;
struct ZydisDecodedOperand_;

/*
 * Make insn a vector-path instruction if it qualifies (vx_decode.c):
 * called by regmap_emu_decode() for instructions without a handler, with
 * insn->op[insn->mem] already the memory operand.  Returns true if it did.
 */
bool emu_vx_decode(struct emu_insn *insn, const struct ZydisDecodedInstruction_ *zi,
		   const struct ZydisDecodedOperand_ *zo);

#endif /* REGMAP_VX_H */
