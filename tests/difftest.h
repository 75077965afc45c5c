/*
 * difftest: the differential test of the emulator against the CPU.
 *
 * A case is fully determined by (seed, case number): a random instruction
 * with a memory operand in the map and a random register state.  It runs
 * twice: natively, with the memory operand redirected rip-relative at a
 * buffer holding the register image (difftest_native.c), and through
 * regmap_emu_step() with the absolute map address (difftest_oracle.c).
 * The CPU's result, with the buffer bytes the instruction wrote laid over
 * the registers last (doc/DESIGN.md 9.1), is what the emulator must
 * produce.
 *
 * Files: difftest.c (main, options, counting), difftest_forms.c (the
 * instruction forms), difftest_gen.c (generic case generation),
 * difftest_setup.c (per-form operand tuning), difftest_memfam.c (stack
 * and string families), difftest_enc.c (encoder), difftest_addr*.c (the
 * addressing forms: base, index, scale, displacement, 0x67, fs/gs, operands
 * partly or wholly outside the map), difftest_native.c and difftest_jit.S
 * (the native run), difftest_oracle.c (expected state, emulator run,
 * comparison), difftest_report.c (printing, Zydis checks).
 */
#ifndef REGMAP_DIFFTEST_H
#define REGMAP_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu.h"

/* ---- random numbers: xoshiro256**, seeded per case by splitmix64 ---- */

struct dt_rng {
	uint64_t s[4];
};

static inline uint64_t dt_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void dt_rng_seed(struct dt_rng *r, uint64_t seed, uint64_t num)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dull ^ num;

	for (int i = 0; i < 4; i++)
		r->s[i] = dt_splitmix(&x);
}

static inline uint64_t dt_rand(struct dt_rng *r)
{
	uint64_t *s = r->s;
	uint64_t v = s[1] * 5;
	uint64_t t = s[1] << 17;

	v = ((v << 7) | (v >> 57)) * 9;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return v;
}

/* Uniform in [0, n), n > 0 (the bias of the modulo is irrelevant here). */
static inline uint64_t dt_below(struct dt_rng *r, uint64_t n)
{
	return dt_rand(r) % n;
}

/* Uniform in [lo, hi]. */
static inline int64_t dt_range(struct dt_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)dt_below(r, (uint64_t)(hi - lo) + 1);
}

static inline bool dt_chance(struct dt_rng *r, unsigned percent)
{
	return dt_below(r, 100) < percent;
}

/* ---- instruction forms (difftest_forms.c) ---- */

enum dt_family {
	DT_F_MOV, DT_F_MOVX, DT_F_ALU, DT_F_UNARY, DT_F_SHIFT, DT_F_SHXD,
	DT_F_MULDIV, DT_F_BT, DT_F_BITSCAN, DT_F_XCHG, DT_F_COND, DT_F_CRC32,
	DT_F_BMI, DT_F_ADX, DT_F_STACK, DT_F_STRING,
	DT_F_SSE, DT_F_AVX, DT_F_AVX512, DT_F_X87,	/* difftest_vec*.c */
	DT_NFAMILY
};

struct dt_family_info {
	const char *name;
	unsigned weight;	/* relative share of the cases */
};

extern const struct dt_family_info dt_families[DT_NFAMILY];

enum dt_enc {
	DT_ENC_MODRM,		/* legacy opcode, ModRM memory operand */
	DT_ENC_VEX,		/* VEX (3-byte), ModRM memory operand */
	DT_ENC_MOFFS,		/* A0-A3 with a 64-bit absolute address */
	DT_ENC_STRING,		/* no explicit operand: rsi/rdi */
	DT_ENC_VEC,		/* a vector/x87 family: difftest_vec*.c picks the form */
};

/* What the instruction does to its memory operand. */
enum dt_access {
	DT_R,			/* reads only */
	DT_W,			/* always writes, does not read */
	DT_RW,			/* reads and always writes */
	DT_CW,			/* reads; writes iff ZF=1 after (CMPXCHG*) */
	DT_RWC,			/* reads; writes unless the count is 0, when the value
				   stays the same anyway, so taken as DT_RW (SHLD, SHRD) */
};

enum dt_imm {
	DT_IMM_NONE,
	DT_IMM8,		/* one byte */
	DT_IMM_OP,		/* 1, 2 or 4 bytes by operand size (4 for 64-bit) */
};

