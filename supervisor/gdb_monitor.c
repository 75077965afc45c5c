/*
 * gdb's "monitor" commands (qRcmd): what regmap-run can tell about the
 * map that gdb's own commands cannot.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "gdb.h"

static const char help[] =
	"regmap-run's monitor commands:\n"
	"  monitor regmap map [TID]   the register map of the current thread (or of\n"
	"                             thread TID): offset, register, value\n"
	"  monitor regmap stats       what --stats prints at exit, so far\n"
	"  monitor regmap trace on|off  print every map access (as --trace does,\n"
	"                             where regmap-run's reports go)\n"
	"  monitor help               this list\n"
	"Memory at 0x0-0x8f is the current thread's map (x/18gx 0); watch, rwatch\n"
	"and awatch on it stop at every map access to the watched bytes.\n";

static void show_map(struct sup_session *s, const char *arg, struct gdb_buf *out)
{
	pid_t tid = gdb_current(s);
	struct user_regs_struct ur;
	struct regmap_cpu cpu;
	const uint64_t *img = (const uint64_t *)&cpu;
	char *end;

	if (*arg) {
		long v = strtol(arg, &end, 10);

		if (*end || v <= 0 || !gdb_is_member(s, (pid_t)v)) {
			gdb_buf_printf(out, "no thread %s in process %d (see info threads: "
				       "the number after the dot is the thread id)\n", arg,
				       (int)s->gdb->pid);
			return;
		}
		tid = (pid_t)v;
	}
	if (ptrace(PTRACE_GETREGS, tid, NULL, &ur) < 0) {
		gdb_buf_printf(out, "thread %d: cannot read its registers\n", (int)tid);
		return;
	}
	sup_regs_to_cpu(&ur, &cpu);
	gdb_buf_printf(out, "register map of thread %d:\n", (int)tid);
	for (unsigned off = 0; off < REGMAP_MAP_SIZE; off += 8)
		gdb_buf_printf(out, "  0x%02x  %-6s 0x%016" PRIx64 "\n", off,
			       regmap_emu_reg_name(off), img[off / 8]);
}

/* sup_stats_report() talks through the report callback: collect its lines */
static void collect_line(void *ctx, enum sup_msg kind, const char *text)
{
	(void)kind;
	gdb_buf_printf(ctx, "%s\n", text);
}

static void show_stats(struct sup_session *s, struct gdb_buf *out)
{
	void (*report)(void *, enum sup_msg, const char *) = s->cfg.report;
	void *ctx = s->cfg.report_ctx;

	s->cfg.report = collect_line;
	s->cfg.report_ctx = out;
	sup_stats_report(s);
	s->cfg.report = report;
	s->cfg.report_ctx = ctx;
}

static void trace(struct sup_session *s, const char *arg, struct gdb_buf *out)
{
	if (!strcmp(arg, "on")) {
		if (!s->syms)
			s->syms = sup_symcache_new();
		s->cfg.trace = true;
		gdb_buf_printf(out, "regmap: every map access is traced where regmap-run's "
			       "reports go\n");
	} else if (!strcmp(arg, "off")) {
		s->cfg.trace = false;
		gdb_buf_printf(out, "regmap: trace off\n");
	} else {
		gdb_buf_printf(out, "usage: monitor regmap trace on|off\n");
	}
}

void gdb_monitor(struct sup_session *s, const char *cmd, struct gdb_buf *out)
{
	const char *arg;

	while (*cmd == ' ')
		cmd++;
	if (!strcmp(cmd, "help") || !strcmp(cmd, "regmap") || !strcmp(cmd, "regmap help")) {
		gdb_buf_printf(out, "%s", help);
		return;
	}
	if (strncmp(cmd, "regmap ", 7)) {
		gdb_buf_printf(out, "unknown monitor command \"%s\": see monitor help\n", cmd);
		return;
	}
	cmd += 7;
	while (*cmd == ' ')
		cmd++;
	arg = cmd + strcspn(cmd, " ");
	while (*arg == ' ')
		arg++;
	if (!strncmp(cmd, "map", 3) && (cmd[3] == ' ' || !cmd[3]))
		show_map(s, arg, out);
	else if (!strcmp(cmd, "stats"))
		show_stats(s, out);
	else if (!strncmp(cmd, "trace", 5) && (cmd[5] == ' ' || !cmd[5]))
		trace(s, arg, out);
	else
		gdb_buf_printf(out, "unknown monitor command \"regmap %s\": see monitor help\n",
			       cmd);
}
