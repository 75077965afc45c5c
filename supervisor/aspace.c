/*
 * Address spaces (doc/REWRITE.md section 6): which traced tasks share an
 * mm, and what regmap-run did to the code of each: its sites and the
 * pages holding its stubs.
 *
 * Sharing is learnt from the events the loop already follows: the first
 * process (launch) and each attached process start with a space of their
 * own, shared by all their threads; at a clone, fork or vfork event the
 * parent's system call says whether the child shares the parent's space
 * (CLONE_VM: threads, vfork, clone(CLONE_VM)) or gets a copy of it (fork:
 * the child's memory is a copy, rewritten code and stubs included); exec
 * gives the process a new, empty space.  A task whose space is not known
 * (its first stop came before its parent's event) has none until then,
 * unless it is a thread of a process whose space is known: nothing is
 * rewritten on its behalf.
 *
 * Every assignment of t->as takes a reference and every removal drops
 * one; a space is freed when no task refers to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>

#include "sup_internal.h"

#ifndef KCMP_VM
#define KCMP_VM		1
#endif

static struct sup_as *as_new(struct sup_session *s)
{
	struct sup_as *as = calloc(1, sizeof(*as));

	if (!as)
		return NULL;
	as->next = s->aspaces;
	s->aspaces = as;
	return as;
}

static void as_free(struct sup_session *s, struct sup_as *as)
{
	for (struct sup_as **p = &s->aspaces; *p; p = &(*p)->next)
		if (*p == as) {
			*p = as->next;
			break;
		}
	s->rw_planted -= as->planted;
	free(as->site);
	free(as->page);
	free(as->page_used);
	free(as);
}

/* A copy of as for a fork child, or NULL. */
static struct sup_as *as_copy(struct sup_session *s, const struct sup_as *from)
{
	struct sup_as *as = as_new(s);

	if (!as)
		return NULL;
	if (from->size) {
		as->site = malloc(from->size * sizeof(*as->site));
		if (!as->site)
			goto nomem;
		memcpy(as->site, from->site, from->size * sizeof(*as->site));
		as->size = from->size;
		as->used = from->used;
	}
	if (from->page_cap) {
		as->page = malloc(from->page_cap * sizeof(*as->page));
		as->page_used = malloc(from->page_cap);
		if (!as->page || !as->page_used)
			goto nomem;
		memcpy(as->page, from->page, from->npage * sizeof(*as->page));
		memcpy(as->page_used, from->page_used, from->npage);
		as->npage = from->npage;
		as->page_cap = from->page_cap;
	}
	as->planted = from->planted;
	s->rw_planted += as->planted;
	return as;
nomem:
	as_free(s, as);
	return NULL;
}

static void as_set(struct sup_session *s, struct sup_thread *t, struct sup_as *as)
{
	if (t->as && !--t->as->refs)
		as_free(s, t->as);
	t->as = as;
	if (as)
		as->refs++;
}

int sup_as_start(struct sup_session *s, pid_t tid)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);
	pid_t tgid = sup_thread_tgid(s, tid);
	struct sup_as *as = NULL;

	if (!t)
		return -ENOMEM;
	/* another thread of the same process already has one */
	for (unsigned i = 0; i < s->threads.size && !as; i++) {
		struct sup_thread *o = &s->threads.slot[i];

		if (o->tid > 0 && o != t && o->traced && o->as && o->tgid == tgid)
			as = o->as;
	}
	if (!as && !(as = as_new(s)))
		return -ENOMEM;
	as_set(s, t, as);
	return 0;
}

/*
 * Does the task the parent just made share its mm?  The parent is in the
 * event stop of its clone, clone3, fork or vfork system call: its
 * arguments say.  Other cases (a 32-bit call): ask the kernel (kcmp).
 */
static bool shares_vm(pid_t parent, pid_t child)
{
	struct user_regs_struct r;
	uint64_t flags;

	if (ptrace(PTRACE_GETREGS, parent, NULL, &r) == 0) {
		switch ((long)r.orig_rax) {
		case SYS_clone:
			return r.rdi & CLONE_VM;
		case SYS_clone3:
			/* struct clone_args starts with its flags */
			if (sup_mem_read(&parent, r.rdi, &flags, sizeof(flags)) == 0)
				return flags & CLONE_VM;
			break;
		case SYS_fork:
			return false;
		case SYS_vfork:
			return true;
		}
	}
	return syscall(SYS_kcmp, parent, child, KCMP_VM, 0, 0) == 0;
}

