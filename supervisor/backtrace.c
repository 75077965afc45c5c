/*
 * Backtraces and symbol names of a stopped thread, with libunwind-ptrace.
 * Only for real-fault reports and the options that ask for names:
 * creating an address space and reading the ELF files costs far more
 * than an emulated access (symcache.c caches names).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libunwind-ptrace.h>

#include "sup_internal.h"

#define MAX_FRAMES	64

struct unwinder {
	unw_addr_space_t as;
	void *upt;
	unw_cursor_t cursor;
};

static int unwinder_open(struct unwinder *u, pid_t tid)
{
	u->as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!u->as)
		return -1;
	u->upt = _UPT_create(tid);
	if (!u->upt) {
		unw_destroy_addr_space(u->as);
		return -1;
	}
	if (unw_init_remote(&u->cursor, u->as, u->upt) < 0) {
		_UPT_destroy(u->upt);
		unw_destroy_addr_space(u->as);
		return -1;
	}
	return 0;
}

static void unwinder_close(struct unwinder *u)
{
	_UPT_destroy(u->upt);
	unw_destroy_addr_space(u->as);
}

static void proc_name(unw_cursor_t *c, char *buf, size_t size)
{
	unw_word_t off = 0;

	buf[0] = '\0';
	if (unw_get_proc_name(c, buf, size, &off) < 0 || !buf[0]) {
		buf[0] = '\0';
		return;
	}
	if (off) {
		size_t len = strlen(buf);

		snprintf(buf + len, size - len, "+%" PRIu64, (uint64_t)off);
	}
}

void sup_symbolize(pid_t tid, uint64_t ip, char *buf, size_t size)
{
	struct unwinder u;
	unw_word_t pc;

	buf[0] = '\0';
	if (unwinder_open(&u, tid))
		return;
	if (unw_get_reg(&u.cursor, UNW_REG_IP, &pc) == 0 && pc == ip)
		proc_name(&u.cursor, buf, size);
	unwinder_close(&u);
}

void sup_symbolize_ip(pid_t tid, uint64_t ip, char *buf, size_t size)
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	unw_word_t off = 0;
	void *upt;

	buf[0] = '\0';
	if (!as)
		return;
	upt = _UPT_create(tid);
	if (upt) {
		if (_UPT_get_proc_name(as, ip, buf, size, &off, upt) < 0 || !buf[0])
			buf[0] = '\0';
		else if (off) {
			size_t len = strlen(buf);

			snprintf(buf + len, size - len, "+%" PRIu64, (uint64_t)off);
		}
		_UPT_destroy(upt);
	}
	unw_destroy_addr_space(as);
}

/* The file ip belongs to, as the last part of its path, or "". */
static void object_of(pid_t tid, uint64_t ip, char *buf, size_t size)
{
	struct sup_mapping m;
	const char *base;

	buf[0] = '\0';
	if (sup_proc_find_mapping(tid, ip, &m) || !m.path[0])
		return;
	base = strrchr(m.path, '/');
	snprintf(buf, size, "%s", base ? base + 1 : m.path);
}

int sup_backtrace(struct sup_session *s, pid_t tid)
{
	struct unwinder u;
	unw_word_t prev_sp = 0;
	int n = 0;

	if (unwinder_open(&u, tid)) {
		sup_msgf(s, SUP_MSG_FRAME, "(no backtrace: libunwind cannot read thread %d)",
			 (int)tid);
		return 0;
	}
	do {
		char name[160], obj[256];
		unw_word_t ip, sp;

		if (unw_get_reg(&u.cursor, UNW_REG_IP, &ip) < 0 ||
		    unw_get_reg(&u.cursor, UNW_REG_SP, &sp) < 0)
			break;
		/* older frames live higher on the stack; going down means bad unwind info */
		if (n && sp < prev_sp)
			break;
		prev_sp = sp;
		proc_name(&u.cursor, name, sizeof(name));
		object_of(tid, ip, obj, sizeof(obj));
		sup_msgf(s, SUP_MSG_FRAME, "#%-2d 0x%016" PRIx64 " in %s%s%s%s", n,
			 (uint64_t)ip, name[0] ? name : "??", obj[0] ? " (" : "",
			 obj, obj[0] ? ")" : "");
		n++;
	} while (n < MAX_FRAMES && unw_step(&u.cursor) > 0);
	unwinder_close(&u);
	return n;
}