#define DT_REG		0xff	/* form.digit: ModRM.reg is a register operand */
#define DT_MS_OP	0	/* form.msize: memory size = operand size */

/* form.flags */
#define DT_LOCK		0x01	/* LOCK allowed */
#define DT_CC		0x02	/* opcode + condition code 0..15; name + cc name */
#define DT_SUFFIX	0x04	/* name + b/w/d/q by operand size (strings) */
#define DT_D64		0x08	/* 64-bit by default: no REX.W needed (push, pop, call, jmp) */
#define DT_VVVV		0x10	/* VEX.vvvv is a register operand */

/* form.cpu: CPU features the form needs */
#define DT_CPU_BMI1	0x01
#define DT_CPU_BMI2	0x02
#define DT_CPU_ADX	0x04
#define DT_CPU_MOVBE	0x08
#define DT_CPU_SSE42	0x10
#define DT_CPU_POPCNT	0x20
#define DT_CPU_CX16	0x40
#define DT_CPU_AVX	0x80	/* AVX and the OS saves the state (XCR0) */
#define DT_CPU_AVX512	0x100	/* AVX-512 F BW DQ VL and the OS saves the state */
#define DT_CPU_XSAVE	0x200	/* XSAVE enabled by the OS */
#define DT_NCPU		10

struct dt_case;
struct dt_result;
struct dt_native;
struct dt_native_in;
typedef void dt_setup_fn(struct dt_case *c, struct dt_rng *r);

struct dt_form {
	const char *name;	/* Zydis' mnemonic (see DT_CC, DT_SUFFIX) */
	uint8_t family;		/* enum dt_family */
	uint8_t enc;		/* enum dt_enc */
	uint8_t map;		/* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opc;
	uint8_t sizes;		/* operand sizes allowed: bit mask of 1, 2, 4, 8 */
	uint8_t digit;		/* ModRM.reg: /digit 0..7, or DT_REG */
	uint8_t msize;		/* memory operand bytes, or DT_MS_OP */
	uint8_t access;		/* enum dt_access */
	uint8_t imm;		/* enum dt_imm */
	uint8_t pfx;		/* mandatory prefix 0x66/0xf2/0xf3, or VEX.pp 0..3 */
	uint8_t flags;		/* DT_LOCK ... */
	uint16_t cpu;		/* DT_CPU_* */
	dt_setup_fn *setup;	/* tunes operands and state, or NULL */
};

#define DT_MAX_FORMS	512

extern const struct dt_form dt_forms[];
extern const unsigned dt_nforms;

/* Zydis' condition code names, in encoding order (o no b nb z ...). */
extern const char *const dt_cc_names[16];

/* ---- a case (difftest_gen.c) ---- */

/* An instruction to encode, in both forms (difftest_enc.c). */
struct dt_insn {
	uint8_t seg;		/* segment override prefix (0x64 fs, 0x65 gs, ...) or 0 */
	uint8_t a32;		/* 0x67 or 0 */
	uint8_t lock;		/* 0xf0 or 0 */
	uint8_t opsize_pfx;	/* 0x66 or 0 */
	uint8_t rep;		/* 0xf2, 0xf3 (mandatory or REP) or 0 */
	uint8_t rex;		/* 0, or 0x40 | W R X B */
	uint8_t xb;		/* REX.X (2) and REX.B (1) of an addressing form (REX or VEX) */
	uint8_t vex;		/* 1: VEX-encoded */
	uint8_t vex_w, vex_pp, vex_vvvv;
	uint8_t enc;		/* enum dt_enc */
	uint8_t map;
	uint8_t opc;
	uint8_t reg;		/* ModRM.reg, 0..15 (bit 3 goes to REX.R / VEX.R) */
	uint8_t imm_len;
	uint64_t imm;
	int64_t disp;		/* the map address the instruction names; with
				   addr.on, the displacement (or moffs) */
};

#define DT_CODE_MAX	16

struct dt_code {
	uint8_t b[DT_CODE_MAX];
	unsigned len;
};

/*
 * Memory outside the map: the stack (first half) and string buffers
 * (second), in the JIT mapping (difftest_native.c).
 */
#define DT_SCRATCH_SIZE		1024
#define DT_STACK_MID		256
#define DT_STRING_MID		768
extern uint8_t *dt_scratch;

