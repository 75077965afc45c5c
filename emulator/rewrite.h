/*
 * regmap rewriter: native code for constant-address map sites.
 *
 * An instruction whose map operand is a constant address ([disp32] or
 * moffs, no base, index, rip or fs:/gs:) reaches the same map bytes every
 * time it runs, so after its first trap it can be replaced by native code
 * with exactly the effect regmap(7) gives it.  This module plans that
 * replacement; the appliers (regmap-run, libregmap) write it into the
 * program.  doc/REWRITE.md has the design: the rewrite kinds, the stub
 * conventions, the rewind rule for faults inside planted code, and how
 * both appliers use this interface.
 *
 * Like the emulator it is pure: no system calls, no allocation, no
 * global state; safe in a signal handler and in several threads.
 */
#ifndef REGMAP_REWRITE_H
#define REGMAP_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "emu.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A stub slot: REGMAP_RW_STUB_MAX bytes, aligned to REGMAP_RW_STUB_MAX,
 * within +-2 GiB of the site.  The slot holds the stub's code, int3 fill
 * and, in its last REGMAP_RW_TRAILER bytes, a description of the stub
 * (regmap_rw_slot_fixup()).
 */
#define REGMAP_RW_STUB_MAX	256
#define REGMAP_RW_TRAILER	64

/* The System V red zone, which planted code never touches. */
#define REGMAP_RW_RED_ZONE	128

enum regmap_rw_kind {
	REGMAP_RW_TRAP = 0,	/* keep trapping: the emulator serves the site (see reason) */
	REGMAP_RW_INPLACE,	/* the site's bytes become one native instruction and a NOP */
	REGMAP_RW_STUB,		/* the site becomes jmp rel32 + NOPs to a stub */
};

enum regmap_rw_reason {
	REGMAP_RW_OK = 0,
	REGMAP_RW_BAD_INSN,	/* did not decode, or the emulator does not support it */
	REGMAP_RW_NOT_CONST,	/* no constant map address: base/index/rip/fs/gs, strings */
	REGMAP_RW_NOT_IN_MAP,	/* the constant address is not entirely inside the map */
	REGMAP_RW_VECTOR,	/* vector and x87 instructions are not rewritten */
	REGMAP_RW_BITSTRING,	/* BT* m, r: the word reached depends on the register */
	REGMAP_RW_ALIGN16,	/* CMPXCHG16B needs a 16-byte aligned copy of the map bytes */
	REGMAP_RW_FAR,		/* far CALL/JMP, or a near one the emulator refuses */
	REGMAP_RW_RIP_REG,	/* writes rip and a register (XADD, partial XCHG): a
				   non-canonical target could not be undone */
	REGMAP_RW_ENCODING,	/* an encoding the rewriter does not re-encode (EVEX, XOP) */
	REGMAP_RW_NO_STUB,	/* needs a stub but none was offered (stub address 0) */
	REGMAP_RW_STUB_RANGE,	/* the stub is not within +-2 GiB of the site, or misaligned */
	REGMAP_RW_STUB_SIZE,	/* the stub would not fit in its slot */
	REGMAP_RW_NREASONS
};

/* plan->map_access */
#define REGMAP_RW_READ		1
#define REGMAP_RW_WRITE		2

/*
 * A rewind point: an instruction of the planted code that can fault
 * while the thread's state is the site's except rip and rsp (and
 * possibly one register saved in the stub's frame).  See
 * regmap_rw_rewind_at().
 */
struct regmap_rw_rewind {
	uint8_t in_stub;	/* off counts from the stub slot (1) or the site (0) */
	uint8_t off;		/* offset of the instruction */
	uint16_t rsp_add;	/* rsp at the site = rsp at the fault + rsp_add */
	uint8_t reg;		/* register to reload first (0..15), or REGMAP_RW_NOREG */
	uint8_t reg_off;	/* ... from the 8 bytes at rsp + reg_off (rsp at the fault) */
};

#define REGMAP_RW_NOREG		0xff

/*
 * plan->exits: a stub that leaves with RET or IRETQ (to a computed rip,
 * or to set rflags) returns to an address no CALL pushed, which a
 * shadow stack (CET) refuses: an applier for a thread with shadow
 * stacks enabled keeps such sites trapping.
 */
#define REGMAP_RW_EXIT_RET	1
#define REGMAP_RW_EXIT_IRET	2
#define REGMAP_RW_MAX_REWIND	12

