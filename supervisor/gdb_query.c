/*
 * The q and Q requests of the remote protocol: what the server supports,
 * the XML documents and files gdb reads with qXfer (target description,
 * threads, auxv, exec-file, siginfo), monitor commands, and the settings
 * gdb makes (no-ack mode, the signals it passes).
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
	if (!p || (p++, !gdb_parse_addr_len(&p, &off, &len))) {
		gdb_error_reply(r, EINVAL);
		return;
	}
	if (!strcmp(object, "features")) {
		if (strcmp(annex, "target.xml"))
			gdb_error_reply(r, ENOENT);
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
			gdb_error_reply(r, n);
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
			gdb_error_reply(r, EINVAL);
		else if (ptrace(PTRACE_GETSIGINFO, g->last, NULL, &si) < 0)
			gdb_error_reply(r, errno);
		else
			xfer_slice(r, (const char *)&si, sizeof(si), off, len);
	} else if (!strcmp(object, "exec-file")) {
		char path[64], exe[PATH_MAX];
		uint64_t pid = g->pid;
		const char *a = annex;
		ssize_t n;

		if (*a && !gdb_parse_hex(&a, &pid)) {
			gdb_error_reply(r, EINVAL);
			return;
		}
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		n = readlink(path, exe, sizeof(exe));
		if (n < 0)
			gdb_error_reply(r, errno);
		else
			xfer_slice(r, exe, n, off, len);
	}
}

void gdb_query(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	struct sup_gdb *g = s->gdb;

	if (!strncmp(pkt, "qSupported", 10)) {
		/* exec events are told only to a gdb that asks for them */
		g->exec_events = strstr(pkt, "exec-events+") != NULL;
		gdb_buf_printf(r, SUPPORTED "%s", g->exec_events ? ";exec-events+" : "");
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
			gdb_error_reply(r, EINVAL);
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
bool gdb_set(struct sup_session *s, const char *pkt, struct gdb_buf *r)
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
