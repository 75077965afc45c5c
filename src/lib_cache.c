/*
 * libregmap's decode cache, shared by all threads: LIB_CACHE_SIZE
 * entries keyed by rip and the instruction's bytes.  The entries and
 * their key are the emulator's (emulator/dcache.c, shared with
 * regmap-run); this file is the policy.
 *
 * Decoding with Zydis is the largest part of an emulated access after
 * the signal itself, and programs touch the map from a few hot
 * instructions.  A hit needs the bytes just read at rip to be the
 * cached instruction's, so code that changes (JITs, dlclose and a new
 * mapping at the same address) is decoded again.
 *
 * Each entry has a try-lock: a thread that finds it busy (another
 * thread, or a signal handler interrupting this thread's own lookup)
 * decodes without the cache instead of waiting, so the handler never
 * blocks.  The caller gets a copy, as the entry may change as soon as
 * the lock is released.
 */
#include <stdbool.h>

#include "lib_internal.h"

#define LIB_CACHE_BITS	6	/* 64 entries */

struct lib_cache_entry {
	atomic_flag busy;
	struct regmap_emu_dcache_entry d;
};

static struct lib_cache_entry lib_cache[1u << LIB_CACHE_BITS];

enum regmap_emu_status lib_decode_cached(struct regmap_emu_insn *insn, uint64_t rip,
					 const uint8_t *code, size_t len)
{
	struct lib_cache_entry *e = &lib_cache[regmap_emu_dcache_slot(rip, LIB_CACHE_BITS)];
	enum regmap_emu_status st;
	bool hit;

	if (atomic_flag_test_and_set_explicit(&e->busy, memory_order_acquire))
		return regmap_emu_decode(insn, code, len);
	st = regmap_emu_dcache_get(&e->d, rip, code, len, &hit);
	*insn = e->d.insn;
	atomic_flag_clear_explicit(&e->busy, memory_order_release);
	return st;
}
