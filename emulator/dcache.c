/*
 * The decode cache's core, shared by regmap-run (supervisor/cache.c) and
 * libregmap (src/lib_cache.c): one entry holds a decoded instruction and
 * the rip it was decoded at, and answers for exactly that instruction.
 *
 * The key is the rip and the instruction's own bytes (kept inside the
 * decoded instruction), compared with the bytes just read at rip: code
 * that changed at the same address (a JIT, dlclose and a new mapping,
 * exec) is decoded afresh, never run from a stale decode, and one entry
 * can serve every process, since the result depends on the bytes alone.
 *
 * How many entries there are, who may touch an entry when, and what a
 * lookup returns are the callers' business: regmap-run has one thread and
 * a large table; libregmap runs in signal handlers of many threads and
 * guards each entry with a try-lock.  Pure, like the rest of emulator/.
 */
#include <string.h>

#include "emu_internal.h"

static bool emu_dcache_match(const struct regmap_emu_dcache_entry *e, uint64_t rip,
			     const uint8_t *bytes, size_t n)
{
	const struct emu_insn *insn = (const struct emu_insn *)e->insn.opaque;

	return e->valid && e->rip == rip && insn->len && insn->len <= n &&
	       !memcmp(insn->bytes, bytes, insn->len);
}

enum regmap_emu_status regmap_emu_dcache_get(struct regmap_emu_dcache_entry *e,
					     uint64_t rip, const uint8_t *bytes,
					     size_t n, bool *hit)
{
	enum regmap_emu_status st;

	*hit = emu_dcache_match(e, rip, bytes, n);
	if (*hit)
		return REGMAP_EMU_OK;
	st = regmap_emu_decode(&e->insn, bytes, n);
	/* an unsupported instruction is decoded for messages, not kept */
	e->valid = st == REGMAP_EMU_OK;
	e->rip = rip;
	return st;
}
