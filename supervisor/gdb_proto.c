/*
 * The GDB Remote Serial Protocol's packet layer: bytes in, packets out.
 *
 *   $payload#cs     a packet; cs is the sum of the payload bytes modulo
 *                   256 in two hex digits
 *   + / -           acknowledgement / request to resend (until no-ack mode)
 *   0x03            an interrupt (Ctrl-C), outside any packet
 *   }x              in a payload: the byte x ^ 0x20 ('#', '$', '}' and, from
 *                   us, '*' which would start a run-length code)
 *
 * What a packet means is not this file's business (gdb_packets.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdb.h"

/* ---- buffers ---- */

void gdb_buf_init(struct gdb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void gdb_buf_free(struct gdb_buf *b)
{
	free(b->p);
	gdb_buf_init(b);
}

static bool reserve(struct gdb_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void gdb_buf_add(struct gdb_buf *b, const void *data, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void gdb_buf_printf(struct gdb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

void gdb_buf_hex(struct gdb_buf *b, const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *d = data;

	if (!reserve(b, 2 * len))
		return;
	for (size_t i = 0; i < len; i++) {
		b->p[b->len++] = digits[d[i] >> 4];
		b->p[b->len++] = digits[d[i] & 15];
	}
	b->p[b->len] = '\0';
}

/* ---- hex ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t gdb_unhex(const char *hex, size_t nhex, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (nhex % 2)
		return -1;
	for (size_t i = 0; i < nhex; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0 || n == max)
			return -1;
		out[n++] = hi << 4 | lo;
	}
	return n;
}

bool gdb_parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	if (hexval(*s) < 0)
		return false;
	while ((d = hexval(*s)) >= 0) {
		if (x >> 60)
			return false;	/* more than 64 bits */
		x = x << 4 | d;
		s++;
	}
	*v = x;
	*p = s;
	return true;
}

/* E and a two-digit errno, as gdbserver answers */
void gdb_error_reply(struct gdb_buf *r, int err)
{
	gdb_buf_printf(r, "E%02x", (err < 0 ? -err : err) & 0xff);
}

/* "addr,len" */
bool gdb_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
	if (!gdb_parse_hex(p, addr) || **p != ',')
		return false;
	(*p)++;
	return gdb_parse_hex(p, len);
}

/* "-1", or a hex number */
static bool id_or_all(const char **p, pid_t *v)
{
	uint64_t x;

	if (!strncmp(*p, "-1", 2)) {
		*p += 2;
		*v = -1;
		return true;
	}
	if (!gdb_parse_hex(p, &x))
		return false;
	*v = (pid_t)x;
	return true;
}

bool gdb_parse_thread(const char **pp, pid_t *pid, pid_t *tid)
{
	const char *p = *pp;
	pid_t ppid = -1, ttid = -1;

	if (*p == 'p') {
		/* multiprocess: p<pid>.<tid>, p<pid> (all its threads) */
		p++;
		if (!id_or_all(&p, &ppid))
			return false;
		if (*p == '.' && (p++, !id_or_all(&p, &ttid)))
			return false;
	} else if (!id_or_all(&p, &ttid)) {
		return false;
	}
	if (pid)
		*pid = ppid;
	*tid = ttid;
	*pp = p;
	return true;
}

/* ---- the connection ---- */

void gdb_conn_init(struct gdb_conn *c, int fd)
{
	gdb_buf_free(&c->last);
	c->fd = fd;
	c->noack = false;
	c->eof = false;
	c->interrupt = false;
	c->inlen = 0;
	c->pktlen = 0;
	c->pkt[0] = '\0';
}

void gdb_conn_close(struct gdb_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	gdb_buf_free(&c->last);
}

static void write_all(struct gdb_conn *c, const char *p, size_t len)
{
	while (len && c->fd >= 0 && !c->eof) {
		ssize_t n = write(c->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->eof = true;	/* the peer is gone: the server notices at its next read */
			return;
		}
		p += n;
		len -= n;
	}
}

void gdb_conn_fill(struct gdb_conn *c)
{
	ssize_t n;

	if (c->fd < 0 || c->eof)
		return;
	if (c->inlen == sizeof(c->in)) {
		/* a packet larger than we said we take: nothing can come of it */
		c->eof = true;
		return;
	}
	do
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	while (n < 0 && errno == EINTR);
	if (n <= 0 && !(n < 0 && errno == EAGAIN))
		c->eof = true;
	else if (n > 0)
		c->inlen += n;
}

static void consume(struct gdb_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/* Unescape the payload in[1..end) into c->pkt; false if it does not fit. */
static bool unescape(struct gdb_conn *c, size_t end)
{
	size_t n = 0;

	for (size_t i = 1; i < end; i++) {
		char ch = c->in[i];

		if (ch == '}' && i + 1 < end)
			ch = c->in[++i] ^ 0x20;
		if (n == sizeof(c->pkt) - 1)
			return false;
		c->pkt[n++] = ch;
	}
	c->pkt[n] = '\0';
	c->pktlen = n;
	return true;
}

int gdb_conn_next(struct gdb_conn *c, bool packets)
{
	while (c->inlen) {
		char *hash;
		size_t end;
		uint8_t sum = 0, want;

		switch (c->in[0]) {
		case '+':
			consume(c, 1);
			continue;
		case '-':
			consume(c, 1);
			if (!c->noack && c->last.len)
				write_all(c, c->last.p, c->last.len);
			continue;
		case 0x03:
			consume(c, 1);
			c->interrupt = true;
			continue;
		case '$':
			if (!packets)
				return 0;
			break;
		default:
			consume(c, 1);	/* noise between packets */
			continue;
		}
		hash = memchr(c->in, '#', c->inlen);
		if (!hash || (size_t)(hash - c->in) + 3 > c->inlen)
			return 0;	/* not complete yet */
		end = hash - c->in;
		for (size_t i = 1; i < end; i++)
			sum += (uint8_t)c->in[i];
		if (gdb_unhex(hash + 1, 2, &want, 1) != 1 || (!c->noack && want != sum)) {
			consume(c, end + 3);
			if (!c->noack)
				write_all(c, "-", 1);
			continue;
		}
		if (!c->noack)
			write_all(c, "+", 1);
		if (!unescape(c, end)) {
			consume(c, end + 3);
			continue;
		}
		consume(c, end + 3);
		return 1;
	}
	return 0;
}

void gdb_conn_send(struct gdb_conn *c, const char *data, size_t len)
{
	struct gdb_buf *b = &c->last;
	uint8_t sum = 0;

	b->len = 0;
	b->oom = false;
	gdb_buf_add(b, "$", 1);
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];

		if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
			char esc[2] = { '}', ch ^ 0x20 };

			gdb_buf_add(b, esc, 2);
			sum += (uint8_t)'}' + (uint8_t)(ch ^ 0x20);
		} else {
			gdb_buf_add(b, &ch, 1);
			sum += (uint8_t)ch;
		}
	}
	gdb_buf_printf(b, "#%02x", sum);
	if (b->oom) {
		/* no memory for the reply: an error is all gdb can get */
		b->len = 0;
		b->oom = false;
		gdb_buf_add(b, "$E0c#d8", 7);
	}
	write_all(c, b->p, b->len);
}

void gdb_conn_send_str(struct gdb_conn *c, const char *s)
{
	gdb_conn_send(c, s, strlen(s));
}
