/*
 * regmap-run's decode cache: a decoded instruction per (rip, instruction
 * bytes), SUP_CACHE_SIZE entries, direct-mapped (a collision replaces the
 * entry).  The entries and their key are the emulator's
 * (emulator/dcache.c, shared with libregmap); this file is the policy.
 *
 * Decoding with Zydis costs about as much as one system call, and a
 * program that uses the map usually does so from a few hot loops.  The
 * bytes at rip are read again on every fault anyway (one
 * process_vm_readv), and a hit needs them to equal the cached
 * instruction's bytes, so a stale decode never runs and exec needs no
 * flush.  regmap-run has one thread: no locking, and the entry itself
 * is handed out.
 */
#include <stdlib.h>

#include "sup_internal.h"

#define SUP_CACHE_BITS	10	/* 1024 entries */

struct sup_cache {
	struct regmap_emu_dcache_entry e[1u << SUP_CACHE_BITS];
};

struct sup_cache *sup_cache_new(void)
{
	return calloc(1, sizeof(struct sup_cache));
}

void sup_cache_free(struct sup_cache *c)
{
	free(c);
}

const struct regmap_emu_insn *sup_cache_get(struct sup_cache *c, uint64_t rip,
					    const uint8_t *bytes, size_t n,
					    enum regmap_emu_status *status, bool *hit)
{
	struct regmap_emu_dcache_entry *e = &c->e[regmap_emu_dcache_slot(rip, SUP_CACHE_BITS)];

	*status = regmap_emu_dcache_get(e, rip, bytes, n, hit);
	/* UNSUPPORTED: still good for regmap_emu_format() */
	return *status == REGMAP_EMU_OK || *status == REGMAP_EMU_UNSUPPORTED ? &e->insn : NULL;
}
