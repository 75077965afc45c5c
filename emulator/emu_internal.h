/*
 * regmap emulator internals: the decoded-instruction form the handlers
 * see, the execution context, and the helpers every handler uses.
 *
 * Nothing here mentions Zydis: decode.c, table.c and vx_decode.c
 * translate Zydis' output into struct emu_insn, and the handlers (h_*.c)
 * work on that (doc/DESIGN.md, 5.1).
 *
 * Execution model (regmap(7), doc/DESIGN.md 5.2):
 *   - ctx->in is the state at the start of the instruction with rip
 *     already set to the next instruction; every register operand is
 *     read from it.
 *   - ctx->map is the map image: a copy of ctx->in's first 0x90 bytes.
 *     Map operands are read from and written to it, as if it were
 *     ordinary memory separate from the registers.
 *   - register results go to ctx->out (a copy of ctx->in).
 *   - when the handler returns REGMAP_EMU_OK, emu_commit() copies every
 *     map byte the instruction wrote over ctx->out (memory write last),
 *     masks the rflags slot to the user-modifiable bits, and the result
 *     becomes the new state.
 */
#ifndef REGMAP_EMU_INTERNAL_H
#define REGMAP_EMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "emu.h"

/* Register ids in struct emu_operand: 0..15 are the GPRs (map order). */
#define EMU_REG_AH	16	/* AH CH DH BH: 16 + (0..3), bits 8..15 of gpr[0..3] */
#define EMU_REG_RIP	20	/* base register of rip-relative operands */
#define EMU_REG_NONE	0xff

enum emu_opkind {
	EMU_OP_NONE = 0,
	EMU_OP_REG,		/* a general-purpose register */
	EMU_OP_MEM,		/* an explicit memory operand */
	EMU_OP_IMM,		/* an immediate */
};

enum emu_seg {
	EMU_SEG_NONE = 0,	/* cs/ds/es/ss: base 0 in 64-bit mode */
	EMU_SEG_FS,
	EMU_SEG_GS,
};

struct emu_operand {
	uint8_t kind;		/* enum emu_opkind */
	uint8_t size;		/* operand size in bytes (1, 2, 4, 8, 16) */
	uint8_t reg;		/* REG: register id */
	uint8_t base;		/* MEM: register id, EMU_REG_RIP or EMU_REG_NONE */
	uint8_t index;		/* MEM: register id or EMU_REG_NONE */
	uint8_t scale;		/* MEM: 1, 2, 4, 8 (0 if no index) */
	uint8_t seg;		/* MEM: enum emu_seg */
	uint8_t pad;
	int64_t disp;		/* MEM: displacement, sign-extended */
	uint64_t imm;		/* IMM: value sign- or zero-extended to 64 bits as the CPU does */
};

/* insn->prefix bits */
#define EMU_PFX_LOCK	0x01
#define EMU_PFX_REP	0x02	/* F3: REP / REPE / REPZ */
#define EMU_PFX_REPNE	0x04	/* F2: REPNE / REPNZ */

#define EMU_MAX_OPS	4

/*
 * The vector path's re-encoded instruction (vx_decode.c): its memory
 * operand is [rip + disp32] with the disp32 at code[disp_at], patched per
 * call to reach the stub slot's data buffer (vx_exec.c).
 */
struct emu_vx {
	uint8_t code[15];
	uint8_t len;
	uint8_t disp_at;	/* offset of the disp32 in code[] */
	uint8_t xfeat;		/* XSAVE components the instruction needs (RFBM) */
	uint8_t align;		/* required alignment of the memory operand, 1 if none */
	uint8_t flags;		/* EMU_VX_* */
	uint8_t kreg;		/* EVEX opmask register, 0 if none */
	uint8_t nelem;		/* ... and the elements it selects from */
};

#define EMU_VX_READ	0x01	/* reads its memory operand */
#define EMU_VX_WRITE	0x02	/* always writes all of it */
#define EMU_VX_CWRITE	0x04	/* may write part of it (masked stores): changed bytes only */
#define EMU_VX_X87	0x08	/* x87 or MMX: waits for pending x87 exceptions */
#define EMU_VX_FIP	0x10	/* x87: updates FIP/FDP */
#define EMU_VX_LDMXCSR	0x20	/* (V)LDMXCSR: reserved bits raise #GP */
#define EMU_VX_NOMX	0x40	/* (V)LDMXCSR, (V)STMXCSR: run with the real MXCSR */

