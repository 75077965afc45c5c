/*
 * The message for an instruction regmap cannot emulate, built without
 * stdio or malloc and written with one write(2) so that lines from
 * several threads do not interleave:
 *
 *   regmap: cannot emulate `fld qword ptr [0x8]` at 0x401136 <main+22>
 *   (unsupported instruction on the register map)
 *
 * (one line).  regmap_emu_format() uses Zydis' formatter, which works in
 * caller buffers and does not allocate.  The symbol comes from dladdr(),
 * which does not allocate either; glibc's takes the loader's recursive
 * lock, so it can wait for a dlopen() in another thread but not deadlock
 * on one in this thread.  This path runs once, before the program gets
 * its signal.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "lib_internal.h"

struct lib_buf {
	char *p;
	size_t len, size;
};

static void lib_put(struct lib_buf *b, const char *s, size_t n)
{
	if (n > b->size - b->len)
		n = b->size - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void lib_puts(struct lib_buf *b, const char *s)
{
	lib_put(b, s, strlen(s));
}

static void lib_put_hex(struct lib_buf *b, uint64_t v)
{
	char tmp[18];
	int i = sizeof(tmp);

	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	lib_put(b, tmp + i, sizeof(tmp) - i);
}

void lib_write_err(const char *msg, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDERR_FILENO, msg, len);
		if (n <= 0)
			return;
		msg += n;
		len -= n;
	}
}

void lib_report_unsupported(const struct regmap_emu_insn *insn, int decoded, uint64_t rip)
{
	char line[512], text[160];
	struct lib_buf b = { line, 0, sizeof(line) - 1 };
	Dl_info info;

	lib_puts(&b, "regmap: cannot emulate `");
	if (decoded) {
		regmap_emu_format(insn, rip, text, sizeof(text));
		lib_puts(&b, text);
	} else {
		lib_puts(&b, "?");
	}
	lib_puts(&b, "` at ");
	lib_put_hex(&b, rip);
	if (dladdr((void *)(uintptr_t)rip, &info) && info.dli_sname && info.dli_saddr) {
		lib_puts(&b, " <");
		lib_puts(&b, info.dli_sname);
		lib_puts(&b, "+");
		lib_put_hex(&b, rip - (uintptr_t)info.dli_saddr);
		lib_puts(&b, ">");
	}
	lib_puts(&b, " (unsupported instruction on the register map)\n");
	if (line[b.len - 1] != '\n')
		line[b.len++] = '\n';
	lib_write_err(line, b.len);
}
