/*
 * The gdb server's connection and its place in the event loop
 * (doc/GDB.md sections 2 and 4).
 *
 * There is no thread of its own: ptrace requests must come from the
 * tracing thread.  While a client is connected (or awaited), the loop
 * waits here instead of in waitpid(): in poll() on the client socket, the
 * listening socket and a signalfd for SIGCHLD, taking child events with
 * waitpid(WNOHANG).  Packets are served while the program is stopped;
 * while it runs only 0x03 (and the end of the connection) matter.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gdb.h"

int sup_gdb_bind(int port, int *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t alen = sizeof(a);
	int fd, one = 1, err;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a port given again soon after a session: not held up by TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

struct sup_gdb *gdb_new(const struct sup_config *cfg)
{
	struct sup_gdb *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->mode = cfg->gdb;
	g->port = cfg->gdb_port;
	g->lfd = (cfg->gdb & SUP_GDB_START) ? cfg->gdb_fd : -1;
	g->program = cfg->gdb_program;
	g->conn.fd = -1;
	for (int i = 0; i < GDB_MAX_FILES; i++)
		g->files[i] = -1;
	if (gdb_regs_init(g) < 0 || gdb_xml_target(g) < 0) {
		free(g);
		return NULL;
	}
	return g;
}

void gdb_free(struct sup_gdb *g)
{
	if (!g)
		return;
	gdb_conn_close(&g->conn);
	gdb_file_close_all(g);
	if (g->lfd >= 0)
		close(g->lfd);
	free(g->bp);
	free(g->xml);
	free(g);
}

/* PROGRAM for the line to paste, quoted for a shell if it needs it. */
static void program_name(struct sup_session *s, char *buf, size_t size)
{
	struct sup_gdb *g = s->gdb;
	char exe[PATH_MAX], path[64], real[PATH_MAX];
	const char *name = exe;
	ssize_t n;
	size_t len = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)g->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* the name the user gave, if it is still that program */
	if (g->program && (n <= 0 || (realpath(g->program, real) && !strcmp(real, exe))))
		name = g->program;
	if (!name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_./+-:,@=%")]) {
		snprintf(buf, size, "%s", name);
		return;
	}
	sup_append(buf, size, &len, "'");
	for (const char *p = name; *p; p++)
		sup_append(buf, size, &len, *p == '\'' ? "'\\''" : "%c", *p);
	sup_append(buf, size, &len, "'");
}

int gdb_bind(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	int fd;

	if (g->lfd >= 0)
		return 0;
	fd = sup_gdb_bind(g->port, &g->port);
	if (fd < 0) {
		sup_msgf(s, SUP_MSG_GDB, "warning: gdb: cannot listen on 127.0.0.1:%d: %s",
			 g->port, strerror(-fd));
		return fd;
	}
	g->lfd = fd;
	return 0;
}

int gdb_listen(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	char prog[PATH_MAX + 64];
	int ret = gdb_bind(s);

	if (ret < 0)
		return ret;
	program_name(s, prog, sizeof(prog));
	sup_msgf(s, SUP_MSG_GDB, "gdb: listening on 127.0.0.1:%d; connect with: "
		 "gdb -ex 'target remote :%d' %s", g->port, g->port, prog);
	return 0;
}

void gdb_disconnect(struct sup_session *s, const char *why)
{
	struct sup_gdb *g = s->gdb;

	if (why)
		sup_msgf(s, SUP_MSG_GDB, "%s", why);
	gdb_conn_close(&g->conn);
	gdb_file_close_all(g);
	if (g->lfd >= 0)
		close(g->lfd);
	g->lfd = -1;
	g->state = GDB_OFF;
	g->dead = false;
	g->pid = 0;
	g->cur = g->last = 0;
	g->nbp = 0;
	g->nwatch = 0;
	memset(g->pass, 0, sizeof(g->pass));
}

static void accept_client(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC), one = 1;

	if (fd < 0)
		return;
	if (g->conn.fd >= 0 || g->state != GDB_AWAITING) {
		close(fd);
		sup_msgf(s, SUP_MSG_GDB, "warning: gdb: refused a second connection on port %d: "
			 "a gdb is already connected (one at a time)", g->port);
		return;
	}
	/* packets are small and answered one by one: no Nagle delays */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	gdb_conn_init(&g->conn, fd);
	g->state = GDB_STOPPED;
	sup_msgf(s, SUP_MSG_GDB, "gdb: connected");
}

