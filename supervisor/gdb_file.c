/*
 * vFile: the files of the debugged program's machine, for gdb (its
 * sysroot is "target:" by default, so it reads the program, its shared
 * libraries and /proc files this way).  regmap-run runs on the machine
 * gdb runs on, so this is mostly a courtesy that spares gdb's warning
 * and lets it read /proc/PID/... as it would from gdbserver.
 *
 * Read-only: open for writing, pwrite and unlink are refused (gdb can
 * already change the program's memory; it has no business changing
 * files through regmap-run).  Errors and open flags use the protocol's
 * own numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gdb.h"

/* errno -> the protocol's numbers */
static int proto_errno(int err)
{
	switch (err) {
	case EPERM: return 1;
	case ENOENT: return 2;
	case EINTR: return 4;
	case EBADF: return 9;
	case EACCES: return 13;
	case EFAULT: return 14;
	case EBUSY: return 16;
	case EEXIST: return 17;
	case ENODEV: return 19;
	case ENOTDIR: return 20;
	case EISDIR: return 21;
	case EINVAL: return 22;
	case ENFILE: return 23;
	case EMFILE: return 24;
	case EFBIG: return 27;
	case ENOSPC: return 28;
	case ESPIPE: return 29;
	case EROFS: return 30;
	case ENAMETOOLONG: return 91;
	default: return 9999;
	}
}

static void fail(struct gdb_buf *r, int err)
{
	gdb_buf_printf(r, "F-1,%x", proto_errno(err));
}

/* a hex-encoded file name up to ',' (or the end) */
static bool path_arg(const char **p, char *path, size_t size)
{
	size_t n = strcspn(*p, ",");
	ssize_t k = gdb_unhex(*p, n, (uint8_t *)path, size - 1);

	if (k < 0)
		return false;
	path[k] = '\0';
	*p += n;
	return true;
}

static int *slot(struct sup_gdb *g, uint64_t fd)
{
	return fd < GDB_MAX_FILES && g->files[fd] >= 0 ? &g->files[fd] : NULL;
}

/* struct stat as the protocol lays it out: big-endian, fixed sizes */
static void put_be(uint8_t **p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		(*p)[i] = v >> (8 * (bytes - 1 - i));
	*p += bytes;
}

static void fstat_reply(struct gdb_buf *r, const struct stat *st)
{
	uint8_t buf[64], *p = buf;

	put_be(&p, st->st_dev, 4);
	put_be(&p, st->st_ino, 4);
	put_be(&p, st->st_mode, 4);
	put_be(&p, st->st_nlink, 4);
	put_be(&p, st->st_uid, 4);
	put_be(&p, st->st_gid, 4);
	put_be(&p, st->st_rdev, 4);
	put_be(&p, st->st_size, 8);
	put_be(&p, st->st_blksize, 8);
	put_be(&p, st->st_blocks, 8);
	put_be(&p, st->st_atime, 4);
	put_be(&p, st->st_mtime, 4);
	put_be(&p, st->st_ctime, 4);
	gdb_buf_printf(r, "F%zx;", sizeof(buf));
	gdb_buf_add(r, buf, sizeof(buf));
}

void gdb_file(struct sup_session *s, const char *pkt, struct gdb_buf *r)
{
	struct sup_gdb *g = s->gdb;
	const char *p;
	char path[PATH_MAX];
	uint64_t fd, count, off, flags;
	int *f;

	if (!strncmp(pkt, "setfs:", 6)) {
		/* the same file system as regmap-run's, whichever process gdb means */
		gdb_buf_printf(r, "F0");
	} else if (!strncmp(pkt, "open:", 5)) {
		int i;

		p = pkt + 5;
		if (!path_arg(&p, path, sizeof(path)) || *p++ != ',' || !gdb_parse_hex(&p, &flags)) {
			fail(r, EINVAL);
			return;
		}
		if (flags & 3) {	/* the protocol's O_WRONLY, O_RDWR */
			fail(r, EACCES);
			return;
		}
		for (i = 0; i < GDB_MAX_FILES && g->files[i] >= 0; i++)
			;
		if (i == GDB_MAX_FILES) {
			fail(r, EMFILE);
			return;
		}
		g->files[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (g->files[i] < 0)
			fail(r, errno);
		else
			gdb_buf_printf(r, "F%x", i);
	} else if (!strncmp(pkt, "pread:", 6)) {
		char *buf;
		ssize_t n;

		p = pkt + 6;
		if (!gdb_parse_hex(&p, &fd) || *p++ != ',' || !gdb_parse_hex(&p, &count) ||
		    *p++ != ',' || !gdb_parse_hex(&p, &off) || !(f = slot(g, fd))) {
			fail(r, EBADF);
			return;
		}
		if (count > GDB_PACKET_SIZE / 2)
			count = GDB_PACKET_SIZE / 2;
		buf = malloc(count ? count : 1);
		if (!buf) {
			fail(r, ENOMEM);
			return;
		}
		n = pread(*f, buf, count, (off_t)off);
		if (n < 0) {
			fail(r, errno);
		} else {
			gdb_buf_printf(r, "F%zx;", (size_t)n);
			gdb_buf_add(r, buf, n);
		}
		free(buf);
	} else if (!strncmp(pkt, "close:", 6)) {
		p = pkt + 6;
		if (!gdb_parse_hex(&p, &fd) || !(f = slot(g, fd))) {
			fail(r, EBADF);
			return;
		}
		close(*f);
		*f = -1;
		gdb_buf_printf(r, "F0");
	} else if (!strncmp(pkt, "fstat:", 6)) {
		struct stat st;

		p = pkt + 6;
		if (!gdb_parse_hex(&p, &fd) || !(f = slot(g, fd)) || fstat(*f, &st) < 0)
			fail(r, EBADF);
		else
			fstat_reply(r, &st);
	} else if (!strncmp(pkt, "readlink:", 9)) {
		char target[PATH_MAX];
		ssize_t n;

		p = pkt + 9;
		if (!path_arg(&p, path, sizeof(path))) {
			fail(r, EINVAL);
			return;
		}
		n = readlink(path, target, sizeof(target));
		if (n < 0) {
			fail(r, errno);
		} else {
			gdb_buf_printf(r, "F%zx;", (size_t)n);
			gdb_buf_add(r, target, n);
		}
	} else if (!strncmp(pkt, "pwrite:", 7) || !strncmp(pkt, "unlink:", 7)) {
		fail(r, EACCES);
	}
}

void gdb_file_close_all(struct sup_gdb *g)
{
	for (int i = 0; i < GDB_MAX_FILES; i++)
		if (g->files[i] >= 0) {
			close(g->files[i]);
			g->files[i] = -1;
		}
}