/* dt_case.str_map */
#define DT_STR_RSI	1
#define DT_STR_RDI	2

/*
 * Where the native run's map image is (difftest_jit.h): in the data page
 * (the plain [disp32] cases, the vector families), or right after a guard
 * page (IMG_LO) or right before one (IMG_HI), so that an access below or
 * above the map faults natively as it would next to page 0's map.
 */
enum dt_img { DT_IMG_DATA, DT_IMG_LO, DT_IMG_HI };

/* dt_addr.shape */
enum dt_shape {
	DT_SH_ABS,		/* [disp32] (SIB, no base, no index) */
	DT_SH_BASE,		/* [base + disp] */
	DT_SH_BASE_INDEX,	/* [base + index*scale + disp] */
	DT_SH_INDEX,		/* [index*scale + disp32] (SIB, no base) */
	DT_SH_RIP,		/* [rip + disp32] */
	DT_SH_MOFFS,		/* A0-A3 moffs (4 bytes with 0x67, else 8) */
	DT_NSHAPE
};

/* dt_addr.carrier: what adds the native image's address natively */
enum dt_carrier { DT_CA_BASE, DT_CA_INDEX, DT_CA_DISP, DT_CA_SEG };

#define DT_NOREG	0xff

/*
 * An addressing form (difftest_addr.c).  The emulator's state and the
 * native state differ in exactly one value, the carrier, by the native
 * image's address B: the base register (+B), the index register
 * (+B/scale), the displacement or moffs (+B), or the fs/gs base (+B).
 * Everything else, the instruction bytes included (but for a carried
 * displacement), is the same, so the native run computes the same
 * address B higher, with the same wrap at the address size.
 */
struct dt_addr {
	bool on;		/* the case uses this form, not the plain [disp32] */
	uint8_t shape;		/* enum dt_shape */
	uint8_t base, index;	/* register numbers, or DT_NOREG */
	uint8_t scale;		/* 1, 2, 4, 8 */
	uint8_t disp_size;	/* 0, 1 or 4 bytes */
	uint8_t carrier;	/* enum dt_carrier */
	int64_t native_disp;	/* the displacement (moffs) of the native form */
	uint64_t native_fs, native_gs;	/* the bases the native run sets (with seg) */
	uint64_t lin;		/* linear address of the access, as the emulator sees it */
	bool wrap32;		/* 0x67 and the 64-bit sum differs from the 32-bit one */
	bool far;		/* lin + B is not canonical: the CPU raises #GP */
};
struct dt_case {
	uint64_t num;
	const struct dt_form *form;
	struct dt_insn insn;
	unsigned opsize;	/* operand size in bytes */
	unsigned cc;		/* condition code (DT_CC forms) */
	unsigned mem_off;	/* map bytes the explicit memory operand accesses */
	unsigned mem_size;	/* ... (0: strings) */
	/* input state as the emulated program sees it (rip set when run) */
	struct regmap_cpu in;
	uint64_t flags_ok;	/* rflags bits the native run may load */
	uint64_t flags_virt;	/* rflags bits only the emulator gets (TF AC ID, DF):
				   no instruction here changes them */
	/* addressing (difftest_addr.c) */
	uint8_t img;		/* enum dt_img */
	struct dt_addr addr;
	/* strings */
	uint8_t str_map;	/* DT_STR_*: pointers into the map */
	bool str_rep0;		/* REP with rcx = 0: no access at all */
	bool str_segbase;	/* the fs/gs base carries the image address (map-side rsi) */
	/* stack and string families: initial contents of dt_scratch */
	bool scratch;
	uint8_t scratch_init[DT_SCRATCH_SIZE];
};

/* Form filter: NULL = all, else a family name or a mnemonic. */
bool dt_form_matches(const struct dt_form *f, const char *filter);
/* CPU features present (DT_CPU_*). */
unsigned dt_cpu_features(void);

/*
 * Set up the generator: forms allowed by filter and cpu.  Returns the
 * number of forms enabled.
 */
unsigned dt_gen_init(const char *filter, unsigned cpu);
void dt_generate(struct dt_case *c, uint64_t seed, uint64_t num);