/* The client went away without D or k: as a detach, so nothing stays stopped. */
static void lost(struct sup_session *s)
{
	gdb_detach(s);
	gdb_disconnect(s, "gdb: the connection closed without a detach; the program "
		       "goes on under regmap-run");
}

static void client_input(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;

	gdb_conn_fill(&g->conn);
	for (;;) {
		bool stopped = g->state == GDB_STOPPED;
		int got = gdb_conn_next(&g->conn, stopped);

		if (g->conn.interrupt) {
			g->conn.interrupt = false;
			gdb_interrupt(s);
			continue;
		}
		if (got <= 0)
			break;
		gdb_handle_packet(s, g->conn.pkt, g->conn.pktlen);
		if (g->conn.fd < 0 || g->state != GDB_STOPPED)
			return;	/* gone, or resumed: the loop has work first */
	}
	if (g->conn.eof && g->conn.fd >= 0)
		lost(s);
}

/* --gdb: hold the program where it is and wait for gdb. */
static void start(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;
	pid_t tids[1024];
	unsigned n;

	g->started = true;
	if (!(g->mode & SUP_GDB_START) || s->pid_done)
		return;
	g->pid = s->pid;
	g->attached = s->attached;
	if (gdb_listen(s) < 0)
		return;
	if (s->exec_held) {
		/* launched: at the exec stop, before the program's first instruction */
		s->exec_held = false;
		gdb_stop(s, s->pid, W_STOPCODE(SIGTRAP) | PTRACE_EVENT_EXEC << 16,
			 GDB_WHY_START, 0, 0, 0);
		return;
	}
	/* attached: stopped where it is */
	sup_world_stop_scope(s, 0, SUP_WORLD_PROCESS, g->pid);
	n = gdb_threads(s, tids, sizeof(tids) / sizeof(tids[0]));
	g->last = n ? tids[0] : s->pid;
	for (unsigned i = 0; i < n; i++)
		if (tids[i] == s->pid)
			g->last = s->pid;
	g->why = GDB_WHY_START;
	g->last_sig = 0;
	g->state = GDB_AWAITING;
}

pid_t sup_gdb_wait(struct sup_session *s, int *status)
{
	struct sup_gdb *g = s->gdb;
	int sigfd = sup_sigchld_fd(s);

	if (!g->started)
		start(s);
	for (;;) {
		struct pollfd p[3];
		int np = 0, r;
		pid_t tid;

		if (g->state == GDB_OFF)
			return sup_wait(s, status);
		if (s->detach && *s->detach) {
			errno = EINTR;
			return -1;
		}
		if (g->state == GDB_RESUMING) {
			/* queued events of the threads gdb resumes first, their resumes deferred */
			s->world.drain = true;
			tid = sup_wait_opts(s, status, WNOHANG);
			if (tid != 0)
				return tid;
			if (g->state == GDB_RESUMING) {
				sup_world_resume(s);
				g->state = GDB_RUNNING;
			}
			continue;
		}
		/* clear first: an event after the WNOHANG drain leaves SIGCHLD pending */
		sup_sigchld_clear(s);
		tid = sup_wait_opts(s, status, WNOHANG);
		if (tid > 0 || (tid < 0 && errno != ECHILD))
			return tid;
		if (tid < 0 && g->conn.fd < 0)
			return tid;	/* nothing left and no gdb to tell */
		if (sigfd >= 0 && tid == 0)
			p[np++] = (struct pollfd){ sigfd, POLLIN, 0 };
		if (g->conn.fd >= 0)
			p[np++] = (struct pollfd){ g->conn.fd, POLLIN, 0 };
		if (g->lfd >= 0)
			p[np++] = (struct pollfd){ g->lfd, POLLIN, 0 };
		r = poll(p, np, sigfd < 0 && tid == 0 ? 10 : -1);
		if (r < 0)
			return -1;	/* EINTR: the loop looks at *s->detach */
		for (int i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == g->lfd)
				accept_client(s);
			else if (p[i].fd == g->conn.fd)
				client_input(s);
		}
	}
}

/* regmap-run lets go of everything (-p detach): gdb is let go first. */
void sup_gdb_shutdown(struct sup_session *s)
{
	struct sup_gdb *g = s->gdb;

	if (!g || g->state == GDB_OFF)
		return;
	if (g->pid)
		gdb_detach(s);
	gdb_disconnect(s, "gdb: regmap-run detaches from the program; the gdb session ends");
}
