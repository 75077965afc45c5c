/*
 * difftest: the vector and x87 instruction forms (see difftest_vec.h).
 * A row's name is Zydis' mnemonic; difftest_vec_run.c checks every
 * generated instruction against it, so a wrong row is a harness error.
 */
#include "difftest_vec.h"

#define R	DT_R
#define W	DT_W
#define VL	DT_VM_VL
#define VL2	DT_VM_VL2
#define VL4	DT_VM_VL4
#define W48	DT_VM_W48
#define REG	DT_REG
#define WIG	DT_WIG
#define VV	DT_VF_VVVV
#define IMM	DT_VF_IMM
#define MK	DT_VF_MASK
#define MZ	(DT_VF_MASK | DT_VF_Z)
#define L0	DT_L128
#define L1	DT_L256
#define L01	(DT_L128 | DT_L256)
#define L12	(DT_L256 | DT_L512)
#define LA	(DT_L128 | DT_L256 | DT_L512)

/* legacy SSE: xmm in ModRM.reg */
#define SSE(nm, px, mp, op, ms, ac, fl, ft) \
	{ nm, DT_F_SSE, DT_VE_LEG, px, mp, op, REG, DT_VR_VEC, L0, 0, ms, ac, fl, 0, ft }
/* legacy with another kind of ModRM.reg (GPR, MMX, /digit) */
#define SSEK(nm, px, mp, op, dg, rk, w, ms, ac, fl, ft) \
	{ nm, DT_F_SSE, DT_VE_LEG, px, mp, op, dg, rk, L0, w, ms, ac, fl, 0, ft }
#define MMX(nm, op, ac, fl) \
	{ nm, DT_F_SSE, DT_VE_LEG, 0, 1, op, REG, DT_VR_MMX, L0, 0, 8, ac, DT_VF_X87 | (fl), 0, 0 }
#define AVX(nm, px, mp, op, ls, w, ms, ac, fl, ft) \
	{ nm, DT_F_AVX, DT_VE_VEX, px, mp, op, REG, DT_VR_VEC, ls, w, ms, ac, fl, 0, ft }
#define AVXD(nm, op, dg, ac, fl) \
	{ nm, DT_F_AVX, DT_VE_VEX, 0, 1, op, dg, DT_VR_NONE, L0, WIG, 4, ac, fl, 0, 0 }
#define EVX(nm, px, mp, op, ls, w, ms, ac, fl, bc) \
	{ nm, DT_F_AVX512, DT_VE_EVEX, px, mp, op, REG, DT_VR_VEC, ls, w, ms, ac, fl, bc, 0 }
#define KMOV(nm, op, w, ms, ac) \
	{ nm, DT_F_AVX512, DT_VE_VEX, 0, 1, op, REG, DT_VR_K, L0, w, ms, ac, 0, 0, 0 }
#define X87(nm, op, dg, ms, ac, ft) \
	{ nm, DT_F_X87, DT_VE_LEG, 0, 0, op, dg, DT_VR_NONE, L0, 0, ms, ac, DT_VF_X87, 0, ft }
#define X87N(nm, op, dg, ms, ac) \
	{ nm, DT_F_X87, DT_VE_LEG, 0, 0, op, dg, DT_VR_NONE, L0, 0, ms, ac, 0, 0, 0 }