/* Helpers for the setup functions (difftest_gen.c). */
uint64_t dt_rand_value(struct dt_rng *r);
unsigned dt_rand_off(struct dt_rng *r, unsigned size);
void dt_img_put(struct regmap_cpu *cpu, unsigned off, uint64_t val, unsigned size);
uint64_t dt_img_get(const struct regmap_cpu *cpu, unsigned off, unsigned size);
void dt_sanitize(struct dt_case *c);

/* Setup functions (difftest_setup.c, difftest_memfam.c). */
dt_setup_fn dt_su_count_imm, dt_su_count_cl, dt_su_div, dt_su_idiv,
	dt_su_btreg, dt_su_zero_src, dt_su_cmpxchg, dt_su_cx8, dt_su_cx16,
	dt_su_bextr, dt_su_bzhi, dt_su_shiftx, dt_su_stack, dt_su_branch,
	dt_su_string;

/* ---- addressing forms (difftest_addr*.c) ---- */

/*
 * Turn some of the generated cases into an addressing form: registers,
 * scale, displacement, 0x67, fs/gs base, and where the access lands
 * (inside the map, partly outside, outside, not canonical).
 */
void dt_addr_plan(struct dt_case *c, struct dt_rng *r);
/* The string instructions' share of it (difftest_addr_str.c). */
void dt_addr_string(struct dt_case *c, struct dt_rng *r);
/* Where an access of size bytes at lin lies: 0 inside the map, 1 partly, 2 outside. */
unsigned dt_map_class(uint64_t lin, unsigned size);
/* The fewest bytes a CPU reads for c's access (Intel and AMD differ for some). */
unsigned dt_min_access(const struct dt_case *c);
/* Emit ModRM, SIB and displacement of an addressing form (native: its native_disp; difftest_enc.c). */
void dt_addr_emit(const struct dt_case *c, bool native, struct dt_code *out);
/*
 * The native run's input for a case whose image is at buf: the carrier B
 * higher (map-side string pointers too), and the fs/gs bases to set.
 */
void dt_addr_native_state(const struct dt_case *c, uint64_t buf, struct dt_native_in *nin,
			  uint64_t gpr[16]);
/* The expected GPRs from the native ones (false: the carrier changed, a harness error). */
bool dt_addr_expected_gpr(const struct dt_case *c, uint64_t buf, const uint64_t nat_in[16],
			  const struct dt_native *n, uint64_t gpr[16]);
/* The status the plan's access gets: OK (inside), PARTIAL or NOT_MAP. */
enum regmap_emu_status dt_addr_status(const struct dt_case *c);
/* The emulator's status for a native page fault at cr2 (PARTIAL or NOT_MAP), and its fault address. */
enum regmap_emu_status dt_addr_fault(const struct dt_case *c, uint64_t buf, uint64_t cr2,
				     uint64_t *fault_addr);
/* Count what a case covered, and print the counts (one line). */
void dt_addr_count(const struct dt_case *c, const struct dt_result *res);
void dt_addr_print_coverage(void);

/* ---- encoding (difftest_enc.c) ---- */

/*
 * The emulated form: memory operand [disp32] absolute (SIB, no base, no
 * index), or moffs64 = disp.  The native form: 3E prefix and rip-relative
 * to buf + disp for an instruction at addr, or moffs64 = buf + disp.
 * Both have the same length.  A case with an addressing form (c->addr.on)
 * is encoded by dt_encode_case(): the same bytes both ways but for a
 * carried displacement.
 */
void dt_encode(const struct dt_insn *in, struct dt_code *out);
void dt_encode_native(const struct dt_insn *in, uint64_t addr, uint64_t buf,
		      struct dt_code *out);
void dt_encode_case(const struct dt_case *c, bool native, uint64_t addr, uint64_t buf,
		    struct dt_code *out);

/* ---- the native run (difftest_native.c) ---- */

enum dt_fault {
	DT_FAULT_NONE,
	DT_FAULT_DE,		/* SIGFPE at the instruction */
	DT_FAULT_GP,		/* SIGSEGV (#GP) or SIGBUS (#SS), SI_KERNEL at the instruction */
	DT_FAULT_OTHER,		/* anything else: a bug in difftest or a missing CPU feature */
	DT_FAULT_PF,		/* (faults_ok) a page fault of a data access at the instruction */
};

