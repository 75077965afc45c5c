/*
 * The requests of the remote protocol, one by one: parse, call the
 * semantics (gdb_target.c, gdb_regs.c, gdb_mem.c, ...), reply.
 *
 * Called only while the program is stopped for gdb.  A resume request
 * (vCont, c, s) gets no reply here: its reply is the next stop.
 * Unknown requests get the empty reply, which tells gdb "not supported".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "gdb.h"

static void memory(struct sup_session *s, const char *pkt, size_t len, struct gdb_buf *r)
{
	const char *p = pkt + 1;
	uint64_t addr, n;
	pid_t tid = gdb_current(s);
	uint8_t *buf;
	ssize_t got;

	if (!gdb_parse_addr_len(&p, &addr, &n) || n > GDB_PACKET_SIZE) {
		gdb_error_reply(r, EINVAL);
		return;
	}
	if (pkt[0] == 'm' || pkt[0] == 'x') {
		buf = malloc(n ? n : 1);
		if (!buf) {
			gdb_error_reply(r, ENOMEM);
			return;
		}
		got = gdb_mem_read(s, tid, addr, buf, n);
		if (got < 0 || (got == 0 && n))
			gdb_error_reply(r, got < 0 ? got : EFAULT);
		else if (pkt[0] == 'm')
			gdb_buf_hex(r, buf, got);
		else {
			gdb_buf_add(r, "b", 1);
			gdb_buf_add(r, buf, got);
		}
		free(buf);
		return;
	}
	/* M addr,len:hex and X addr,len:binary */
	if (*p != ':') {
		gdb_error_reply(r, EINVAL);
		return;
	}
	p++;
	buf = malloc(n ? n : 1);
	if (!buf) {
		gdb_error_reply(r, ENOMEM);
		return;
	}
	if (pkt[0] == 'M' ? gdb_unhex(p, strlen(p), buf, n) != (ssize_t)n :
	    (size_t)(pkt + len - p) != n) {
		free(buf);
		gdb_error_reply(r, EINVAL);
		return;
	}
	if (pkt[0] == 'X')
		memcpy(buf, p, n);
	got = n ? gdb_mem_write(s, tid, addr, buf, n) : 0;
	free(buf);
	if (got < 0)
		gdb_error_reply(r, got);
	else
		gdb_buf_printf(r, "OK");
}

static void registers(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	pid_t tid = gdb_current(s);
	const char *p = pkt + 1;
	uint64_t regno = 0;
	int ret;

	if (pkt[0] == 'p' || pkt[0] == 'P') {
		if (!gdb_parse_hex(&p, &regno) || regno >= gdb_nregs(s->gdb) ||
		    (pkt[0] == 'P' && *p++ != '=')) {
			gdb_error_reply(r, EINVAL);
			return;
		}
	}
	if (pkt[0] == 'g' || pkt[0] == 'p')
		ret = gdb_regs_read(s, tid, r, pkt[0] == 'p' ? (int)regno : -1);
	else
		ret = gdb_regs_write(s, tid, p, pkt[0] == 'P' ? (int)regno : -1);
	if (ret < 0) {
		r->len = 0;
		gdb_error_reply(r, ret);
	} else if (pkt[0] == 'G' || pkt[0] == 'P') {
		gdb_buf_printf(r, "OK");
	}
}

static void points(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	const char *p = pkt + 1;
	uint64_t type, addr, kind;
	int ret;

	if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !gdb_parse_addr_len(&p, &addr, &kind)) {
		gdb_error_reply(r, EINVAL);
		return;
	}
	switch (type) {
	case 0:
		ret = pkt[0] == 'Z' ? gdb_break_insert(s, addr) : gdb_break_remove(s, addr);
		break;
	case 2:
	case 3:
	case 4:
		ret = pkt[0] == 'Z' ? gdb_watch_insert(s, (int)type, addr, kind) :
		      gdb_watch_remove(s, (int)type, addr, kind);
		break;
	default:
		return;	/* Z1 (hardware breakpoints): not supported */
	}
	if (ret < 0)
		gdb_error_reply(r, ret);
	else
		gdb_buf_printf(r, "OK");
}

