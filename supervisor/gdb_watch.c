/*
 * Watchpoints (Z2 write, Z3 read, Z4 access).
 *
 * On the map (addresses 0x0-0x8f) they are exact: every map access is
 * emulated, and the emulator lists the map bytes each instruction read
 * and wrote (struct regmap_emu_result).  sup_gdb_access() compares them
 * with the watched ranges after each emulated instruction; the stop is
 * reported after the instruction completed, in the thread that made the
 * access.  A native instruction on the same register is not a map access
 * and is not seen.
 *
 * On ordinary memory they use the debug registers (DR0-DR3 with DR7,
 * through PTRACE_POKEUSER): a range is split into aligned pieces of 1, 2,
 * 4 or 8 bytes, one register each.  The CPU has no read-only data
 * breakpoint, so a read watchpoint watches reads and writes and is only
 * reported when the value did not change.  Every thread of the process
 * gets the same registers, each before it next runs (drgen).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "gdb.h"

#define DR_OFF(i)	offsetof(struct user, u_debugreg[i])
#define DR_RW_WRITE	1
#define DR_RW_ACCESS	3

bool sup_gdb_watched(struct sup_session *s, unsigned off, unsigned len)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; g && i < g->nwatch; i++)
		if (g->watch[i].map && g->watch[i].addr < off + len &&
		    off < g->watch[i].addr + g->watch[i].len)
			return true;
	return false;
}

void sup_gdb_access(struct sup_session *s, pid_t tid, const struct regmap_emu_result *res)
{
	struct sup_gdb *g = s->gdb;

	if (!g->nwatch || (g->state != GDB_RUNNING && g->state != GDB_RESUMING) ||
	    !gdb_is_member(s, tid))
		return;
	for (unsigned a = 0; a < res->naccess; a++) {
		const struct regmap_emu_access *acc = &res->access[a];

		for (unsigned i = 0; i < g->nwatch; i++) {
			const struct gdb_watch *w = &g->watch[i];

			if (!w->map || (w->type == 2 && !acc->write) || (w->type == 3 && acc->write))
				continue;
			if (w->addr < (uint64_t)acc->offset + acc->size &&
			    acc->offset < w->addr + w->len) {
				g->hit_tid = tid;
				g->hit_addr = w->addr > acc->offset ? w->addr : acc->offset;
				g->hit_type = w->type;
				return;
			}
		}
	}
}

/* Aligned pieces of [addr, addr + len), at most max; the count, or -1. */
static int split(uint64_t addr, uint64_t len, uint64_t *pa, uint8_t *pl, int max)
{
	int n = 0;

	for (uint64_t a = addr; a < addr + len;) {
		uint8_t size = 8;

		while (size > 1 && (a % size || a + size > addr + len))
			size /= 2;
		if (n == max)
			return -1;
		pa[n] = a;
		pl[n++] = size;
		a += size;
	}
	return n;
}

int gdb_watch_insert(struct sup_session *s, int type, uint64_t addr, uint64_t len)
{
	struct sup_gdb *g = s->gdb;
	struct gdb_watch w = { .addr = addr, .len = len, .type = type };
	uint64_t pa[GDB_NDR];
	uint8_t pl[GDB_NDR];
	int n, free_drs = 0;

	if (!len || addr + len < addr)
		return -EINVAL;
	if (g->nwatch == GDB_MAX_WATCH)
		return -ENOSPC;
	if (addr < REGMAP_MAP_SIZE) {
		if (len > REGMAP_MAP_SIZE - addr)
			return -EINVAL;	/* partly outside the map: no such access exists */
		/* a rewritten site would not trap: its original instruction back */
		if (sup_rw_revert_offsets(s, gdb_current(s), addr, len) < 0)
			return -EPERM;
		w.map = true;
		g->watch[g->nwatch++] = w;
		return 0;
	}
	for (int i = 0; i < GDB_NDR; i++)
		free_drs += !(g->dr_used & (1 << i));
	n = split(addr, len, pa, pl, GDB_NDR);
	if (n < 0 || n > free_drs)
		return -ENOSPC;
	for (int k = 0, i = 0; k < n; i++) {
		if (g->dr_used & (1 << i))
			continue;
		g->dr_addr[i] = pa[k];
		g->dr_len[i] = pl[k];
		g->dr_rw[i] = type == 2 ? DR_RW_WRITE : DR_RW_ACCESS;
		g->dr_used |= 1 << i;
		w.dr |= 1 << i;
		k++;
	}
	if (type == 3)
		gdb_mem_raw_read(gdb_current(s), addr, w.shadow,
				 len < sizeof(w.shadow) ? len : sizeof(w.shadow));
	g->watch[g->nwatch++] = w;
	g->drgen++;
	return 0;
}

