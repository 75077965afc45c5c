/*
 * A small decode cache for the handler, shared by all threads.
 *
 * Decoding with Zydis is the largest part of an emulated access after
 * the signal itself, and programs touch the map from a few hot
 * instructions.  An entry is keyed by rip and checked against the bytes
 * just read at rip, so code that changes (JITs, dlclose and a new mapping
 * at the same address) is decoded again.
 *
 * Each entry has a try-lock: a thread that finds it busy (another thread,
 * or a signal handler interrupting this thread's own lookup) decodes
 * without the cache instead of waiting, so the handler never blocks.
 */
#include <stdbool.h>
#include <string.h>

#include "lib_internal.h"

#define LIB_CACHE_SIZE	64	/* power of two */

struct lib_cache_entry {
	atomic_flag busy;
	bool valid;
	uint8_t len;
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
	uint64_t rip;
	struct regmap_emu_insn insn;
};

static struct lib_cache_entry lib_cache[LIB_CACHE_SIZE];

static unsigned lib_cache_hash(uint64_t rip)
{
	rip *= 0x9e3779b97f4a7c15ull;
	return rip >> 58;	/* top 6 bits: LIB_CACHE_SIZE entries */
}

_Static_assert(LIB_CACHE_SIZE == 64, "lib_cache_hash() takes 6 bits");

enum regmap_emu_status lib_decode_cached(struct regmap_emu_insn *insn, uint64_t rip,
					 const uint8_t *code, size_t len)
{
	struct lib_cache_entry *e = &lib_cache[lib_cache_hash(rip)];
	enum regmap_emu_status st;
	unsigned ilen;

	if (atomic_flag_test_and_set_explicit(&e->busy, memory_order_acquire))
		return regmap_emu_decode(insn, code, len);
	if (e->valid && e->rip == rip && e->len <= len && !memcmp(e->bytes, code, e->len)) {
		*insn = e->insn;
		atomic_flag_clear_explicit(&e->busy, memory_order_release);
		return REGMAP_EMU_OK;
	}
	st = regmap_emu_decode(insn, code, len);
	ilen = st == REGMAP_EMU_OK ? regmap_emu_insn_len(insn) : 0;
	if (ilen && ilen <= len && ilen <= sizeof(e->bytes)) {
		e->insn = *insn;
		e->rip = rip;
		e->len = ilen;
		memcpy(e->bytes, code, ilen);
		e->valid = true;
	}
	atomic_flag_clear_explicit(&e->busy, memory_order_release);
	return st;
}