/* c, C, s, S: the old resume requests, as vCont actions */
static bool legacy_resume(struct sup_session *s, const char *pkt)
{
	unsigned pid = s->gdb->pid, tid = gdb_current(s);
	const char *p = pkt + 1;
	char args[80];
	uint64_t sig = 0;

	if ((pkt[0] == 'C' || pkt[0] == 'S') && !gdb_parse_hex(&p, &sig))
		return false;
	switch (pkt[0]) {
	case 'c':
		snprintf(args, sizeof(args), ";c");
		break;
	case 'C':
		snprintf(args, sizeof(args), ";C%02x:p%x.%x;c", (unsigned)sig, pid, tid);
		break;
	case 's':
		snprintf(args, sizeof(args), ";s:p%x.%x;c", pid, tid);
		break;
	default:
		snprintf(args, sizeof(args), ";S%02x:p%x.%x;c", (unsigned)sig, pid, tid);
		break;
	}
	return gdb_resume(s, args);
}

void gdb_handle_packet(struct sup_session *s, char *pkt, size_t len)
{
	struct sup_gdb *g = s->gdb;
	struct gdb_buf r;
	bool resumed = false, answered = false;
	const char *p;
	pid_t tid;

	gdb_buf_init(&r);
	/* a dead process answers every request for it with its end */
	if (g->dead && strchr("?cCsSv", pkt[0]) && strncmp(pkt, "vKill", 5) &&
	    strncmp(pkt, "vCont?", 6) && strncmp(pkt, "vMustReplyEmpty", 15)) {
		gdb_stop_reply(s, &r);
		gdb_conn_send(&g->conn, r.p, r.len);
		gdb_buf_free(&r);
		if (pkt[0] != '?')
			gdb_disconnect(s, NULL);
		return;
	}
	switch (pkt[0]) {
	case '?':
		gdb_stop_reply(s, &r);
		break;
	case 'g':
	case 'G':
	case 'p':
	case 'P':
		registers(s, pkt, &r);
		break;
	case 'm':
	case 'M':
	case 'x':
	case 'X':
		memory(s, pkt, len, &r);
		break;
	case 'H':
		p = pkt + 2;
		if ((pkt[1] != 'g' && pkt[1] != 'c') || !gdb_parse_thread(&p, NULL, &tid)) {
			gdb_error_reply(&r, EINVAL);
		} else {
			if (pkt[1] == 'g')
				g->cur = tid > 0 ? tid : 0;
			gdb_buf_printf(&r, "OK");
		}
		break;
	case 'T':
		p = pkt + 1;
		if (gdb_parse_thread(&p, NULL, &tid) && tid > 0 && gdb_is_member(s, tid))
			gdb_buf_printf(&r, "OK");
		else
			gdb_error_reply(&r, ESRCH);
		break;
	case 'q':
		gdb_query(s, pkt, &r);
		break;
	case 'Q':
		answered = gdb_set(s, pkt, &r);
		break;
	case 'Z':
	case 'z':
		points(s, pkt, &r);
		break;
	case 'c':
	case 'C':
	case 's':
	case 'S':
		resumed = legacy_resume(s, pkt);
		if (!resumed)
			gdb_error_reply(&r, EINVAL);
		break;
	case 'v':
		if (!strcmp(pkt, "vCont?")) {
			gdb_buf_printf(&r, "vCont;c;C;s;S");
		} else if (!strncmp(pkt, "vCont;", 6)) {
			resumed = gdb_resume(s, pkt + 5);
			if (!resumed)
				gdb_error_reply(&r, EINVAL);
		} else if (!strncmp(pkt, "vFile:", 6)) {
			gdb_file(s, pkt + 6, &r);
		} else if (!strncmp(pkt, "vKill", 5)) {
			gdb_kill(s);
			gdb_conn_send_str(&g->conn, "OK");
			gdb_disconnect(s, "gdb: killed the program");
			gdb_buf_free(&r);
			return;
		}
		break;
	case 'D':
		gdb_conn_send_str(&g->conn, "OK");
		gdb_detach(s);
		gdb_disconnect(s, "gdb: detached; the program goes on under regmap-run");
		gdb_buf_free(&r);
		return;
	case 'k':
		gdb_kill(s);
		gdb_disconnect(s, "gdb: killed the program");
		gdb_buf_free(&r);
		return;
	default:
		break;
	}
	if (!resumed && !answered) {
		if (r.oom) {
			r.len = 0;
			r.oom = false;
			gdb_error_reply(&r, ENOMEM);
		}
		gdb_conn_send(&g->conn, r.p ? r.p : "", r.len);
	}
	gdb_buf_free(&r);
}