int gdb_watch_remove(struct sup_session *s, int type, uint64_t addr, uint64_t len)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; i < g->nwatch; i++) {
		struct gdb_watch *w = &g->watch[i];

		if (w->type != type || w->addr != addr || w->len != len)
			continue;
		if (w->dr) {
			g->dr_used &= ~w->dr;
			g->drgen++;
		}
		*w = g->watch[--g->nwatch];
		return 0;
	}
	return 0;
}

void gdb_watch_clear(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;

	g->nwatch = 0;
	if (g->dr_used) {
		g->dr_used = 0;
		g->drgen++;
	}
}

void gdb_watch_apply(struct sup_session *s, struct sup_thread *t)
{
	struct sup_gdb *g = s->gdb;
	unsigned long dr7 = 0;
	/* DR7 LEN field: 1 -> 00, 2 -> 01, 8 -> 10, 4 -> 11 */
	static const unsigned len_bits[9] = { [1] = 0, [2] = 1, [4] = 3, [8] = 2 };

	t->drgen = g->drgen;
	if (!gdb_is_member(s, t->tid))
		return;
	/* off first: the kernel checks each enabled slot's address against its length */
	ptrace(PTRACE_POKEUSER, t->tid, (void *)DR_OFF(7), NULL);
	for (int i = 0; i < GDB_NDR; i++) {
		if (!(g->dr_used & (1 << i)))
			continue;
		ptrace(PTRACE_POKEUSER, t->tid, (void *)DR_OFF(i), (void *)g->dr_addr[i]);
		dr7 |= 1ul << (2 * i);
		dr7 |= (unsigned long)g->dr_rw[i] << (16 + 4 * i);
		dr7 |= (unsigned long)len_bits[g->dr_len[i]] << (18 + 4 * i);
	}
	if (dr7)
		ptrace(PTRACE_POKEUSER, t->tid, (void *)DR_OFF(7), (void *)dr7);
}

int gdb_watch_hw_hit(struct sup_session *s, pid_t tid, uint64_t *addr, int *type)
{
	struct sup_gdb *g = s->gdb;
	unsigned long dr6, bits;

	errno = 0;
	dr6 = ptrace(PTRACE_PEEKUSER, tid, (void *)DR_OFF(6), NULL);
	if (errno)
		return -1;
	ptrace(PTRACE_POKEUSER, tid, (void *)DR_OFF(6), NULL);
	bits = dr6 & g->dr_used & 0xf;
	if (!bits)
		return -1;
	for (unsigned i = 0; i < g->nwatch; i++) {
		struct gdb_watch *w = &g->watch[i];
		uint8_t now[sizeof(w->shadow)];
		size_t n = w->len < sizeof(now) ? w->len : sizeof(now);

		if (!(w->dr & bits))
			continue;
		*addr = w->addr;
		*type = w->type;
		if (w->type != 3)
			return 1;
		/* a read watchpoint on a read/write debug register: a read leaves the value */
		if (gdb_mem_raw_read(tid, w->addr, now, n) == (ssize_t)n &&
		    memcmp(now, w->shadow, n)) {
			memcpy(w->shadow, now, n);
			return 0;
		}
		return 1;
	}
	return -1;
}