const struct dt_vform dt_vforms[] = {
	SSE("movdqu", 0xf3, 1, 0x6f, 16, R, 0, 0),
	SSE("movdqu", 0xf3, 1, 0x7f, 16, W, 0, 0),
	SSE("movdqa", 0x66, 1, 0x6f, 16, R, 0, 0),
	SSE("movdqa", 0x66, 1, 0x7f, 16, W, 0, 0),
	SSE("movups", 0, 1, 0x10, 16, R, 0, 0),
	SSE("movups", 0, 1, 0x11, 16, W, 0, 0),
	SSE("movaps", 0, 1, 0x28, 16, R, 0, 0),
	SSE("movaps", 0, 1, 0x29, 16, W, 0, 0),
	SSE("movq", 0xf3, 1, 0x7e, 8, R, 0, 0),
	SSE("movq", 0x66, 1, 0xd6, 8, W, 0, 0),
	SSE("movd", 0x66, 1, 0x6e, 4, R, 0, 0),
	SSE("movd", 0x66, 1, 0x7e, 4, W, 0, 0),
	SSE("movss", 0xf3, 1, 0x10, 4, R, 0, 0),
	SSE("movss", 0xf3, 1, 0x11, 4, W, 0, 0),
	SSE("movsd", 0xf2, 1, 0x10, 8, R, 0, 0),
	SSE("movsd", 0xf2, 1, 0x11, 8, W, 0, 0),
	SSE("movlps", 0, 1, 0x12, 8, R, 0, 0),
	SSE("movhps", 0, 1, 0x17, 8, W, 0, 0),
	SSE("movhpd", 0x66, 1, 0x16, 8, R, 0, 0),
	SSE("movntdq", 0x66, 1, 0xe7, 16, W, 0, 0),
	SSE("paddq", 0x66, 1, 0xd4, 16, R, 0, 0),
	SSE("paddb", 0x66, 1, 0xfc, 16, R, 0, 0),
	SSE("psubd", 0x66, 1, 0xfa, 16, R, 0, 0),
	SSE("pmullw", 0x66, 1, 0xd5, 16, R, 0, 0),
	SSE("pand", 0x66, 1, 0xdb, 16, R, 0, 0),
	SSE("pxor", 0x66, 1, 0xef, 16, R, 0, 0),
	SSE("pcmpeqb", 0x66, 1, 0x74, 16, R, 0, 0),
	SSE("pmaxsw", 0x66, 1, 0xee, 16, R, 0, 0),
	SSE("packsswb", 0x66, 1, 0x63, 16, R, 0, 0),
	SSE("punpcklbw", 0x66, 1, 0x60, 16, R, 0, 0),
	SSE("psadbw", 0x66, 1, 0xf6, 16, R, 0, 0),
	SSE("psllq", 0x66, 1, 0xf3, 16, R, 0, 0),
	SSE("pshufd", 0x66, 1, 0x70, 16, R, IMM, 0),
	SSE("pinsrw", 0x66, 1, 0xc4, 2, R, IMM, 0),
	SSE("addps", 0, 1, 0x58, 16, R, 0, 0),
	SSE("mulpd", 0x66, 1, 0x59, 16, R, 0, 0),
	SSE("divss", 0xf3, 1, 0x5e, 4, R, 0, 0),
	SSE("sqrtsd", 0xf2, 1, 0x51, 8, R, 0, 0),
	SSE("minps", 0, 1, 0x5d, 16, R, 0, 0),
	SSE("maxsd", 0xf2, 1, 0x5f, 8, R, 0, 0),
	SSE("cmpps", 0, 1, 0xc2, 16, R, IMM, 0),
	SSE("cvtps2pd", 0, 1, 0x5a, 8, R, 0, 0),
	SSE("cvtpd2ps", 0x66, 1, 0x5a, 16, R, 0, 0),
	SSE("cvtdq2ps", 0, 1, 0x5b, 16, R, 0, 0),
	SSE("comisd", 0x66, 1, 0x2f, 8, R, 0, 0),
	SSE("ucomiss", 0, 1, 0x2e, 4, R, 0, 0),
	SSEK("cvtsi2sd", 0xf2, 1, 0x2a, REG, DT_VR_VEC, WIG, W48, R, 0, 0),
	SSEK("cvttsd2si", 0xf2, 1, 0x2c, REG, DT_VR_GPR, WIG, 8, R, 0, 0),
	SSEK("cvtss2si", 0xf3, 1, 0x2d, REG, DT_VR_GPR, WIG, 4, R, 0, 0),
	SSE("haddps", 0xf2, 1, 0x7c, 16, R, 0, DT_VX_SSE3),
	SSE("lddqu", 0xf2, 1, 0xf0, 16, R, 0, DT_VX_SSE3),
	SSE("movshdup", 0xf3, 1, 0x16, 16, R, 0, DT_VX_SSE3),
	SSE("pshufb", 0x66, 2, 0x00, 16, R, 0, DT_VX_SSSE3),
	SSE("pmulld", 0x66, 2, 0x40, 16, R, 0, DT_VX_SSE41),
	SSE("ptest", 0x66, 2, 0x17, 16, R, 0, DT_VX_SSE41),
	SSE("pmovzxbw", 0x66, 2, 0x30, 8, R, 0, DT_VX_SSE41),
	SSE("pextrd", 0x66, 3, 0x16, 4, W, IMM, DT_VX_SSE41),
	SSE("pinsrd", 0x66, 3, 0x22, 4, R, IMM, DT_VX_SSE41),
	SSE("pextrb", 0x66, 3, 0x14, 1, W, IMM, DT_VX_SSE41),
	SSE("pextrw", 0x66, 3, 0x15, 2, W, IMM, DT_VX_SSE41),
	SSE("roundsd", 0x66, 3, 0x0b, 8, R, IMM, DT_VX_SSE41),
	SSE("dpps", 0x66, 3, 0x40, 16, R, IMM, DT_VX_SSE41),
	SSE("pcmpistri", 0x66, 3, 0x63, 16, R, IMM, DT_VX_SSE42),
	SSE("pcmpestri", 0x66, 3, 0x61, 16, R, IMM, DT_VX_SSE42),
	SSE("aesenc", 0x66, 2, 0xdc, 16, R, 0, DT_VX_AES),
	SSE("pclmulqdq", 0x66, 3, 0x44, 16, R, IMM, DT_VX_PCLMUL),
	SSEK("ldmxcsr", 0, 1, 0xae, 2, DT_VR_NONE, 0, 4, R, DT_VF_MXLD, 0),
	SSEK("stmxcsr", 0, 1, 0xae, 3, DT_VR_NONE, 0, 4, W, 0, 0),
	MMX("paddd", 0xfe, R, 0),
	MMX("movq", 0x6f, R, 0),
	MMX("movq", 0x7f, W, 0),
	MMX("pmaddwd", 0xf5, R, 0),
	MMX("pshufw", 0x70, R, IMM),

	AVX("vmovdqu", 0xf3, 1, 0x6f, L01, WIG, VL, R, 0, 0),
	AVX("vmovdqu", 0xf3, 1, 0x7f, L01, WIG, VL, W, 0, 0),
	AVX("vmovdqa", 0x66, 1, 0x6f, L01, WIG, VL, R, 0, 0),
	AVX("vmovdqa", 0x66, 1, 0x7f, L01, WIG, VL, W, 0, 0),
	AVX("vmovups", 0, 1, 0x10, L01, WIG, VL, R, 0, 0),
	AVX("vmovups", 0, 1, 0x11, L01, WIG, VL, W, 0, 0),
	AVX("vmovaps", 0, 1, 0x28, L01, WIG, VL, R, 0, 0),
	AVX("vmovaps", 0, 1, 0x29, L01, WIG, VL, W, 0, 0),
	AVX("vpaddd", 0x66, 1, 0xfe, L01, WIG, VL, R, VV, DT_VX_AVX2),
	AVX("vpxor", 0x66, 1, 0xef, L01, WIG, VL, R, VV, DT_VX_AVX2),
	AVX("vpshufb", 0x66, 2, 0x00, L01, WIG, VL, R, VV, DT_VX_AVX2),
	AVX("vpmulld", 0x66, 2, 0x40, L01, WIG, VL, R, VV, DT_VX_AVX2),
	AVX("vaddps", 0, 1, 0x58, L01, WIG, VL, R, VV, 0),
	AVX("vmulpd", 0x66, 1, 0x59, L01, WIG, VL, R, VV, 0),
	AVX("vdivsd", 0xf2, 1, 0x5e, L0, WIG, 8, R, VV, 0),
	AVX("vsqrtps", 0, 1, 0x51, L01, WIG, VL, R, 0, 0),
	AVX("vcmpps", 0, 1, 0xc2, L01, WIG, VL, R, VV | IMM, 0),
	AVX("vfmadd231ps", 0x66, 2, 0xb8, L01, 0, VL, R, VV, DT_VX_FMA),
	AVX("vfmadd213sd", 0x66, 2, 0xa9, L0, 1, 8, R, VV, DT_VX_FMA),
	AVX("vbroadcastss", 0x66, 2, 0x18, L01, 0, 4, R, 0, 0),
	AVX("vpbroadcastq", 0x66, 2, 0x59, L01, 0, 8, R, 0, DT_VX_AVX2),
	AVX("vbroadcastf128", 0x66, 2, 0x1a, L1, 0, 16, R, 0, 0),
	AVX("vinsertf128", 0x66, 3, 0x18, L1, 0, 16, R, VV | IMM, 0),
	AVX("vextractf128", 0x66, 3, 0x19, L1, 0, 16, W, IMM, 0),
	AVX("vmaskmovps", 0x66, 2, 0x2c, L01, 0, VL, R, VV, 0),
	AVX("vmaskmovps", 0x66, 2, 0x2e, L01, 0, VL, W, VV, 0),
	AVX("vpmaskmovd", 0x66, 2, 0x8c, L01, 0, VL, R, VV, DT_VX_AVX2),
	AVX("vpmaskmovd", 0x66, 2, 0x8e, L01, 0, VL, W, VV, DT_VX_AVX2),
	AVX("vptest", 0x66, 2, 0x17, L01, WIG, VL, R, 0, 0),
	AVX("vcomisd", 0x66, 1, 0x2f, L0, WIG, 8, R, 0, 0),
	AVX("vpermq", 0x66, 3, 0x00, L1, 1, VL, R, IMM, DT_VX_AVX2),
	AVX("vcvtph2ps", 0x66, 2, 0x13, L01, 0, VL2, R, 0, DT_VX_F16C),
	AVX("vcvtps2ph", 0x66, 3, 0x1d, L01, 0, VL2, W, IMM, DT_VX_F16C),
	AVX("vmovd", 0x66, 1, 0x6e, L0, 0, 4, R, 0, 0),
	AVX("vmovq", 0x66, 1, 0xd6, L0, WIG, 8, W, 0, 0),
	AVX("vpextrq", 0x66, 3, 0x16, L0, 1, 8, W, IMM, 0),
	AVX("vpinsrq", 0x66, 3, 0x22, L0, 1, 8, R, VV | IMM, 0),
	AVX("vpmovzxbd", 0x66, 2, 0x31, L01, WIG, VL4, R, 0, DT_VX_AVX2),
	AVX("vaesenc", 0x66, 2, 0xdc, L0, WIG, 16, R, VV, DT_VX_AES),
	AVXD("vldmxcsr", 0xae, 2, R, DT_VF_MXLD),
	AVXD("vstmxcsr", 0xae, 3, W, 0),

	EVX("vmovdqu32", 0xf3, 1, 0x6f, LA, 0, VL, R, MZ, 0),
	EVX("vmovdqu32", 0xf3, 1, 0x7f, LA, 0, VL, W, MK, 0),
	EVX("vmovdqu64", 0xf3, 1, 0x6f, LA, 1, VL, R, MZ, 0),
	EVX("vmovdqu64", 0xf3, 1, 0x7f, LA, 1, VL, W, MK, 0),
	EVX("vmovdqu8", 0xf2, 1, 0x6f, LA, 0, VL, R, MZ, 0),
	EVX("vmovdqu16", 0xf2, 1, 0x7f, LA, 1, VL, W, MK, 0),
	EVX("vmovdqa32", 0x66, 1, 0x6f, LA, 0, VL, R, MZ, 0),
	EVX("vmovdqa64", 0x66, 1, 0x7f, LA, 1, VL, W, MK, 0),
	EVX("vmovups", 0, 1, 0x10, LA, 0, VL, R, MZ, 0),
	EVX("vmovapd", 0x66, 1, 0x29, LA, 1, VL, W, MK, 0),
	EVX("vpaddd", 0x66, 1, 0xfe, LA, 0, VL, R, VV | MZ, 4),
	EVX("vpaddq", 0x66, 1, 0xd4, LA, 1, VL, R, VV | MZ, 8),
	EVX("vpandd", 0x66, 1, 0xdb, LA, 0, VL, R, VV | MZ, 4),
	EVX("vpternlogd", 0x66, 3, 0x25, LA, 0, VL, R, VV | IMM | MZ, 4),
	EVX("vpermt2d", 0x66, 2, 0x7e, LA, 0, VL, R, VV | MZ, 4),
	EVX("vaddps", 0, 1, 0x58, LA, 0, VL, R, VV | MZ, 4),
	EVX("vmulpd", 0x66, 1, 0x59, LA, 1, VL, R, VV | MZ, 8),
	EVX("vdivss", 0xf3, 1, 0x5e, L0, 0, 4, R, VV | MZ, 0),
	EVX("vfmadd231pd", 0x66, 2, 0xb8, LA, 1, VL, R, VV | MZ, 8),
	EVX("vsqrtpd", 0x66, 1, 0x51, LA, 1, VL, R, MZ, 8),
	EVX("vcvtdq2ps", 0, 1, 0x5b, LA, 0, VL, R, MZ, 4),
	EVX("vpbroadcastq", 0x66, 2, 0x59, LA, 1, 8, R, MZ, 0),
	EVX("vbroadcastss", 0x66, 2, 0x18, L12, 0, 4, R, MZ, 0),
	EVX("vpcompressd", 0x66, 2, 0x8b, LA, 0, VL, W, MK, 0),
	EVX("vpexpandd", 0x66, 2, 0x89, LA, 0, VL, R, MZ, 0),
	EVX("vpmovqd", 0xf3, 2, 0x35, LA, 0, VL2, W, MK, 0),
	EVX("vmovsd", 0xf2, 1, 0x10, L0, 1, 8, R, MZ, 0),
	EVX("vmovsd", 0xf2, 1, 0x11, L0, 1, 8, W, MK, 0),
	EVX("vextracti32x4", 0x66, 3, 0x39, L12, 0, 16, W, IMM | MK, 0),
	EVX("vpmovzxbd", 0x66, 2, 0x31, LA, WIG, VL4, R, MZ, 0),
	{ "vpcmpd", DT_F_AVX512, DT_VE_EVEX, 0x66, 3, 0x1f, REG, DT_VR_K, LA, 0, VL, R,
	  VV | IMM | MK, 4, 0 },
	{ "vpopcntd", DT_F_AVX512, DT_VE_EVEX, 0x66, 2, 0x55, REG, DT_VR_VEC, LA, 0, VL, R,
	  MZ, 4, DT_VX_VPOPCNT },
	KMOV("kmovw", 0x90, 0, 2, R),
	KMOV("kmovw", 0x91, 0, 2, W),
	KMOV("kmovq", 0x90, 1, 8, R),

	X87("fld", 0xd9, 0, 4, R, 0),
	X87("fld", 0xdd, 0, 8, R, 0),
	X87("fld", 0xdb, 5, 10, R, 0),
	X87("fild", 0xdf, 0, 2, R, 0),
	X87("fild", 0xdb, 0, 4, R, 0),
	X87("fild", 0xdf, 5, 8, R, 0),
	X87("fst", 0xd9, 2, 4, W, 0),
	X87("fstp", 0xdd, 3, 8, W, 0),
	X87("fstp", 0xdb, 7, 10, W, 0),
	X87("fist", 0xdf, 2, 2, W, 0),
	X87("fistp", 0xdb, 3, 4, W, 0),
	X87("fistp", 0xdf, 7, 8, W, 0),
	X87("fisttp", 0xdd, 1, 8, W, DT_VX_SSE3),
	X87("fadd", 0xd8, 0, 4, R, 0),
	X87("fmul", 0xdc, 1, 8, R, 0),
	X87("fsub", 0xd8, 4, 4, R, 0),
	X87("fdivr", 0xdc, 7, 8, R, 0),
	X87("fcom", 0xd8, 2, 4, R, 0),
	X87("fcomp", 0xdc, 3, 8, R, 0),
	X87("fiadd", 0xde, 0, 2, R, 0),
	X87("fidiv", 0xda, 6, 4, R, 0),
	X87("fbld", 0xdf, 4, 10, R, 0),
	X87("fbstp", 0xdf, 6, 10, W, 0),
	X87("fldcw", 0xd9, 5, 2, R, 0),
	X87("fldenv", 0xd9, 4, 28, R, 0),
	X87("frstor", 0xdd, 4, 108, R, 0),
	X87N("fnstcw", 0xd9, 7, 2, W),
	X87N("fnstsw", 0xdd, 7, 2, W),
	X87N("fnstenv", 0xd9, 6, 28, W),
	X87N("fnsave", 0xdd, 6, 108, W),
};

const unsigned dt_nvforms = sizeof(dt_vforms) / sizeof(dt_vforms[0]);