/* A native run's input besides the code. */
struct dt_native_in {
	const uint64_t *gpr;	/* 16 GPRs */
	uint64_t rflags;
	const uint8_t *img;	/* the map image, REGMAP_MAP_SIZE bytes ... */
	uint64_t buf;		/* ... put here: dt_native_image() */
	bool segs;		/* set the fs and gs bases around the instruction */
	uint64_t fs_base, gs_base;
	/*
	 * A page fault of the instruction's data access is a result
	 * (DT_FAULT_PF), and so is a jump to an address where no code is
	 * (jumped: the registers at the fault), not harness errors.
	 */
	bool faults_ok;
};

struct dt_native {
	enum dt_fault fault;
	int signo, si_code;
	uint64_t fault_rip, fault_addr;
	uint64_t gpr[16];
	uint64_t rflags;
	bool landed;		/* control went to the landing pad */
	bool jumped;		/* control went to fault_rip, where no code is */
	uint8_t buf[REGMAP_MAP_SIZE];
	uint8_t scratch[DT_SCRATCH_SIZE];
};

/* 0 or -errno; *fixed: the mapping is at its usual address. */
int dt_native_init(bool *fixed);
uint64_t dt_native_insn_addr(unsigned len);	/* where an insn of len bytes runs */
uint64_t dt_native_buffer(void);		/* the map image the native insn addresses */
uint64_t dt_native_image(enum dt_img img);	/* ... of a case (dt_case.img) */
uint64_t dt_native_landing(void);		/* landing pad for CALL/JMP m */
void dt_native_run(const struct dt_code *code, const uint64_t gpr[16],
		   uint64_t rflags, const uint8_t img[REGMAP_MAP_SIZE],
		   struct dt_native *out);
void dt_native_run_in(const struct dt_code *code, const struct dt_native_in *in,
		      struct dt_native *out);

/* ---- expected state, emulator run, comparison (difftest_oracle.c) ---- */

struct dt_result {
	struct dt_code code, native_code;
	uint64_t addr;			/* A: where the instruction is */
	struct dt_native nat;
	/* expected */
	enum regmap_emu_status exp_status;
	bool exp_alt_not_map;		/* REGMAP_EMU_NOT_MAP + unchanged state is fine too */
	bool exp_fault;			/* PARTIAL, NOT_MAP: the emulator's fault_addr is ... */
	uint64_t exp_fault_addr;	/* ... this (the native fault address, or the plan's) */
	struct regmap_cpu exp;
	uint8_t written[REGMAP_MAP_SIZE];
	/* emulated */
	bool emu_ran;
	enum regmap_emu_status emu_status;
	struct regmap_emu_result emu_res;
	struct regmap_cpu emu;
	uint8_t emu_scratch[DT_SCRATCH_SIZE];
	/* verdict */
	const char *why;		/* NULL: passed */
	char harness[160];		/* harness error text, if why points here */
};

/*
 * The rip slot was written with a non-canonical address: the jump faults
 * (#GP at the instruction, nothing changed) as `jmp reg` does (oracle.c).
 */
void dt_expect_jump(const struct dt_case *c, struct dt_result *res);

/* Run case c both ways and compare. Returns true if it passed. */
bool dt_run_case(struct dt_case *c, struct dt_result *res);

/* ---- vector and x87 families (difftest_vec*.c) ---- */

/* Set up the emulator's vector path; 0 or -errno. */
int dt_vec_init(void);
/* dt_generate() for a DT_ENC_VEC row: pick a form of the family, state, operands. */
void dt_vec_generate(struct dt_case *c, struct dt_rng *r);
/*
 * Print a note for each vector form of the families filter selects that
 * the CPU cannot run; return how many forms that is.
 */
unsigned dt_vec_notes(const char *filter);
/* dt_run_case() for DT_ENC_VEC cases (compares the vector/x87 state too). */
bool dt_vec_run_case(struct dt_case *c, struct dt_result *res);

/* ---- reporting (difftest_report.c) ---- */

/* Cross-check the emulated form with Zydis; NULL or a message in buf. */
const char *dt_zydis_check(const struct dt_case *c, const struct dt_code *code,
			   char *buf, size_t size);
void dt_print_case(const struct dt_case *c, const struct dt_result *res,
		   const char *replay);
const char *dt_status_name(enum regmap_emu_status st);

#endif /* REGMAP_DIFFTEST_H */
