/*
 * Software breakpoints (Z0/z0): an int3 (0xcc) over the first byte of
 * the instruction, the original byte kept here.
 *
 * gdb must never see an int3 of ours: memory reads show the kept byte,
 * and a memory write over a breakpoint changes the kept byte while the
 * int3 stays.  A thread that executes one stops with SIGTRAP and rip one
 * past it; gdb_target.c sets rip back and reports the breakpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gdb.h"

#define INT3	0xcc

static struct gdb_bp *find(struct sup_gdb *g, uint64_t addr)
{
	for (unsigned i = 0; i < g->nbp; i++)
		if (g->bp[i].addr == addr)
			return &g->bp[i];
	return NULL;
}

bool gdb_break_at(struct sup_session *s, uint64_t addr)
{
	return find(s->gdb, addr) != NULL;
}

bool sup_gdb_breakpoint_in(struct sup_session *s, uint64_t addr, uint64_t len)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; g && i < g->nbp; i++)
		if (g->bp[i].addr >= addr && g->bp[i].addr - addr < len)
			return true;
	return false;
}

int gdb_break_insert(struct sup_session *s, uint64_t addr)
{
	struct sup_gdb *g = s->gdb;
	pid_t tid = gdb_current(s);
	uint8_t orig, int3 = INT3;
	int ret;

	if (find(g, addr))
		return 0;
	/* the map is registers, not code: nothing can be executed there */
	if (addr < REGMAP_MAP_SIZE)
		return -EFAULT;
	if (g->nbp == g->capbp) {
		unsigned cap = g->capbp ? g->capbp * 2 : 16;
		struct gdb_bp *bp = realloc(g->bp, cap * sizeof(*bp));

		if (!bp)
			return -ENOMEM;
		g->bp = bp;
		g->capbp = cap;
	}
	/* the int3 goes into the program's instruction, not into our replacement */
	if (sup_rw_revert_range(s, tid, addr, 1) < 0)
		return -EPERM;
	if (gdb_mem_raw_read(tid, addr, &orig, 1) != 1)
		return -EFAULT;
	/* while a vfork child runs in this memory, the int3 waits (gdb_break_lift) */
	ret = g->vforks ? 0 : gdb_mem_raw_write(tid, addr, &int3, 1);
	if (ret < 0)
		return ret;
	g->bp[g->nbp++] = (struct gdb_bp){ addr, orig };
	return 0;
}

int gdb_break_remove(struct sup_session *s, uint64_t addr)
{
	struct sup_gdb *g = s->gdb;
	struct gdb_bp *bp = find(g, addr);
	int ret;

	if (!bp)
		return 0;
	ret = g->vforks ? 0 : gdb_mem_raw_write(gdb_current(s), addr, &bp->orig, 1);
	*bp = g->bp[--g->nbp];
	return ret;
}

void gdb_break_hide(struct sup_session *s, uint64_t addr, uint8_t *buf, size_t len)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; i < g->nbp; i++)
		if (g->bp[i].addr >= addr && g->bp[i].addr - addr < len)
			buf[g->bp[i].addr - addr] = g->bp[i].orig;
}

void gdb_break_shadow(struct sup_session *s, uint64_t addr, uint8_t *buf, size_t len)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; i < g->nbp; i++)
		if (g->bp[i].addr >= addr && g->bp[i].addr - addr < len) {
			g->bp[i].orig = buf[g->bp[i].addr - addr];
			if (!g->vforks)
				buf[g->bp[i].addr - addr] = INT3;
		}
}

void gdb_break_clear(struct sup_session *s, bool restore)
{
	struct sup_gdb *g = s->gdb;
	pid_t tid = restore ? gdb_current(s) : 0;

	for (unsigned i = 0; i < g->nbp && tid > 0 && !g->vforks; i++)
		gdb_mem_raw_write(tid, g->bp[i].addr, &g->bp[i].orig, 1);
	g->nbp = 0;
}

void gdb_break_lift(struct sup_session *s, bool lift)
{
	struct sup_gdb *g = s->gdb;
	pid_t tid = gdb_current(s);
	uint8_t int3 = INT3;

	for (unsigned i = 0; i < g->nbp && tid > 0; i++)
		gdb_mem_raw_write(tid, g->bp[i].addr, lift ? &g->bp[i].orig : &int3, 1);
}

void gdb_break_unplant(struct sup_session *s, pid_t child)
{
	struct sup_gdb *g = s->gdb;

	for (unsigned i = 0; i < g->nbp; i++)
		gdb_mem_raw_write(child, g->bp[i].addr, &g->bp[i].orig, 1);
}
