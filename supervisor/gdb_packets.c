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

#define SUPPORTED "PacketSize=4000;QStartNoAckMode+;multiprocess+;swbreak+;" \
	"vContSupported+;QPassSignals+;qXfer:features:read+;qXfer:auxv:read+;" \
	"qXfer:exec-file:read+;qXfer:threads:read+;qXfer:siginfo:read+;binary-upload+"

/* E and a two-digit errno, as gdbserver answers */
static void error_reply(struct gdb_buf *r, int err)
{
	gdb_buf_printf(r, "E%02x", (err < 0 ? -err : err) & 0xff);
}

bool gdb_parse_thread(const char **pp, pid_t *tid)
{
	const char *p = *pp;
	uint64_t v;

	if (*p == 'p') {
		/* p<pid>.<tid>, p<pid>, p<pid>.-1 */
		p++;
		if (!strncmp(p, "-1", 2))
			p += 2;
		else if (!gdb_parse_hex(&p, &v))
			return false;
		*tid = -1;
		if (*p == '.') {
			p++;
			if (!strncmp(p, "-1", 2)) {
				p += 2;
			} else {
				if (!gdb_parse_hex(&p, &v))
					return false;
				*tid = (pid_t)v;
			}
		}
	} else if (!strncmp(p, "-1", 2)) {
		p += 2;
		*tid = -1;
	} else {
		if (!gdb_parse_hex(&p, &v))
			return false;
		*tid = (pid_t)v;
	}
	*pp = p;
	return true;
}

/* "addr,len" */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
	if (!gdb_parse_hex(p, addr) || **p != ',')
		return false;
	(*p)++;
	return gdb_parse_hex(p, len);
}

/* A piece [off, off + len) of a document, as qXfer wants it. */
static void xfer_slice(struct gdb_buf *r, const char *doc, size_t size, uint64_t off,
		       uint64_t len)
{
	size_t n;

	if (off >= size) {
		gdb_buf_add(r, "l", 1);
		return;
	}
	n = size - off < len ? size - off : len;
	gdb_buf_add(r, off + n < size ? "m" : "l", 1);
	gdb_buf_add(r, doc + off, n);
}

/* The whole of a (small) /proc file. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size && (n = read(fd, buf + total, size - total)) > 0)
		total += n;
	close(fd);
	return total;
}

static void xfer(struct sup_session *s, const char *args, struct gdb_buf *r)
{
	struct sup_gdb *g = s->gdb;
	char object[32], annex[64];
	const char *p;
	uint64_t off, len;

	/* <object>:read:<annex>:<off>,<len> */
	if (sscanf(args, "%31[^:]:read:%63[^:]:", object, annex) != 2 &&
	    (annex[0] = '\0', sscanf(args, "%31[^:]:read::", object) != 1)) {
		return;
	}
	p = strrchr(args, ':');
	if (!p || (p++, !parse_addr_len(&p, &off, &len))) {
		error_reply(r, EINVAL);
		return;
	}
	if (!strcmp(object, "features")) {
		if (strcmp(annex, "target.xml"))
			error_reply(r, ENOENT);
		else
			xfer_slice(r, g->xml, g->xml_len, off, len);
	} else if (!strcmp(object, "threads")) {
		struct gdb_buf doc;

		gdb_buf_init(&doc);
		gdb_xml_threads(s, &doc);
		xfer_slice(r, doc.p, doc.len, off, len);
		gdb_buf_free(&doc);
	} else if (!strcmp(object, "auxv")) {
		char path[64], buf[4096];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/auxv", (int)g->pid);
		n = read_file(path, buf, sizeof(buf));
		if (n < 0)
			error_reply(r, n);
		else
			xfer_slice(r, buf, n, off, len);
	} else if (!strcmp(object, "siginfo")) {
		siginfo_t si;

		/*
		 * Only the thread stopped with a signal for the program has
		 * one worth showing (a map access that ended a step is not a
		 * signal to gdb).
		 */
		if (gdb_current(s) != g->last || g->why != GDB_WHY_SIGNAL)
			error_reply(r, EINVAL);
		else if (ptrace(PTRACE_GETSIGINFO, g->last, NULL, &si) < 0)
			error_reply(r, errno);
		else
			xfer_slice(r, (const char *)&si, sizeof(si), off, len);
	} else if (!strcmp(object, "exec-file")) {
		char path[64], exe[PATH_MAX];
		uint64_t pid = g->pid;
		const char *a = annex;
		ssize_t n;

		if (*a && !gdb_parse_hex(&a, &pid)) {
			error_reply(r, EINVAL);
			return;
		}
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe));
		if (n < 0)
			error_reply(r, errno);
		else
			xfer_slice(r, exe, n, off, len);
	}
}

