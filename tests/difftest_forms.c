/*
 * difftest: the instruction forms, one row per opcode form, and the
 * families they are counted and filtered by.  A row's name is Zydis'
 * mnemonic, which difftest_report.c checks every generated instruction
 * against (so a wrong row shows up as a harness error, not as an
 * emulator bug).
 */
#include <string.h>

#include "difftest.h"

const struct dt_family_info dt_families[DT_NFAMILY] = {
	[DT_F_MOV]	= { "mov", 8 },
	[DT_F_MOVX]	= { "movx", 6 },
	[DT_F_ALU]	= { "alu", 12 },
	[DT_F_UNARY]	= { "unary", 5 },
	[DT_F_SHIFT]	= { "shift", 10 },
	[DT_F_SHXD]	= { "shxd", 5 },
	[DT_F_MULDIV]	= { "muldiv", 9 },
	[DT_F_BT]	= { "bt", 8 },
	[DT_F_BITSCAN]	= { "bitscan", 5 },
	[DT_F_XCHG]	= { "xchg", 8 },
	[DT_F_COND]	= { "cond", 6 },
	[DT_F_CRC32]	= { "crc32", 3 },
	[DT_F_BMI]	= { "bmi", 8 },
	[DT_F_ADX]	= { "adx", 3 },
	[DT_F_STACK]	= { "stack", 7 },
	[DT_F_STRING]	= { "string", 10 },
	[DT_F_SSE]	= { "sse", 10 },
	[DT_F_AVX]	= { "avx", 8 },
	[DT_F_AVX512]	= { "avx512", 8 },
	[DT_F_X87]	= { "x87", 6 },
};

const char *const dt_cc_names[16] = {
	"o", "no", "b", "nb", "z", "nz", "be", "nbe",
	"s", "ns", "p", "np", "l", "nl", "le", "nle",
};

/* short names, to keep the rows on one line */
#define S1	1
#define SWDQ	(2 | 4 | 8)
#define SDQ	(4 | 8)
#define REG	DT_REG		/* digit: a register operand */
#define OPS	DT_MS_OP	/* msize: the operand size */
#define RD	DT_R		/* access */
#define WR	DT_W
#define RW	DT_RW
#define CW	DT_CW
#define RWC	DT_RWC
#define NOI	DT_IMM_NONE	/* immediate: none, ib, iw/id */
#define IB	DT_IMM8
#define IZ	DT_IMM_OP

/* legacy encoding with a ModRM memory operand */
#define L(nm, fam, mp, op, sz, dg, ms, ac, im, px, fl, cp, su) \
	{ .name = nm, .family = DT_F_##fam, .enc = DT_ENC_MODRM, .map = mp, \
	  .opc = op, .sizes = sz, .digit = dg, .msize = ms, .access = ac, \
	  .imm = im, .pfx = px, .flags = fl, .cpu = cp, .setup = su }

