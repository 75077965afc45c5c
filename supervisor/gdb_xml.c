/*
 * The XML documents gdb reads with qXfer: the target description
 * (features:read, target.xml) and the thread list (threads:read).
 *
 * The description is built once from gdb_regs[] (gdb_regs.c), so the
 * register numbers gdb uses in p/P and the g packet's layout are those
 * of the table.  gdb recognises an x86-64 GNU/Linux target by the
 * feature names and the register names in them; the types below are the
 * ones its own i386 descriptions use, written out here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb.h"

static const char types_core[] =
	"<flags id=\"i386_eflags\" size=\"4\">"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
	"<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
	"<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";

static const char types_sse[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
	"<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
	"<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
	"<field name=\"uint128\" type=\"uint128\"/></union>"
	"<flags id=\"i386_mxcsr\" size=\"4\">"
	"<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
	"<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
	"<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
	"<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
	"<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
	"</flags>";

int gdb_xml_target(struct sup_gdb *g)
{
	unsigned n = gdb_nregs(g);
	struct gdb_buf b;
	int feature = -1;

	gdb_buf_init(&b);
	gdb_buf_printf(&b, "<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		       "<target version=\"1.0\">\n"
		       "<architecture>i386:x86-64</architecture>\n"
		       "<osabi>GNU/Linux</osabi>\n");
	for (unsigned i = 0; i < n; i++) {
		const struct gdb_reg *r = &gdb_regs[i];

		if ((int)r->feature != feature) {
			if (feature >= 0)
				gdb_buf_printf(&b, "</feature>\n");
			feature = r->feature;
			gdb_buf_printf(&b, "<feature name=\"%s\">\n", gdb_features[feature]);
			if (!strcmp(gdb_features[feature], "org.gnu.gdb.i386.core"))
				gdb_buf_printf(&b, "%s\n", types_core);
			else if (!strcmp(gdb_features[feature], "org.gnu.gdb.i386.sse"))
				gdb_buf_printf(&b, "%s\n", types_sse);
		}
		gdb_buf_printf(&b, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s%s%s/>\n",
			       r->name, r->bits, r->type, i, r->group ? " group=\"" : "",
			       r->group ? r->group : "", r->group ? "\"" : "");
	}
	gdb_buf_printf(&b, "</feature>\n</target>\n");
	if (b.oom) {
		gdb_buf_free(&b);
		return -ENOMEM;
	}
	free(g->xml);
	g->xml = b.p;
	g->xml_len = b.len;
	return 0;
}

/* /proc/PID/task/TID/comm, XML-escaped */
static void thread_name(pid_t pid, pid_t tid, struct gdb_buf *b)
{
	char path[96], name[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(name, 1, sizeof(name) - 1, f);
	fclose(f);
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	for (char *p = name; *p; p++) {
		switch (*p) {
		case '<': gdb_buf_printf(b, "&lt;"); break;
		case '>': gdb_buf_printf(b, "&gt;"); break;
		case '&': gdb_buf_printf(b, "&amp;"); break;
		case '"': gdb_buf_printf(b, "&quot;"); break;
		default:
			if ((unsigned char)*p >= 0x20)
				gdb_buf_add(b, p, 1);
		}
	}
}

int gdb_thread_core(pid_t tid)
{
	char buf[1024];
	const char *p = sup_proc_stat_fields(tid, buf, sizeof(buf));

	/* p is field 3, the state; the CPU is field 39 */
	for (int field = 3; p && field < 39; field++)
		if ((p = strchr(p, ' ')))
			p++;
	return p ? atoi(p) : -1;
}

void gdb_xml_threads(struct sup_session *s, struct gdb_buf *b)
{
	pid_t tids[1024];
	unsigned n = gdb_threads(s, tids, sizeof(tids) / sizeof(tids[0]));

	gdb_buf_printf(b, "<?xml version=\"1.0\"?>\n<threads>\n");
	for (unsigned i = 0; i < n; i++) {
		int core = gdb_thread_core(tids[i]);

		gdb_buf_printf(b, "<thread id=\"p%x.%x\"", (unsigned)s->gdb->pid, (unsigned)tids[i]);
		if (core >= 0)
			gdb_buf_printf(b, " core=\"%d\"", core);
		gdb_buf_printf(b, " name=\"");
		thread_name(s->gdb->pid, tids[i], b);
		gdb_buf_printf(b, "\"/>\n");
	}
	gdb_buf_printf(b, "</threads>\n");
}