static void query(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	struct sup_gdb *g = s->gdb;

	if (!strncmp(pkt, "qSupported", 10)) {
		gdb_buf_printf(r, SUPPORTED);
	} else if (!strncmp(pkt, "qXfer:", 6)) {
		xfer(s, pkt + 6, r);
	} else if (!strcmp(pkt, "qC")) {
		gdb_buf_printf(r, "QCp%x.%x", (unsigned)g->pid, (unsigned)gdb_current(s));
	} else if (!strcmp(pkt, "qfThreadInfo")) {
		pid_t tids[1024];
		unsigned n = gdb_threads(s, tids, sizeof(tids) / sizeof(tids[0]));

		gdb_buf_add(r, "m", 1);
		for (unsigned i = 0; i < n; i++)
			gdb_buf_printf(r, "%sp%x.%x", i ? "," : "", (unsigned)g->pid,
				       (unsigned)tids[i]);
	} else if (!strcmp(pkt, "qsThreadInfo")) {
		gdb_buf_add(r, "l", 1);
	} else if (!strncmp(pkt, "qAttached", 9)) {
		gdb_buf_add(r, g->attached ? "1" : "0", 1);
	} else if (!strncmp(pkt, "qSymbol:", 8)) {
		gdb_buf_printf(r, "OK");
	} else if (!strncmp(pkt, "qRcmd,", 6)) {
		size_t nhex = strlen(pkt + 6);
		char *cmd = malloc(nhex / 2 + 1);
		struct gdb_buf out;
		ssize_t n;

		if (!cmd || (n = gdb_unhex(pkt + 6, nhex, (uint8_t *)cmd, nhex / 2)) < 0) {
			free(cmd);
			error_reply(r, EINVAL);
			return;
		}
		cmd[n] = '\0';
		gdb_buf_init(&out);
		gdb_monitor(s, cmd, &out);
		free(cmd);
		/* the output as console packets, then the reply */
		for (size_t off = 0; off < out.len; off += 1024) {
			struct gdb_buf o;
			size_t k = out.len - off < 1024 ? out.len - off : 1024;

			gdb_buf_init(&o);
			gdb_buf_add(&o, "O", 1);
			gdb_buf_hex(&o, out.p + off, k);
			gdb_conn_send(&g->conn, o.p, o.len);
			gdb_buf_free(&o);
		}
		gdb_buf_free(&out);
		gdb_buf_printf(r, "OK");
	}
	/* qOffsets, qTStatus, qGetTLSAddr, qThreadExtraInfo, ...: not supported */
}

/* QPassSignals:a;b;...  (gdb's signal numbers) */
static void pass_signals(struct sup_gdb *g, const char *p)
{
	uint64_t v;

	memset(g->pass, 0, sizeof(g->pass));
	while (*p && gdb_parse_hex(&p, &v)) {
		int sig = gdb_signal_to_host((int)v);

		if (sig > 0 && sig < 128)
			g->pass[sig / 64] |= 1ull << (sig % 64);
		if (*p == ';')
			p++;
	}
}

