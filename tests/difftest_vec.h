/*
 * difftest's vector and x87 families (sse, avx, avx512, x87): the forms,
 * their encoder and generator (difftest_vec_forms.c, difftest_vec_gen.c)
 * and the run that compares the vector/x87 state too
 * (difftest_vec_run.c).
 *
 * A case of these families is a struct dt_case (the GPR state, the map
 * operand) plus the vector form and the XSAVE area in dt_vec_cur, which
 * dt_vec_generate() fills and dt_vec_run_case() uses: difftest runs one
 * case at a time.
 */
#ifndef REGMAP_DIFFTEST_VEC_H
#define REGMAP_DIFFTEST_VEC_H

#include "difftest.h"

enum dt_venc { DT_VE_LEG, DT_VE_VEX, DT_VE_EVEX };

/* kind of the ModRM.reg operand */
enum dt_vreg { DT_VR_VEC, DT_VR_MMX, DT_VR_GPR, DT_VR_K, DT_VR_NONE };

/* vector lengths (bit L) */
#define DT_L128		1
#define DT_L256		2
#define DT_L512		4

/* msize: fixed bytes, or relative to the vector length */
#define DT_VM_VL	0xf0	/* 16 << L */
#define DT_VM_VL2	0xf1	/* half of it */
#define DT_VM_VL4	0xf2	/* a quarter */
#define DT_VM_W48	0xf3	/* 4, or 8 with W1 */

/* w */
#define DT_WIG		2	/* W is ignored: random */

/* flags */
#define DT_VF_VVVV	0x01	/* VEX/EVEX.vvvv names a register */
#define DT_VF_IMM	0x02	/* imm8 */
#define DT_VF_MASK	0x04	/* EVEX merge-masking allowed */
#define DT_VF_Z		0x08	/* EVEX zero-masking allowed */
#define DT_VF_X87	0x10	/* x87/MMX: waits for pending x87 exceptions (#MF) */
#define DT_VF_MXLD	0x20	/* LDMXCSR: usually a valid MXCSR in the map */

/* features beyond the family's (dt_vform.feat) */
#define DT_VX_SSE3	0x01
#define DT_VX_SSSE3	0x02
#define DT_VX_SSE41	0x04
#define DT_VX_SSE42	0x08
#define DT_VX_AES	0x10
#define DT_VX_PCLMUL	0x20
#define DT_VX_FMA	0x40
#define DT_VX_F16C	0x80
#define DT_VX_AVX2	0x100
#define DT_VX_VPOPCNT	0x200

struct dt_vform {
	const char *name;	/* Zydis' mnemonic */
	uint8_t family;		/* DT_F_SSE .. DT_F_X87 */
	uint8_t enc;		/* enum dt_venc */
	uint8_t pfx;		/* 0, 0x66, 0xf3, 0xf2 */
	uint8_t map;		/* 0: one-byte (x87), 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opc;
	uint8_t digit;		/* ModRM.reg /digit, or DT_REG */
	uint8_t regk;		/* enum dt_vreg */
	uint8_t lens;		/* DT_L* allowed */
	uint8_t w;		/* 0, 1 or DT_WIG */
	uint8_t msize;		/* bytes or DT_VM_* */
	uint8_t access;		/* DT_R, DT_W, DT_RW */
	uint8_t flags;		/* DT_VF_* */
	uint8_t bcst;		/* EVEX embedded broadcast element size, 0: none */
	uint16_t feat;		/* DT_VX_* */
};

extern const struct dt_vform dt_vforms[];
extern const unsigned dt_nvforms;

/* The XSAVE area this test uses: x87 .. Hi16_ZMM in the standard layout. */
#define DT_XAREA_SIZE	4096

struct dt_vec_case {
	const struct dt_vform *form;
	unsigned vl;			/* 0, 1, 2: 128, 256, 512 bits */
	unsigned w, reg, vvvv, mask, zero, bcst;
	uint8_t imm;
	uint64_t xmask;			/* components in the area (XCR0 & 0xe7) */
	_Alignas(64) uint8_t area[DT_XAREA_SIZE];	/* input state */
};

extern struct dt_vec_case dt_vec_cur;

/* Offsets of the XSAVE components (CPUID 0xd), set by dt_vec_init(). */
extern unsigned dt_xoff[8];
extern uint64_t dt_xcr0;

/* A masked access (opmask without broadcast, or VEX maskmov): not every element is touched. */
bool dt_vec_masked(const struct dt_vform *f, const struct dt_vec_case *v);

/* Encode the current case: emulated ([disp32]) or native (3E, rip-relative). */
void dt_vec_encode(const struct dt_case *c, bool native, uint64_t addr, uint64_t buf,
		   struct dt_code *out);

#endif /* REGMAP_DIFFTEST_VEC_H */