void sup_as_clone(struct sup_session *s, pid_t parent, pid_t child)
{
	struct sup_thread *p = sup_thread_get(&s->threads, parent, false);
	struct sup_thread *c = sup_thread_get(&s->threads, child, true);

	if (!c || !p || !p->as)
		return;	/* not known: the child's space stays unknown too */
	as_set(s, c, shares_vm(parent, child) ? p->as : as_copy(s, p->as));
}

void sup_as_exec(struct sup_session *s, pid_t tid, pid_t former)
{
	struct sup_thread *f = former != tid ? sup_thread_get(&s->threads, former, false) : NULL;
	struct sup_thread *t = sup_thread_get(&s->threads, tid, true);

	if (f)
		as_set(s, f, NULL);
	if (t)
		as_set(s, t, as_new(s));
}

void sup_as_drop(struct sup_session *s, pid_t tid)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);

	if (t)
		as_set(s, t, NULL);
}

struct sup_as *sup_as_of(struct sup_session *s, pid_t tid)
{
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);
	pid_t tgid;

	if (!t || t->as || !t->traced || !s->aspaces)
		return t ? t->as : NULL;
	/*
	 * A new thread that stopped before its parent's clone event was
	 * handled: a thread of a process shares its memory (CLONE_THREAD
	 * needs CLONE_VM), so it is known already.  A thread that faulted on
	 * a site just before another rewrote it must get the original bytes
	 * (sup_rw_orig()) even then.
	 */
	tgid = sup_thread_tgid(s, tid);
	for (unsigned i = 0; i < s->threads.size; i++) {
		struct sup_thread *o = &s->threads.slot[i];

		if (o->tid > 0 && o->tid != tid && o->traced && o->as && o->tgid == tgid) {
			t = sup_thread_get(&s->threads, tid, false);
			as_set(s, t, o->as);
			return t->as;
		}
	}
	return NULL;
}

static unsigned hash_rip(uint64_t rip, unsigned mask)
{
	return (unsigned)((rip * 0x9e3779b97f4a7c15ull) >> 40) & mask;
}

static struct sup_rw_site *lookup(struct sup_as *as, uint64_t rip)
{
	unsigned mask = as->size - 1;

	for (unsigned i = hash_rip(rip, mask);; i = (i + 1) & mask) {
		struct sup_rw_site *e = &as->site[i];

		if (e->rip == rip || !e->rip)
			return e;
	}
}

static int grow(struct sup_as *as)
{
	unsigned size = as->size ? as->size * 2 : 64, oldsize = as->size;
	struct sup_rw_site *old = as->site, *e = calloc(size, sizeof(*e));

	if (!e)
		return -ENOMEM;
	as->site = e;
	as->size = size;
	for (unsigned i = 0; i < oldsize; i++)
		if (old[i].rip)
			*lookup(as, old[i].rip) = old[i];
	free(old);
	return 0;
}

struct sup_rw_site *sup_as_site(struct sup_as *as, uint64_t rip, bool add)
{
	struct sup_rw_site *e;

	if (!rip)
		return NULL;
	if (add && (as->used + 1) * 2 > as->size && grow(as) < 0)
		return NULL;
	if (!as->size)
		return NULL;
	e = lookup(as, rip);
	if (e->rip)
		return e;
	if (!add)
		return NULL;
	e->rip = rip;
	as->used++;
	return e;
}

int sup_as_add_page(struct sup_as *as, uint64_t page)
{
	if (as->npage == as->page_cap) {
		unsigned cap = as->page_cap ? as->page_cap * 2 : 8;
		uint64_t *p = realloc(as->page, cap * sizeof(*p));
		uint8_t *u;

		if (!p)
			return -ENOMEM;
		as->page = p;
		u = realloc(as->page_used, cap);
		if (!u)
			return -ENOMEM;
		as->page_used = u;
		as->page_cap = cap;
	}
	as->page[as->npage] = page;
	as->page_used[as->npage++] = 0;
	return 0;
}

void sup_as_free_all(struct sup_session *s)
{
	while (s->aspaces)
		as_free(s, s->aspaces);
	for (unsigned i = 0; i < s->threads.size; i++)
		s->threads.slot[i].as = NULL;
}
