/*
 * --backtrace-on-access=SITE: which accesses get a backtrace.
 *
 * SITE is "all", an address ("0x401020"), a function ("compute": any
 * instruction in it) or one instruction in it ("compute+12", the offset
 * in decimal or 0x hexadecimal, as fault reports and the trace print
 * it).  Symbol sites need the name of rip, which the symbol cache keeps,
 * so matching costs a lookup per access and only with the option given.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup_internal.h"

/* Split "name+off" at the last '+'; *has_off false for a plain name. */
static size_t split(const char *sym, unsigned long long *off, bool *has_off)
{
	const char *plus = strrchr(sym, '+');
	char *end;

	*has_off = false;
	if (!plus || plus == sym)
		return strlen(sym);
	*off = strtoull(plus + 1, &end, 0);
	if (*end || end == plus + 1)
		return strlen(sym);	/* a '+' in a (C++) name, not an offset */
	*has_off = true;
	return plus - sym;
}

static bool match_one(struct sup_session *s, pid_t tid, uint64_t rip, const char *site)
{
	unsigned long long want_off = 0, off = 0;
	bool want_has_off, has_off;
	size_t want_len, len;
	const char *sym;
	char *end;

	if (!strcmp(site, "all"))
		return true;
	if (site[0] >= '0' && site[0] <= '9') {
		unsigned long long addr = strtoull(site, &end, 0);

		return !*end && addr == rip;
	}
	sym = sup_sym(s, tid, rip);
	if (!sym[0])
		return false;
	want_len = split(site, &want_off, &want_has_off);
	len = split(sym, &off, &has_off);
	if (len != want_len || strncmp(sym, site, len))
		return false;
	if (!has_off)
		off = 0;
	return !want_has_off || want_off == off;
}

bool sup_bt_site_match(struct sup_session *s, pid_t tid, uint64_t rip)
{
	bool any = false;

	/* every site is tried, so that each one's count is right at the end */
	for (unsigned i = 0; i < s->cfg.n_bt_sites; i++)
		if (match_one(s, tid, rip, s->cfg.bt_sites[i])) {
			any = true;
			if (s->bt_hits)
				s->bt_hits[i]++;
		}
	return any;
}

static bool is_address(const char *site)
{
	return site[0] >= '0' && site[0] <= '9';
}

void sup_bt_sites_check(const char *const *sites, unsigned n, const char *exe,
			const pid_t *pids, unsigned npids, struct sup_site_check *out)
{
	struct sup_symbols *syms = exe ? NULL : sup_symbols_new();

	for (unsigned i = 0; i < n; i++) {
		const char *site = sites[i];
		unsigned long long off = 0;
		bool has_off, found = false;
		uint64_t size = 0, sz;
		char name[256];
		size_t len;
		char *end;

		out[i] = (struct sup_site_check){ SUP_SITE_OK, 0 };
		if (!site[0]) {
			out[i].state = SUP_SITE_EMPTY;
			continue;
		}
		if (!strcmp(site, "all"))
			continue;
		if (is_address(site)) {
			strtoull(site, &end, 0);
			if (*end)
				out[i].state = SUP_SITE_BAD_ADDRESS;
			continue;
		}
		len = split(site, &off, &has_off);
		snprintf(name, sizeof(name), "%.*s", (int)len, site);
		if (exe) {
			found = sup_symbols_find(NULL, 0, exe, name, &size) > 0;
		} else {
			for (unsigned p = 0; p < npids; p++)
				if (sup_symbols_find(syms, pids[p], NULL, name, &sz) > 0) {
					found = true;
					size = sz > size ? sz : size;
				}
		}
		if (!found)
			out[i].state = SUP_SITE_NOT_FOUND;
		else if (has_off && size && off >= size)
			out[i] = (struct sup_site_check){ SUP_SITE_BAD_OFFSET, size };
	}
	sup_symbols_free(syms);
}

void sup_bt_sites_report(struct sup_session *s)
{
	for (unsigned i = 0; s->bt_hits && i < s->cfg.n_bt_sites; i++)
		if (!s->bt_hits[i])
			sup_msgf(s, SUP_MSG_WARNING, "--backtrace-on-access=%s matched no map "
				 "access", s->cfg.bt_sites[i]);
}
