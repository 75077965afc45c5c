/*
 * The decode cache: a decoded instruction per (rip, instruction bytes).
 *
 * Decoding with Zydis costs about as much as one system call, and a
 * program that uses the map usually does so from a few hot loops.  The
 * bytes at rip are read again on every fault anyway (one
 * process_vm_readv), and a hit needs them to be equal to the cached
 * instruction's bytes: self-modifying code, a JIT reusing an address or
 * a new mapping after munmap/exec can never run a stale decode.  Because
 * the result depends only on the bytes, one cache serves every process
 * and thread; exec needs no flush.
 *
 * Direct-mapped, SUP_CACHE_SIZE entries; a collision replaces the entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sup_internal.h"

#define SUP_CACHE_SIZE	1024	/* a power of two */

struct sup_cache_entry {
	struct regmap_emu_insn insn;
	uint64_t rip;
	uint8_t len;		/* instruction length; 0: empty */
	uint8_t bytes[REGMAP_EMU_MAX_INSN];
};

struct sup_cache {
	struct sup_cache_entry e[SUP_CACHE_SIZE];
	struct regmap_emu_insn scratch;	/* for instructions we do not keep */
};

struct sup_cache *sup_cache_new(void)
{
	return calloc(1, sizeof(struct sup_cache));
}

void sup_cache_free(struct sup_cache *c)
{
	free(c);
}

static unsigned slot_of(uint64_t rip)
{
	/* code addresses differ in their low bits; fold in a little more */
	return (unsigned)((rip ^ (rip >> 10) ^ (rip >> 20)) & (SUP_CACHE_SIZE - 1));
}

const struct regmap_emu_insn *sup_cache_get(struct sup_cache *c, uint64_t rip,
					    const uint8_t *bytes, size_t n,
					    enum regmap_emu_status *status, bool *hit)
{
	struct sup_cache_entry *e = &c->e[slot_of(rip)];
	enum regmap_emu_status st;
	unsigned len;

	*hit = false;
	if (e->len && e->rip == rip && e->len <= n && !memcmp(e->bytes, bytes, e->len)) {
		*hit = true;
		*status = REGMAP_EMU_OK;
		return &e->insn;
	}
	st = regmap_emu_decode(&c->scratch, bytes, n);
	*status = st;
	if (st == REGMAP_EMU_UNSUPPORTED)
		return &c->scratch;	/* still good for regmap_emu_format() */
	if (st != REGMAP_EMU_OK)
		return NULL;
	len = regmap_emu_insn_len(&c->scratch);
	if (!len || len > REGMAP_EMU_MAX_INSN || len > n)
		return &c->scratch;
	e->insn = c->scratch;
	e->rip = rip;
	e->len = len;
	memcpy(e->bytes, bytes, len);
	return &e->insn;
}
