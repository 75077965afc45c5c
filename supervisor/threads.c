/*
 * The table of traced threads: tid -> what the supervisor knows of it.
 *
 * The event loop itself needs no table (loop.c); this one exists for
 * what looks beyond a single stop: detaching (every traced thread must
 * be found and let go), --stats (accesses per thread) and symbol names
 * (cached per process, so a thread's process id is kept here).
 *
 * A thread that exits stays in the table (traced = false) so its counts
 * reach the --stats summary.  Open addressing with linear probing; it
 * grows at 1/2 load.  sup_thread_del() leaves a tombstone so probe
 * chains stay intact.  Only inserting a thread can grow the table, which
 * moves every entry: a pointer from sup_thread_get() stays valid until
 * the next call that adds a thread not yet in the table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sup_internal.h"

#define TID_EMPTY	0
#define TID_DELETED	(-1)

static unsigned hash_tid(pid_t tid, unsigned mask)
{
	return ((unsigned)tid * 2654435761u) & mask;
}

static int grow(struct sup_threads *t)
{
	unsigned size = t->size ? t->size * 2 : 64;
	struct sup_thread *old = t->slot, *e;
	unsigned oldsize = t->size;

	/* only live entries are kept: a rehash also drops the tombstones */
	while (t->live * 4 >= size)
		size *= 2;
	e = calloc(size, sizeof(*e));
	if (!e)
		return -ENOMEM;
	t->slot = e;
	t->size = size;
	t->used = 0;
	t->live = 0;
	for (unsigned i = 0; i < oldsize; i++)
		if (old[i].tid > 0) {
			struct sup_thread *n = sup_thread_get(t, old[i].tid, true);

			*n = old[i];
		}
	free(old);
	return 0;
}

struct sup_thread *sup_thread_get(struct sup_threads *t, pid_t tid, bool add)
{
	struct sup_thread *grave = NULL;
	unsigned mask, i;

	if (tid <= 0)
		return NULL;
	for (;;) {
		if (!t->size) {
			if (!add || grow(t) < 0)
				return NULL;
		}
		mask = t->size - 1;
		for (i = hash_tid(tid, mask);; i = (i + 1) & mask) {
			struct sup_thread *e = &t->slot[i];

			if (e->tid == tid)
				return e;
			if (e->tid == TID_DELETED && !grave)
				grave = e;
			if (e->tid == TID_EMPTY)
				break;
		}
		if (!add)
			return NULL;
		/* only an insertion grows the table (and moves every entry) */
		if (grave || (t->used + 1) * 2 <= t->size)
			break;
		if (grow(t) < 0)
			return NULL;
	}
	if (!grave) {
		grave = &t->slot[i];
		t->used++;
	}
	memset(grave, 0, sizeof(*grave));
	grave->tid = tid;
	t->live++;
	return grave;
}

void sup_thread_del(struct sup_threads *t, pid_t tid)
{
	struct sup_thread *e = sup_thread_get(t, tid, false);

	if (e) {
		e->tid = TID_DELETED;
		t->live--;
	}
}

void sup_threads_free(struct sup_threads *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

void sup_thread_mark(struct sup_threads *t, pid_t tid, bool traced)
{
	struct sup_thread *e = sup_thread_get(t, tid, traced);

	if (!e)
		return;
	/* a thread id used again, maybe in another process */
	if (traced && !e->traced) {
		e->tgid = 0;
		/* its old address space lost this task when it exited */
		e->as = NULL;
	}
	e->traced = traced;
}
