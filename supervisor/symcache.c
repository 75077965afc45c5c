/*
 * Symbol names of code addresses for --trace, --stats and
 * --backtrace-on-access, cached per (process, address).
 *
 * Finding a name means looking it up in the process's symbol tables
 * (symbols.c), far more than an emulated
 * access costs; a program touches the map from a few hot sites, so a
 * small direct-mapped cache makes tracing a hot loop cost one lookup per
 * access.  Nothing here runs unless one of those options is on.  An
 * exec replaces the program's code: the loop flushes that process.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sup_internal.h"

#define SYMCACHE_SIZE	1024	/* a power of two */

struct sym_entry {
	pid_t tgid;		/* 0: empty */
	uint64_t ip;
	char name[SUP_SYM_MAX];
};

struct sup_symcache {
	struct sym_entry e[SYMCACHE_SIZE];
};

struct sup_symcache *sup_symcache_new(void)
{
	return calloc(1, sizeof(struct sup_symcache));
}

void sup_symcache_free(struct sup_symcache *c)
{
	free(c);
}

void sup_symcache_flush(struct sup_symcache *c, pid_t tgid)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SYMCACHE_SIZE; i++)
		if (c->e[i].tgid == tgid)
			c->e[i].tgid = 0;
}

pid_t sup_thread_tgid(struct sup_session *s, pid_t tid)
{
	/* a lookup, never an insertion: callers hold pointers into the table */
	struct sup_thread *t = sup_thread_get(&s->threads, tid, false);
	long tgid;

	if (t && t->tgid)
		return t->tgid;
	tgid = sup_proc_status_long(tid, "Tgid");
	if (tgid <= 0)
		return tid;
	if (t)
		t->tgid = tgid;
	return tgid;
}

const char *sup_sym(struct sup_session *s, pid_t tid, uint64_t ip)
{
	pid_t tgid = sup_thread_tgid(s, tid);
	unsigned slot = (unsigned)((ip ^ (ip >> 12) ^ (uint64_t)tgid * 31) & (SYMCACHE_SIZE - 1));
	struct sym_entry *e;

	if (!s->syms)
		return "";
	e = &s->syms->e[slot];
	if (e->tgid == tgid && e->ip == ip)
		return e->name;
	if (s->detail) {
		/* --stats reports the cost of serving accesses, not of naming them */
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		sup_symbolize(s, tid, ip, e->name, sizeof(e->name));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		sup_detail_untime(s, (t1.tv_sec - t0.tv_sec) * 1000000000ull +
				  t1.tv_nsec - t0.tv_nsec);
	} else {
		sup_symbolize(s, tid, ip, e->name, sizeof(e->name));
	}
	e->tgid = tgid;
	e->ip = ip;
	return e->name;
}
