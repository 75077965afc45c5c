/*
 * --trace: one line per map access an emulated instruction made.
 *
 * Text:  [TID] R|W SIZE 0xOFF REGS = VALUE  INSN  at 0xRIP <sym+off>
 * JSON:  {"tid":..,"pid":..,"access":"R",...} (--trace-format=json)
 *
 * Only called when tracing is on; the symbol name comes from the cache
 * (symcache.c), so a hot loop is symbolized once per site.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sup_internal.h"

/*
 * The registers an access covers: "rdi", "rax+4" (from byte 4 of rax),
 * "rax+4,rcx" (straddling two).  sep separates the names.
 */
void sup_access_regs(const struct regmap_emu_access *a, char *buf, size_t size,
		     const char *quote, const char *sep)
{
	unsigned first = a->offset, last = a->offset + a->size - 1;
	size_t len = 0;

	buf[0] = '\0';
	if (last >= REGMAP_MAP_SIZE)
		last = REGMAP_MAP_SIZE - 1;
	for (unsigned off = first & ~7u; off <= last; off += 8) {
		const char *name = regmap_emu_reg_name(off);

		sup_append(buf, size, &len, "%s%s%s", off == (first & ~7u) ? "" : sep, quote,
		    name ? name : "?");
		if (off < first)
			sup_append(buf, size, &len, "+%u", first - off);
		sup_append(buf, size, &len, "%s", quote);
	}
}

/* The value as one hexadecimal number (little-endian bytes, up to 16). */
static void access_value(const struct regmap_emu_access *a, char *buf, size_t size)
{
	unsigned shown = a->size < 16 ? a->size : 16;
	size_t len = 0;
	unsigned b = shown;

	buf[0] = '\0';
	sup_append(buf, size, &len, "0x");
	/* no leading zeros, but at least one digit */
	while (b > 1 && a->data[b - 1] == 0)
		b--;
	sup_append(buf, size, &len, "%x", a->data[b - 1]);
	while (--b > 0)
		sup_append(buf, size, &len, "%02x", a->data[b - 1]);
}

/* JSON string contents: escape quotes, backslashes and control bytes */
static void json_str(char *buf, size_t size, size_t *len, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			sup_append(buf, size, len, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sup_append(buf, size, len, "\\u%04x", c);
		else
			sup_append(buf, size, len, "%c", c);
	}
}

static void trace_text(struct sup_session *s, pid_t tid, uint64_t rip, const char *text,
		       const char *sym, const struct regmap_emu_access *a)
{
	char regs[64], val[48];

	sup_access_regs(a, regs, sizeof(regs), "", ",");
	access_value(a, val, sizeof(val));
	sup_msgf(s, SUP_MSG_TRACE, "[%d] %c %u 0x%02x %s = %s  %s  at 0x%" PRIx64 "%s%s%s",
		 (int)tid, a->write ? 'W' : 'R', a->size, a->offset, regs, val, text, rip,
		 sym[0] ? " <" : "", sym, sym[0] ? ">" : "");
}

static void trace_json(struct sup_session *s, pid_t tid, uint64_t rip, const char *text,
		       const char *sym, const struct regmap_emu_access *a)
{
	char line[768], regs[96], val[48];
	size_t len = 0;

	sup_access_regs(a, regs, sizeof(regs), "\"", ",");
	access_value(a, val, sizeof(val));
	sup_append(line, sizeof(line), &len, "{\"tid\":%d,\"pid\":%d,\"access\":\"%c\",\"size\":%u,"
	    "\"offset\":%u,\"regs\":[%s],\"value\":\"%s\",\"insn\":\"", (int)tid,
	    (int)sup_thread_tgid(s, tid), a->write ? 'W' : 'R', a->size, a->offset, regs, val);
	json_str(line, sizeof(line), &len, text);
	sup_append(line, sizeof(line), &len, "\",\"rip\":\"0x%" PRIx64 "\",\"symbol\":\"", rip);
	json_str(line, sizeof(line), &len, sym);
	sup_append(line, sizeof(line), &len, "\"}");
	sup_msgf(s, SUP_MSG_TRACE, "%s", line);
}

void sup_report_trace(struct sup_session *s, pid_t tid, uint64_t rip,
		      const struct regmap_emu_insn *insn,
		      const struct regmap_emu_result *res)
{
	char text[160], sym[SUP_SYM_MAX];

	regmap_emu_format(insn, rip, text, sizeof(text));
	/* copied: a later lookup may reuse the cache slot */
	snprintf(sym, sizeof(sym), "%s", sup_sym(s, tid, rip));
	for (unsigned i = 0; i < res->naccess && i < REGMAP_EMU_MAX_ACCESS; i++) {
		if (s->cfg.trace_format == SUP_TRACE_JSON)
			trace_json(s, tid, rip, text, sym, &res->access[i]);
		else
			trace_text(s, tid, rip, text, sym, &res->access[i]);
	}
}
