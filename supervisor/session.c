/*
 * A session's resources: the decode cache, the vector state buffer, and
 * what the debugging options need (symbol cache, --stats counters).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gdb.h"

int sup_session_init(struct sup_session *s, const struct sup_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->pinned_cpu = -1;
	s->world.sigfd = -1;
	s->cache = sup_cache_new();
	if (!s->cache || sup_xstate_init(s) < 0)
		goto nomem;
	/* names are needed only to show them (gdb's monitor may show them) */
	if (cfg->trace || cfg->stats || cfg->n_bt_sites || cfg->gdb) {
		s->syms = sup_symcache_new();
		if (!s->syms)
			goto nomem;
	}
	if (cfg->n_bt_sites) {
		s->bt_hits = calloc(cfg->n_bt_sites, sizeof(*s->bt_hits));
		if (!s->bt_hits)
			goto nomem;
	}
	if (cfg->stats || cfg->gdb) {
		s->detail = sup_detail_new();
		if (!s->detail)
			goto nomem;
	}
	if (cfg->gdb) {
		s->gdb = gdb_new(cfg);
		if (!s->gdb)
			goto nomem;
	}
	return 0;
nomem:
	sup_session_free(s);
	return -ENOMEM;
}

void sup_session_free(struct sup_session *s)
{
	sup_cache_free(s->cache);
	s->cache = NULL;
	sup_xstate_free(s);
	sup_symcache_free(s->syms);
	s->syms = NULL;
	sup_symbols_free(s->symbols);
	s->symbols = NULL;
	sup_detail_free(s->detail);
	s->detail = NULL;
	free(s->bt_hits);
	s->bt_hits = NULL;
	gdb_free(s->gdb);
	s->gdb = NULL;
	sup_as_free_all(s);
	sup_world_free(s);
	sup_threads_free(&s->threads);
	sup_procs_free(s);
}
