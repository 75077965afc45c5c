/*
 * Fastops: let the CPU compute results and flags (doc/DESIGN.md, 5.3).
 *
 * A fastop stub is a few instructions of assembly ending in ret that
 * execute the real instruction on register operands.  emu_fastop() loads
 * the registers and the arithmetic flags from a struct emu_fop, calls the
 * stub, and stores the registers and flags back, so results and flags
 * (undefined flags included) are exactly the CPU's.
 *
 * Stub register convention:
 *   rax  destination / first source (al, ax, eax, rax by size)
 *   rdx  second register (high half for MUL/DIV, extra source for 3-operand forms)
 *   rcx  count (shifts, rotates, shld/shrd use cl)
 *   rsi  source operand
 * Only the arithmetic flags (CF PF AF ZF SF OF) are loaded: TF, DF and AC
 * never reach the real RFLAGS.
 *
 * Stub tables are indexed by emu_fop_size_index(size): 1, 2, 4, 8 bytes
 * -> 0, 1, 2, 3.  A NULL entry means the size does not exist for that op.
 * Tables are declared with EMU_FOP_DECLARE(name) and defined in assembly
 * with the macros in fastop_macros.S as the symbol emu_fop_<name>.
 */
#ifndef REGMAP_FASTOP_H
#define REGMAP_FASTOP_H

#include <stdint.h>

struct emu_fop {
	uint64_t rax;
	uint64_t rdx;
	uint64_t rcx;
	uint64_t rsi;
	uint64_t flags;
};

/* Run stub with f's registers and arithmetic flags; write them back to f. */
void emu_fastop(const void *stub, struct emu_fop *f);

static inline unsigned emu_fop_size_index(unsigned size)
{
	return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

#define EMU_FOP_DECLARE(name) extern const void *const emu_fop_##name[4]

#endif /* REGMAP_FASTOP_H */
