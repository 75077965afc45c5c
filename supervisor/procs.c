/*
 * What the supervisor keeps per traced process (thread group), as
 * opposed to per thread (threads.c): where a `syscall` instruction is in
 * its address space (inject.c).
 *
 * Open addressing with linear probing keyed by tgid; an entry is removed
 * when the process ends (its leader's exit is reported only after every
 * other thread's) and reset by an exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sup_internal.h"

struct sup_procs {
	struct sup_proc *slot;
	unsigned size;		/* a power of two, or 0 */
	unsigned used;		/* slots ever used (live + deleted) */
	unsigned live;
};

#define TGID_EMPTY	0
#define TGID_DELETED	(-1)

static unsigned hash_tgid(pid_t tgid, unsigned mask)
{
	return ((unsigned)tgid * 2654435761u) & mask;
}

static struct sup_proc *lookup(struct sup_procs *p, pid_t tgid, bool add);

static int grow(struct sup_procs *p)
{
	unsigned size = p->size ? p->size * 2 : 16, oldsize = p->size;
	struct sup_proc *old = p->slot, *e;

	while (p->live * 4 >= size)
		size *= 2;
	e = calloc(size, sizeof(*e));
	if (!e)
		return -ENOMEM;
	p->slot = e;
	p->size = size;
	p->used = p->live = 0;
	for (unsigned i = 0; i < oldsize; i++)
		if (old[i].tgid > 0)
			*lookup(p, old[i].tgid, true) = old[i];
	free(old);
	return 0;
}

static struct sup_proc *lookup(struct sup_procs *p, pid_t tgid, bool add)
{
	struct sup_proc *grave = NULL;
	unsigned mask, i;

	if (tgid <= 0)
		return NULL;
	if (add && (p->used + 1) * 2 > p->size && grow(p) < 0)
		return NULL;
	if (!p->size)
		return NULL;
	mask = p->size - 1;
	for (i = hash_tgid(tgid, mask);; i = (i + 1) & mask) {
		struct sup_proc *e = &p->slot[i];

		if (e->tgid == tgid)
			return e;
		if (e->tgid == TGID_DELETED && !grave)
			grave = e;
		if (e->tgid == TGID_EMPTY) {
			if (!add)
				return NULL;
			if (!grave) {
				grave = e;
				p->used++;
			}
			memset(grave, 0, sizeof(*grave));
			grave->tgid = tgid;
			p->live++;
			return grave;
		}
	}
}

struct sup_proc *sup_proc_get(struct sup_session *s, pid_t tgid, bool add)
{
	if (!s->procs) {
		if (!add)
			return NULL;
		s->procs = calloc(1, sizeof(*s->procs));
		if (!s->procs)
			return NULL;
	}
	return lookup(s->procs, tgid, add);
}

void sup_proc_exec(struct sup_session *s, pid_t tgid)
{
	struct sup_proc *e = sup_proc_get(s, tgid, false);

	if (!e)
		return;
	/* a new address space: nothing found in the old one is there */
	e->syscall_insn = 0;
}

void sup_proc_gone(struct sup_session *s, pid_t tgid)
{
	struct sup_proc *e = sup_proc_get(s, tgid, false);

	if (!e)
		return;
	e->tgid = TGID_DELETED;
	s->procs->live--;
}

void sup_procs_free(struct sup_session *s)
{
	if (!s->procs)
		return;
	free(s->procs->slot);
	free(s->procs);
	s->procs = NULL;
}