/* Q requests; true if the reply has been sent already */
static bool set(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	struct sup_gdb *g = s->gdb;

	if (!strcmp(pkt, "QStartNoAckMode")) {
		/* the OK still goes out in ack mode */
		gdb_conn_send_str(&g->conn, "OK");
		g->conn.noack = true;
		return true;
	} else if (!strncmp(pkt, "QPassSignals:", 13)) {
		pass_signals(g, pkt + 13);
		gdb_buf_printf(r, "OK");
	} else if (!strncmp(pkt, "QProgramSignals:", 16)) {
		/* the program gets the signals it gets: nothing to filter */
		gdb_buf_printf(r, "OK");
	} else if (!strcmp(pkt, "QNonStop:0")) {
		gdb_buf_printf(r, "OK");
	}
	return false;
}

static void memory(struct sup_session *s, const char *pkt, size_t len, struct gdb_buf *r)
{
	const char *p = pkt + 1;
	uint64_t addr, n;
	pid_t tid = gdb_current(s);
	uint8_t *buf;
	ssize_t got;

	if (!parse_addr_len(&p, &addr, &n) || n > GDB_PACKET_SIZE) {
		error_reply(r, EINVAL);
		return;
	}
	if (pkt[0] == 'm' || pkt[0] == 'x') {
		buf = malloc(n ? n : 1);
		if (!buf) {
			error_reply(r, ENOMEM);
			return;
		}
		got = gdb_mem_read(s, tid, addr, buf, n);
		if (got < 0 || (got == 0 && n))
			error_reply(r, got < 0 ? got : EFAULT);
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
		error_reply(r, EINVAL);
		return;
	}
	p++;
	buf = malloc(n ? n : 1);
	if (!buf) {
		error_reply(r, ENOMEM);
		return;
	}
	if (pkt[0] == 'M' ? gdb_unhex(p, strlen(p), buf, n) != (ssize_t)n :
	    (size_t)(pkt + len - p) != n) {
		free(buf);
		error_reply(r, EINVAL);
		return;
	}
	if (pkt[0] == 'X')
		memcpy(buf, p, n);
	got = n ? gdb_mem_write(s, tid, addr, buf, n) : 0;
	free(buf);
	if (got < 0)
		error_reply(r, got);
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
			error_reply(r, EINVAL);
			return;
		}
	}
	if (pkt[0] == 'g' || pkt[0] == 'p')
		ret = gdb_regs_read(s, tid, r, pkt[0] == 'p' ? (int)regno : -1);
	else
		ret = gdb_regs_write(s, tid, p, pkt[0] == 'P' ? (int)regno : -1);
	if (ret < 0) {
		r->len = 0;
		error_reply(r, ret);
	} else if (pkt[0] == 'G' || pkt[0] == 'P') {
		gdb_buf_printf(r, "OK");
	}
}

static void points(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	const char *p = pkt + 1;
	uint64_t type, addr, kind;
	int ret;

	if (!gdb_parse_hex(&p, &type) || *p++ != ',' || !parse_addr_len(&p, &addr, &kind)) {
		error_reply(r, EINVAL);
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
		error_reply(r, ret);
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
		if ((pkt[1] != 'g' && pkt[1] != 'c') || !gdb_parse_thread(&p, &tid)) {
			error_reply(&r, EINVAL);
		} else {
			if (pkt[1] == 'g')
				g->cur = tid > 0 ? tid : 0;
			gdb_buf_printf(&r, "OK");
		}
		break;
	case 'T':
		p = pkt + 1;
		if (gdb_parse_thread(&p, &tid) && tid > 0 && gdb_is_member(s, tid))
			gdb_buf_printf(&r, "OK");
		else
			error_reply(&r, ESRCH);
		break;
	case 'q':
		query(s, pkt, &r);
		break;
	case 'Q':
		answered = set(s, pkt, &r);
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
			error_reply(&r, EINVAL);
		break;
	case 'v':
		if (!strcmp(pkt, "vCont?")) {
			gdb_buf_printf(&r, "vCont;c;C;s;S");
		} else if (!strncmp(pkt, "vCont;", 6)) {
			resumed = gdb_resume(s, pkt + 5);
			if (!resumed)
				error_reply(&r, EINVAL);
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
			error_reply(&r, ENOMEM);
		}
		gdb_conn_send(&g->conn, r.p ? r.p : "", r.len);
	}
	gdb_buf_free(&r);
}