/*
 * Where the parts of the instruction lie in its bytes, from Zydis' raw
 * view (decode.c), for re-encoding it with another operand (rw_*.c).
 * Legacy prefixes and REX occupy bytes[0, pfx_len); a VEX prefix, if
 * any, starts at pfx_len; then the opcode escapes (0F, 0F 38, 0F 3A by
 * map) and the opcode byte, ModRM, SIB, displacement and immediate.
 */
struct emu_raw {
	uint8_t pfx_len;	/* bytes of legacy prefixes and REX before the opcode or VEX */
	uint8_t rex;		/* the effective REX byte, 0 if none */
	uint8_t vex;		/* EMU_RAW_LEGACY, EMU_RAW_VEX2, EMU_RAW_VEX3, EMU_RAW_OTHER */
	uint8_t map;		/* opcode map: 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
	uint8_t opc;		/* the opcode byte */
	uint8_t modrm_at;	/* offset of ModRM, 0xff if none (moffs) */
	uint8_t disp_at;	/* offset of the displacement or moffs address */
	uint8_t disp_len;	/* its bytes */
	uint8_t imm_at;		/* offset of the (first) immediate */
	uint8_t imm_len;	/* its bytes, 0 if none */
	uint8_t reg_op;		/* index in op[] of the operand in ModRM.reg, 0xff if none */
	uint8_t vvvv_op;	/* index in op[] of the operand in VEX.vvvv, 0xff if none */
};

#define EMU_RAW_LEGACY	0	/* no VEX/EVEX/XOP */
#define EMU_RAW_VEX2	2	/* C5 xx */
#define EMU_RAW_VEX3	3	/* C4 xx xx */
#define EMU_RAW_OTHER	0xff	/* EVEX, XOP, 3DNow!: not re-encoded */

struct emu_ctx;
typedef enum regmap_emu_status (*emu_handler_fn)(struct emu_ctx *ctx);

struct emu_insn {
	emu_handler_fn handler;	/* NULL: unsupported */
	const void *const *fop;	/* handler data: fastop stub table (see fastop.h), or NULL */
	uint16_t mnemonic;	/* Zydis mnemonic number, for messages and tables only */
	uint8_t variant;	/* handler data: which member of a family (see emu_handlers.h) */
	uint8_t len;		/* instruction length */
	uint8_t opsize;		/* effective operand size in bytes */
	uint8_t addr_size;	/* effective address size in bytes (8, or 4 with 0x67) */
	uint8_t nops;		/* explicit operands in op[] */
	uint8_t cond;		/* SETcc/CMOVcc/Jcc: condition 0..15 (low nibble of the opcode) */
	uint8_t prefix;		/* EMU_PFX_* */
	uint8_t seg;		/* segment override (enum emu_seg), for string sources */
	uint8_t mem;		/* index in op[] of the explicit memory operand, or 0xff */
	uint8_t pad;
	uint8_t bytes[16];	/* the raw bytes, for regmap_emu_format() */
	struct emu_operand op[EMU_MAX_OPS];
	struct emu_vx vx;	/* handler emu_h_vx only */
	struct emu_raw raw;	/* the encoding's layout, for the rewriter */
};

_Static_assert(sizeof(struct emu_insn) <= sizeof(struct regmap_emu_insn),
	       "struct regmap_emu_insn too small for struct emu_insn");

struct emu_ctx {
	const struct emu_insn *insn;
	const struct regmap_emu_mem *mem;
	struct regmap_emu_result *res;	/* never NULL inside handlers */
	struct regmap_cpu in;		/* state at start; in.rip = next instruction */
	struct regmap_cpu out;		/* registers written by the instruction */
	uint8_t map[REGMAP_MAP_SIZE];	/* the map image */
	uint64_t map_written[3];	/* bitmap: map bytes written */
	uint64_t ea;			/* effective address of op[insn->mem] */
	struct regmap_xstate *xs;	/* vector/x87 state (emu_h_vx), or NULL */
};

/* ---- registers (operand.c) ---- */

/* Read register id reg at size bytes (zero-extended). */
uint64_t emu_reg_get(const struct regmap_cpu *cpu, unsigned reg, unsigned size);
/* Write register id reg at size bytes with x86 rules: 4-byte writes zero the top half. */
void emu_reg_set(struct regmap_cpu *cpu, unsigned reg, unsigned size, uint64_t val);

