/*
 * Names of code addresses in a traced process, with elfutils' libdwfl:
 * for fault reports, backtraces, --trace, --stats and
 * --backtrace-on-access.
 *
 * A name is only given when a symbol contains the address: libdwfl
 * compares with symbol sizes, reads .symtab, MiniDebugInfo
 * (.gnu_debugdata) and separate debug files (by build ID or
 * .gnu_debuglink under /usr/lib/debug) as well as .dynsym.  Taking the
 * nearest exported symbol below the address instead names the wrong
 * function in any stripped library (start_thread in libc.so.6 came out
 * as pthread_condattr_setpshared+1301).  Where no symbol contains the
 * address, the answer is the file and the address in it,
 * "libc.so.6+0x8a3f4", which addr2line or gdb can take further.
 *
 * Reporting a process's modules reads /proc/PID/maps and each ELF file:
 * a Dwfl is kept per process (a few, least recently used replaced),
 * reread when an address is in no known module (dlopen), dropped at exec,
 * and checked against the process's start time, so a reused pid never
 * gets another program's names.  Never on the hot path: only the options
 * and reports above ask, and symcache.c caches their answers.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdwfl.h>

#include "sup_internal.h"

#define SYMBOLS_PROCS	8	/* processes whose modules are kept */

struct proc_syms {
	pid_t tgid;		/* 0: empty */
	unsigned long long start;	/* its start time, /proc/PID/stat field 22 */
	uint64_t used;		/* for least-recently-used replacement */
	Dwfl *dwfl;
};

struct sup_symbols {
	struct proc_syms p[SYMBOLS_PROCS];
	uint64_t clock;
};

static char *debuginfo_path;	/* NULL: libdwfl's default search path */

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct sup_symbols *sup_symbols_new(void)
{
	return calloc(1, sizeof(struct sup_symbols));
}

static void proc_drop(struct proc_syms *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	memset(p, 0, sizeof(*p));
}

void sup_symbols_free(struct sup_symbols *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SYMBOLS_PROCS; i++)
		proc_drop(&c->p[i]);
	free(c);
}

void sup_symbols_forget(struct sup_symbols *c, pid_t tgid)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SYMBOLS_PROCS; i++)
		if (c->p[i].tgid == tgid)
			proc_drop(&c->p[i]);
}

/* Field 22 of /proc/PID/stat (start time in clock ticks), or 0. */
static unsigned long long start_time(pid_t pid)
{
	char buf[512];
	const char *p = sup_proc_stat_fields(pid, buf, sizeof(buf));
	unsigned long long t = 0;

	/* from field 3, the state */
	if (p && sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
			"%*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		t = 0;
	return t;
}

/* (Re)read the process's mappings into dwfl; false if that failed. */
static bool report(Dwfl *dwfl, pid_t tgid)
{
	/* modules reported again keep what was already loaded for them */
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, tgid) != 0) {
		dwfl_report_end(dwfl, NULL, NULL);
		return false;
	}
	return dwfl_report_end(dwfl, NULL, NULL) == 0;
}

static struct proc_syms *proc_get(struct sup_symbols *c, pid_t tgid)
{
	unsigned long long start = start_time(tgid);
	struct proc_syms *p = NULL, *lru = &c->p[0];

	for (unsigned i = 0; i < SYMBOLS_PROCS; i++) {
		if (c->p[i].tgid == tgid)
			p = &c->p[i];
		if (c->p[i].used < lru->used)
			lru = &c->p[i];
	}
	if (p && p->start != start)
		proc_drop(p);	/* the pid now belongs to another process */
	else if (p)
		goto found;
	p = lru;
	proc_drop(p);
	p->dwfl = dwfl_begin(&proc_callbacks);
	if (!p->dwfl || !report(p->dwfl, tgid)) {
		proc_drop(p);
		return NULL;
	}
	p->tgid = tgid;
	p->start = start;
found:
	p->used = ++c->clock;
	return p;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void sup_symbols_name(struct sup_symbols *c, pid_t tgid, uint64_t ip, bool return_addr,
		      char *name, size_t size, char *obj, size_t objsize)
{
	struct proc_syms *p = c ? proc_get(c, tgid) : NULL;
	/* a return address may be just past a call at the very end of its function */
	uint64_t look = return_addr && ip ? ip - 1 : ip;
	Dwfl_Module *m = NULL;
	const char *mod = NULL, *sym;
	GElf_Off off = 0;
	GElf_Sym es;
	GElf_Addr bias = 0;

	name[0] = '\0';
	if (obj)
		obj[0] = '\0';
	if (!p)
		return;
	m = dwfl_addrmodule(p->dwfl, look);
	if (!m && report(p->dwfl, tgid))
		m = dwfl_addrmodule(p->dwfl, look);	/* mapped since (dlopen) */
	if (m)
		mod = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!m || !mod)
		return;	/* not in a file: anonymous or JIT code */
	if (obj)
		snprintf(obj, objsize, "%s", base_name(mod));
	sym = dwfl_module_addrinfo(m, look, &off, &es, NULL, NULL, NULL);
	if (sym && sym[0]) {
		/* "__libc_start_main@@GLIBC_2.34": the version is not part of the name */
		int len = (int)strcspn(sym, "@");

		off += look != ip;
		if (off)
			snprintf(name, size, "%.*s+%" PRIu64, len, sym, (uint64_t)off);
		else
			snprintf(name, size, "%.*s", len, sym);
		return;
	}
	/* no symbol contains it: the file and the address in it, never a guess */
	if (!dwfl_module_getelf(m, &bias))
		bias = 0;
	snprintf(name, size, "%s+0x%" PRIx64, base_name(mod), ip - (uint64_t)bias);
}

static const Dwfl_Callbacks file_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct find_ctx {
	const char *name;
	bool found;
	uint64_t size;
};

static int find_in_module(Dwfl_Module *m, void **userdata, const char *modname,
			  Dwarf_Addr start, void *arg)
{
	struct find_ctx *f = arg;
	int n = dwfl_module_getsymtab(m);

	(void)userdata;
	(void)modname;
	(void)start;
	for (int i = 1; i < n; i++) {
		GElf_Sym es;
		GElf_Word shndx;
		GElf_Addr addr;
		const char *sym = dwfl_module_getsym_info(m, i, &es, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(es.st_info);

		if (!sym || es.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE))
			continue;
		if (strncmp(sym, f->name, strlen(f->name)) ||
		    (sym[strlen(f->name)] && sym[strlen(f->name)] != '@'))
			continue;
		f->found = true;
		if (es.st_size > f->size)
			f->size = es.st_size;
	}
	return DWARF_CB_OK;
}

int sup_symbols_find(struct sup_symbols *c, pid_t tgid, const char *path, const char *name,
		     uint64_t *size)
{
	struct find_ctx f = { name, false, 0 };
	struct proc_syms *p = NULL;
	Dwfl *dwfl = NULL;

	if (tgid > 0) {
		p = c ? proc_get(c, tgid) : NULL;
		if (!p)
			return -1;
		dwfl = p->dwfl;
	} else {
		dwfl = dwfl_begin(&file_callbacks);
		if (!dwfl)
			return -1;
		dwfl_report_begin(dwfl);
		if (!dwfl_report_offline(dwfl, base_name(path), path, -1)) {
			dwfl_end(dwfl);
			return -1;
		}
		dwfl_report_end(dwfl, NULL, NULL);
	}
	dwfl_getmodules(dwfl, find_in_module, &f, 0);
	if (!p)
		dwfl_end(dwfl);
	*size = f.size;
	return f.found;
}
