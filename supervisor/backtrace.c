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

static struct sup_symbols *symbols_of(struct sup_session *s)
{
	if (!s->symbols)
		s->symbols = sup_symbols_new();
	return s->symbols;
}

void sup_symbolize(struct sup_session *s, pid_t tid, uint64_t ip, char *buf, size_t size)
{
	sup_symbols_name(symbols_of(s), sup_thread_tgid(s, tid), ip, false, buf, size, NULL, 0);
}

void sup_names_forget(struct sup_session *s, pid_t tgid)
{
	sup_symcache_flush(s->syms, tgid);
	sup_symbols_forget(s->symbols, tgid);
}

int sup_backtrace(struct sup_session *s, pid_t tid)
{
	struct sup_symbols *syms = symbols_of(s);
	pid_t tgid = sup_thread_tgid(s, tid);
	struct unwinder u;
	unw_word_t prev_sp = 0;
	bool exact = true;	/* frame 0, or the frame a signal interrupted */
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
		/* a caller's ip is a return address: the call is the byte before */
		sup_symbols_name(syms, tgid, ip, !exact, name, sizeof(name), obj, sizeof(obj));
		/* "libc.so.6+0x8a3f4" already names the file */
		if (!strncmp(name, obj, strlen(obj)) && name[strlen(obj)] == '+')
			obj[0] = '\0';
		sup_msgf(s, SUP_MSG_FRAME, "#%-2d 0x%016" PRIx64 " in %s%s%s%s", n,
			 (uint64_t)ip, name[0] ? name : "??", obj[0] ? " (" : "",
			 obj, obj[0] ? ")" : "");
		exact = unw_is_signal_frame(&u.cursor) > 0;
		n++;
	} while (n < MAX_FRAMES && unw_step(&u.cursor) > 0);
	unwinder_close(&u);
	return n;
}