/* VEX.LZ, W0 (32-bit) or W1 (64-bit); pp in .pfx */
#define V(nm, mp, op, pp, dg, im, fl, cp, su) \
	{ .name = nm, .family = DT_F_BMI, .enc = DT_ENC_VEX, .map = mp, \
	  .opc = op, .sizes = SDQ, .digit = dg, .msize = OPS, .access = DT_R, \
	  .imm = im, .pfx = pp, .flags = fl, .cpu = DT_CPU_##cp, .setup = su }

#define MOFFS(op, sz, ac) \
	{ .name = "mov", .family = DT_F_MOV, .enc = DT_ENC_MOFFS, .opc = op, \
	  .sizes = sz, .digit = 0, .msize = OPS, .access = ac }

#define STR(nm, op, ac) \
	{ .name = nm, .family = DT_F_STRING, .enc = DT_ENC_STRING, .opc = op, \
	  .sizes = S1, .access = ac, .flags = DT_SUFFIX, .setup = dt_su_string }, \
	{ .name = nm, .family = DT_F_STRING, .enc = DT_ENC_STRING, .opc = op + 1, \
	  .sizes = SWDQ, .access = ac, .flags = DT_SUFFIX, .setup = dt_su_string }

/* ADD .. CMP: the six classic forms plus 83 /d ib */
#define ALU(nm, d, ac, fl) \
	L(nm, ALU, 0, 8 * d + 0, S1, REG, OPS, ac, NOI, 0, fl, 0, NULL), \
	L(nm, ALU, 0, 8 * d + 1, SWDQ, REG, OPS, ac, NOI, 0, fl, 0, NULL), \
	L(nm, ALU, 0, 8 * d + 2, S1, REG, OPS, RD, NOI, 0, 0, 0, NULL), \
	L(nm, ALU, 0, 8 * d + 3, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, NULL), \
	L(nm, ALU, 0, 0x80, S1, d, OPS, ac, IZ, 0, fl, 0, NULL), \
	L(nm, ALU, 0, 0x81, SWDQ, d, OPS, ac, IZ, 0, fl, 0, NULL), \
	L(nm, ALU, 0, 0x83, SWDQ, d, OPS, ac, IB, 0, fl, 0, NULL)

#define UNARY(nm, d) \
	L(nm, UNARY, 0, d < 2 ? 0xfe : 0xf6, S1, d, OPS, RW, NOI, 0, DT_LOCK, 0, NULL), \
	L(nm, UNARY, 0, d < 2 ? 0xff : 0xf7, SWDQ, d, OPS, RW, NOI, 0, DT_LOCK, 0, NULL)

/* by 1, by CL, by imm8 */
#define SHIFT(nm, d) \
	L(nm, SHIFT, 0, 0xd0, S1, d, OPS, RW, NOI, 0, 0, 0, NULL), \
	L(nm, SHIFT, 0, 0xd1, SWDQ, d, OPS, RW, NOI, 0, 0, 0, NULL), \
	L(nm, SHIFT, 0, 0xd2, S1, d, OPS, RW, NOI, 0, 0, 0, dt_su_count_cl), \
	L(nm, SHIFT, 0, 0xd3, SWDQ, d, OPS, RW, NOI, 0, 0, 0, dt_su_count_cl), \
	L(nm, SHIFT, 0, 0xc0, S1, d, OPS, RW, IB, 0, 0, 0, dt_su_count_imm), \
	L(nm, SHIFT, 0, 0xc1, SWDQ, d, OPS, RW, IB, 0, 0, 0, dt_su_count_imm)

#define MULDIV(nm, d, su) \
	L(nm, MULDIV, 0, 0xf6, S1, d, OPS, RD, NOI, 0, 0, 0, su), \
	L(nm, MULDIV, 0, 0xf7, SWDQ, d, OPS, RD, NOI, 0, 0, 0, su)

#define BT(nm, opr, d, ac, fl) \
	L(nm, BT, 1, opr, SWDQ, REG, OPS, ac, NOI, 0, fl, 0, dt_su_btreg), \
	L(nm, BT, 1, 0xba, SWDQ, d, OPS, ac, IB, 0, fl, 0, NULL)

const struct dt_form dt_forms[] = {
	L("mov", MOV, 0, 0x88, S1, REG, OPS, WR, NOI, 0, 0, 0, NULL),
	L("mov", MOV, 0, 0x89, SWDQ, REG, OPS, WR, NOI, 0, 0, 0, NULL),
	L("mov", MOV, 0, 0x8a, S1, REG, OPS, RD, NOI, 0, 0, 0, NULL),
	L("mov", MOV, 0, 0x8b, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, NULL),
	L("mov", MOV, 0, 0xc6, S1, 0, OPS, WR, IZ, 0, 0, 0, NULL),
	L("mov", MOV, 0, 0xc7, SWDQ, 0, OPS, WR, IZ, 0, 0, 0, NULL),
	MOFFS(0xa0, S1, RD), MOFFS(0xa1, SWDQ, RD),
	MOFFS(0xa2, S1, WR), MOFFS(0xa3, SWDQ, WR),
	L("movnti", MOV, 1, 0xc3, SDQ, REG, OPS, WR, NOI, 0, 0, 0, NULL),

	L("movzx", MOVX, 1, 0xb6, SWDQ, REG, 1, RD, NOI, 0, 0, 0, NULL),
	L("movzx", MOVX, 1, 0xb7, SWDQ, REG, 2, RD, NOI, 0, 0, 0, NULL),
	L("movsx", MOVX, 1, 0xbe, SWDQ, REG, 1, RD, NOI, 0, 0, 0, NULL),
	L("movsx", MOVX, 1, 0xbf, SWDQ, REG, 2, RD, NOI, 0, 0, 0, NULL),
	/* 16-bit MOVSXD reads a word (Intel) or a doubleword (AMD) */
	L("movsxd", MOVX, 0, 0x63, SWDQ, REG, 4, RD, NOI, 0, 0, 0, NULL),
	L("movbe", MOVX, 2, 0xf0, SWDQ, REG, OPS, RD, NOI, 0, 0, DT_CPU_MOVBE, NULL),
	L("movbe", MOVX, 2, 0xf1, SWDQ, REG, OPS, WR, NOI, 0, 0, DT_CPU_MOVBE, NULL),

	ALU("add", 0, RW, DT_LOCK), ALU("or", 1, RW, DT_LOCK),
	ALU("adc", 2, RW, DT_LOCK), ALU("sbb", 3, RW, DT_LOCK),
	ALU("and", 4, RW, DT_LOCK), ALU("sub", 5, RW, DT_LOCK),
	ALU("xor", 6, RW, DT_LOCK), ALU("cmp", 7, RD, 0),
	L("test", ALU, 0, 0x84, S1, REG, OPS, RD, NOI, 0, 0, 0, NULL),
	L("test", ALU, 0, 0x85, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, NULL),
	L("test", ALU, 0, 0xf6, S1, 0, OPS, RD, IZ, 0, 0, 0, NULL),
	L("test", ALU, 0, 0xf7, SWDQ, 0, OPS, RD, IZ, 0, 0, 0, NULL),

	UNARY("inc", 0), UNARY("dec", 1), UNARY("not", 2), UNARY("neg", 3),

	/* /6 is the undocumented alias of /4 (Zydis calls it shl too) */
	SHIFT("rol", 0), SHIFT("ror", 1), SHIFT("rcl", 2), SHIFT("rcr", 3),
	SHIFT("shl", 4), SHIFT("shr", 5), SHIFT("shl", 6), SHIFT("sar", 7),

	L("shld", SHXD, 1, 0xa4, SWDQ, REG, OPS, RWC, IB, 0, 0, 0, dt_su_count_imm),
	L("shld", SHXD, 1, 0xa5, SWDQ, REG, OPS, RWC, NOI, 0, 0, 0, dt_su_count_cl),
	L("shrd", SHXD, 1, 0xac, SWDQ, REG, OPS, RWC, IB, 0, 0, 0, dt_su_count_imm),
	L("shrd", SHXD, 1, 0xad, SWDQ, REG, OPS, RWC, NOI, 0, 0, 0, dt_su_count_cl),

	MULDIV("mul", 4, NULL), MULDIV("imul", 5, NULL),
	MULDIV("div", 6, dt_su_div), MULDIV("idiv", 7, dt_su_idiv),
	L("imul", MULDIV, 1, 0xaf, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, NULL),
	L("imul", MULDIV, 0, 0x6b, SWDQ, REG, OPS, RD, IB, 0, 0, 0, NULL),
	L("imul", MULDIV, 0, 0x69, SWDQ, REG, OPS, RD, IZ, 0, 0, 0, NULL),

	BT("bt", 0xa3, 4, RD, 0), BT("bts", 0xab, 5, RW, DT_LOCK),
	BT("btr", 0xb3, 6, RW, DT_LOCK), BT("btc", 0xbb, 7, RW, DT_LOCK),

	L("bsf", BITSCAN, 1, 0xbc, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, dt_su_zero_src),
	L("bsr", BITSCAN, 1, 0xbd, SWDQ, REG, OPS, RD, NOI, 0, 0, 0, dt_su_zero_src),
	/* without BMI1 / LZCNT the CPU runs these bytes as BSF / BSR, and so does the emulator */
	L("tzcnt", BITSCAN, 1, 0xbc, SWDQ, REG, OPS, RD, NOI, 0xf3, 0, 0, dt_su_zero_src),
	L("lzcnt", BITSCAN, 1, 0xbd, SWDQ, REG, OPS, RD, NOI, 0xf3, 0, 0, dt_su_zero_src),
	L("popcnt", BITSCAN, 1, 0xb8, SWDQ, REG, OPS, RD, NOI, 0xf3, 0, DT_CPU_POPCNT, dt_su_zero_src),

	L("xchg", XCHG, 0, 0x86, S1, REG, OPS, RW, NOI, 0, DT_LOCK, 0, NULL),
	L("xchg", XCHG, 0, 0x87, SWDQ, REG, OPS, RW, NOI, 0, DT_LOCK, 0, NULL),
	L("xadd", XCHG, 1, 0xc0, S1, REG, OPS, RW, NOI, 0, DT_LOCK, 0, NULL),
	L("xadd", XCHG, 1, 0xc1, SWDQ, REG, OPS, RW, NOI, 0, DT_LOCK, 0, NULL),
	L("cmpxchg", XCHG, 1, 0xb0, S1, REG, OPS, CW, NOI, 0, DT_LOCK, 0, dt_su_cmpxchg),
	L("cmpxchg", XCHG, 1, 0xb1, SWDQ, REG, OPS, CW, NOI, 0, DT_LOCK, 0, dt_su_cmpxchg),
	L("cmpxchg8b", XCHG, 1, 0xc7, 4, 1, 8, CW, NOI, 0, DT_LOCK, 0, dt_su_cx8),
	L("cmpxchg16b", XCHG, 1, 0xc7, 8, 1, 16, CW, NOI, 0, DT_LOCK, DT_CPU_CX16, dt_su_cx16),

	L("set", COND, 1, 0x90, S1, 0, 1, WR, NOI, 0, DT_CC, 0, NULL),
	L("cmov", COND, 1, 0x40, SWDQ, REG, OPS, RD, NOI, 0, DT_CC, 0, NULL),

	L("crc32", CRC32, 2, 0xf0, SDQ, REG, 1, RD, NOI, 0xf2, 0, DT_CPU_SSE42, NULL),
	L("crc32", CRC32, 2, 0xf1, SWDQ, REG, OPS, RD, NOI, 0xf2, 0, DT_CPU_SSE42, NULL),

	V("andn", 2, 0xf2, 0, REG, NOI, DT_VVVV, BMI1, NULL),
	V("bextr", 2, 0xf7, 0, REG, NOI, DT_VVVV, BMI1, dt_su_bextr),
	V("blsi", 2, 0xf3, 0, 3, NOI, DT_VVVV, BMI1, NULL),
	V("blsmsk", 2, 0xf3, 0, 2, NOI, DT_VVVV, BMI1, NULL),
	V("blsr", 2, 0xf3, 0, 1, NOI, DT_VVVV, BMI1, NULL),
	V("bzhi", 2, 0xf5, 0, REG, NOI, DT_VVVV, BMI2, dt_su_bzhi),
	V("pdep", 2, 0xf5, 3, REG, NOI, DT_VVVV, BMI2, NULL),
	V("pext", 2, 0xf5, 2, REG, NOI, DT_VVVV, BMI2, NULL),
	V("sarx", 2, 0xf7, 2, REG, NOI, DT_VVVV, BMI2, dt_su_shiftx),
	V("shlx", 2, 0xf7, 1, REG, NOI, DT_VVVV, BMI2, dt_su_shiftx),
	V("shrx", 2, 0xf7, 3, REG, NOI, DT_VVVV, BMI2, dt_su_shiftx),
	V("rorx", 3, 0xf0, 3, REG, IB, 0, BMI2, NULL),
	V("mulx", 2, 0xf6, 3, REG, NOI, DT_VVVV, BMI2, NULL),

	L("adcx", ADX, 2, 0xf6, SDQ, REG, OPS, RD, NOI, 0x66, 0, DT_CPU_ADX, NULL),
	L("adox", ADX, 2, 0xf6, SDQ, REG, OPS, RD, NOI, 0xf3, 0, DT_CPU_ADX, NULL),

	L("push", STACK, 0, 0xff, 2 | 8, 6, OPS, RD, NOI, 0, DT_D64, 0, dt_su_stack),
	L("pop", STACK, 0, 0x8f, 2 | 8, 0, OPS, WR, NOI, 0, DT_D64, 0, dt_su_stack),
	/* 66: a 16-bit near branch on AMD, 66 ignored on Intel (Zydis: 8 bytes) */
	L("call", STACK, 0, 0xff, 2 | 8, 2, 8, RD, NOI, 0, DT_D64, 0, dt_su_branch),
	L("jmp", STACK, 0, 0xff, 2 | 8, 4, 8, RD, NOI, 0, DT_D64, 0, dt_su_branch),

	STR("movs", 0xa4, WR), STR("cmps", 0xa6, RD), STR("stos", 0xaa, WR),
	STR("lods", 0xac, RD), STR("scas", 0xae, RD),

	/* one row per vector family; difftest_vec_forms.c has the forms */
	{ .name = "sse", .family = DT_F_SSE, .enc = DT_ENC_VEC, .cpu = DT_CPU_XSAVE },
	{ .name = "avx", .family = DT_F_AVX, .enc = DT_ENC_VEC, .cpu = DT_CPU_XSAVE | DT_CPU_AVX },
	{ .name = "avx512", .family = DT_F_AVX512, .enc = DT_ENC_VEC,
	  .cpu = DT_CPU_XSAVE | DT_CPU_AVX | DT_CPU_AVX512 },
	{ .name = "x87", .family = DT_F_X87, .enc = DT_ENC_VEC, .cpu = DT_CPU_XSAVE },
};

const unsigned dt_nforms = sizeof(dt_forms) / sizeof(dt_forms[0]);
_Static_assert(sizeof(dt_forms) / sizeof(dt_forms[0]) <= DT_MAX_FORMS, "raise DT_MAX_FORMS");

bool dt_form_matches(const struct dt_form *f, const char *filter)
{
	/* a family ("alu"), or a row name ("add", "cmov", "movs") */
	return !filter || !strcmp(filter, dt_families[f->family].name) ||
	       !strcmp(filter, f->name);
}