struct regmap_rw_plan {
	enum regmap_rw_kind kind;
	enum regmap_rw_reason reason;	/* REGMAP_RW_OK unless kind is REGMAP_RW_TRAP */
	uint64_t site;			/* the site's address, as given */
	uint64_t stub;			/* the stub slot's address (REGMAP_RW_STUB only) */
	uint8_t len;			/* the original instruction's length: bytes replaced */
	uint8_t orig[REGMAP_EMU_MAX_INSN];	/* the original instruction */
	uint8_t bytes[REGMAP_EMU_MAX_INSN];	/* what to write over the site (len bytes) */
	uint8_t map_off;		/* map bytes the site reads or writes: */
	uint8_t map_len;		/* [map_off, map_off + map_len) */
	uint8_t map_access;		/* REGMAP_RW_READ | REGMAP_RW_WRITE */
	uint16_t stub_len;		/* bytes of code in the slot (0 if none) */
	/*
	 * Bytes below the thread's rsp at the site that the planted code
	 * may change besides what the instruction itself writes (its frame
	 * below the red zone): 0 for in-place replacements.
	 */
	uint16_t stack_below;
	uint8_t exits;			/* REGMAP_RW_EXIT_*: how the stub may leave */
	uint8_t nrewind;
	struct regmap_rw_rewind rewind[REGMAP_RW_MAX_REWIND];
	uint8_t slot[REGMAP_RW_STUB_MAX];	/* REGMAP_RW_STUB: the whole slot to write */
};

/*
 * What regmap_rw_plan() would decide for insn, without addresses (cheap:
 * no encoding).  Returns the kind; *reason (may be NULL) gets the reason
 * for REGMAP_RW_TRAP and REGMAP_RW_OK otherwise.  A stub plan can still
 * fail later for REGMAP_RW_STUB_RANGE or REGMAP_RW_STUB_SIZE.
 */
enum regmap_rw_kind regmap_rw_classify(const struct regmap_emu_insn *insn,
				       enum regmap_rw_reason *reason);

/*
 * Plan the rewrite of insn (from regmap_emu_decode() of the bytes at
 * site) for a site at address site and, if a stub is needed, a slot at
 * address stub (aligned to REGMAP_RW_STUB_MAX, within +-2 GiB of site;
 * 0 if none is available yet).  Fills *plan and returns plan->kind.
 * Everything the plan's bytes depend on is in the plan: write
 * plan->slot to the stub first (REGMAP_RW_STUB), then plan->bytes over
 * the site.
 */
enum regmap_rw_kind regmap_rw_plan(const struct regmap_emu_insn *insn,
				   uint64_t site, uint64_t stub,
				   struct regmap_rw_plan *plan);

/*
 * How to turn a thread that faulted inside planted code back into the
 * thread at the site: reload reg (if not REGMAP_RW_NOREG) from the 8
 * bytes at reg_addr, add rsp_add to rsp, set rip to site; then emulate
 * the original instruction orig[0..len) from that state, exactly as if
 * the site had trapped.
 */
struct regmap_rw_fixup {
	uint64_t site;
	uint8_t len;
	uint8_t orig[REGMAP_EMU_MAX_INSN];
	uint64_t rsp_add;
	uint8_t reg;
	uint64_t reg_addr;
};

/*
 * Is rip (of a thread whose rsp is rsp) a rewind point of plan?  Only
 * a real fault there (SIGSEGV, SIGBUS, SIGFPE with si_code > 0) may be
 * rewound.
 */
bool regmap_rw_rewind_at(const struct regmap_rw_plan *plan, uint64_t rip,
			 uint64_t rsp, struct regmap_rw_fixup *fix);

/*
 * The same from a stub slot's own bytes (its trailer), for an applier
 * that knows rip is inside one of its stub slots but keeps no table:
 * slot holds the REGMAP_RW_STUB_MAX bytes at slot_addr.  False if the
 * slot has no valid trailer or rip is not a rewind point.
 */
bool regmap_rw_slot_fixup(const uint8_t *slot, uint64_t slot_addr, uint64_t rip,
			  uint64_t rsp, struct regmap_rw_fixup *fix);

/* A short English description of a reason ("the address is not constant", ...). */
const char *regmap_rw_reason_str(enum regmap_rw_reason reason);

#ifdef __cplusplus
}
#endif

#endif /* REGMAP_REWRITE_H */