/* ---- operands (operand.c) ---- */

/*
 * Effective address of memory operand op given the start-of-instruction
 * state (rip-relative uses ctx->in.rip, the next instruction).
 */
uint64_t emu_ea(const struct emu_ctx *ctx, const struct emu_operand *op);

/*
 * Read/write size bytes at address addr, which may be in the map or in the
 * target's other memory: entirely inside the map they use ctx->map
 * (recording the access for tracing); partly inside, they return
 * REGMAP_EMU_PARTIAL (ctx->res->fault_addr set); entirely outside, they go
 * through the memory callbacks (REGMAP_EMU_MEM_FAULT on failure).  For
 * string instructions.  The stack of push/pop/call is always real memory:
 * use emu_real_read/write for it.
 */
enum regmap_emu_status emu_mem_read(struct emu_ctx *ctx, uint64_t addr, void *buf, unsigned size);
enum regmap_emu_status emu_mem_write(struct emu_ctx *ctx, uint64_t addr, const void *buf, unsigned size);

/*
 * The target's real memory (never the map) through the callbacks:
 * the stack of push/pop/call, and the string instructions' memory
 * outside the map.  REGMAP_EMU_MEM_FAULT (fault_addr set) on failure.
 */
enum regmap_emu_status emu_real_read(struct emu_ctx *ctx, uint64_t addr, void *buf, unsigned size);
enum regmap_emu_status emu_real_write(struct emu_ctx *ctx, uint64_t addr, const void *buf, unsigned size);

/* Is [addr, addr+size) entirely inside the map / overlapping it at all? */
/*
 * A canonical address: bits 63..47 all equal.  A jump to one that is not
 * raises #GP at the jump itself (rip unchanged, nothing pushed).  (A CPU
 * with 5-level paging enabled accepts 57 bits; Linux maps user memory
 * above 2^47 only when asked to, and regmap treats 48 as the limit.)
 */
static inline bool emu_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static inline bool emu_in_map(uint64_t addr, uint64_t size)
{
	return addr < REGMAP_MAP_SIZE && size <= REGMAP_MAP_SIZE - addr;
}

static inline bool emu_touches_map(uint64_t addr, uint64_t size)
{
	return size && (addr < REGMAP_MAP_SIZE || addr + size - 1 < addr ||
			addr + size - 1 < REGMAP_MAP_SIZE);
}

/*
 * Read/write explicit operand i (register, immediate or memory; memory
 * uses ctx->ea) at the operand's size (up to 8 bytes).  Reads
 * zero-extend to 64 bits.  A memory operand must be in the map: these
 * return REGMAP_EMU_NOT_MAP if it does not touch the map at all and
 * REGMAP_EMU_PARTIAL if it is only partly inside.  Handlers propagate any
 * status other than REGMAP_EMU_OK unchanged, and read their map operand
 * before they write anything to the target's memory.
 *
 * emu_op_mem_read/write do the same for wider operands (CMPXCHG16B).
 */
enum regmap_emu_status emu_op_read(struct emu_ctx *ctx, unsigned i, uint64_t *val);
enum regmap_emu_status emu_op_write(struct emu_ctx *ctx, unsigned i, uint64_t val);
enum regmap_emu_status emu_op_mem_read(struct emu_ctx *ctx, void *buf, unsigned size);
enum regmap_emu_status emu_op_mem_write(struct emu_ctx *ctx, const void *buf, unsigned size);

/* Sign-extend the low size bytes of val. */
static inline uint64_t emu_sext(uint64_t val, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return size >= 8 ? val : (uint64_t)((int64_t)(val << sh) >> sh);
}

static inline uint64_t emu_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Evaluate condition code cc (0..15, the Jcc/SETcc/CMOVcc encoding) on rflags. */
bool emu_cond(uint64_t rflags, unsigned cc);

/* Replace the arithmetic flags of ctx->out with those in flags. */
static inline void emu_set_arith_flags(struct emu_ctx *ctx, uint64_t flags)
{
	ctx->out.rflags = (ctx->out.rflags & ~(uint64_t)REGMAP_FLAGS_ARITH) |
			  (flags & REGMAP_FLAGS_ARITH);
}

#endif /* REGMAP_EMU_INTERNAL_H */
