/*
 * Where regmap-run's reports and trace go (standard error, -o FILE,
 * --trace=FILE), and what happens when they cannot be written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_output.h"

static int out_fd = STDERR_FILENO;	/* reports and trace: stderr or -o FILE */
static const char *out_name = "standard error";
static FILE *trace_file;		/* --trace=FILE, or NULL */
static const char *trace_name;
static int lost_errno;			/* the first failed write of reports or trace */
static bool trace_json;

int run_output_to(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return -errno;
	out_fd = fd;
	out_name = name;
	return 0;
}

int run_trace_to(const char *name)
{
	FILE *f = fopen(name, "we");

	if (!f)
		return -errno;
	trace_file = f;
	trace_name = name;
	return 0;
}

void run_trace_json(bool on)
{
	trace_json = on;
}

bool run_trace_is_json(void)
{
	return trace_json;
}

/*
 * A report or trace line could not be written (a full disk, a closed
 * pipe): say so once, on standard error, and remember it for the exit
 * status (regmap-run(1), EXIT STATUS).  What follows is lost too; the
 * program runs on.
 */
static void output_failed(const char *name, int err)
{
	char line[512];
	int n;

	if (lost_errno)
		return;
	lost_errno = err ? err : EIO;
	n = snprintf(line, sizeof(line), "regmap-run: cannot write %s: %s; the rest of the "
		     "reports and trace is lost\n", name, strerror(lost_errno));
	if (n > 0 && write(STDERR_FILENO, line, n) < 0)
		return;	/* standard error itself: the exit status still says it */
}

bool run_output_lost(void)
{
	return lost_errno != 0;
}

void run_flush_trace(void)
{
	if (trace_file && (fflush(trace_file) == EOF || ferror(trace_file)))
		output_failed(trace_name, errno);
}

/* All of buf to fd, or false. */
static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

/* One line, written in one write() so it does not mix with the program's. */
void run_say(const char *prefix, const char *text)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "regmap-run: %s%s\n", prefix, text);

	if (n >= (int)sizeof(line)) {
		n = sizeof(line);
		line[n - 1] = '\n';
	}
	if (n > 0 && !lost_errno && !write_all(out_fd, line, n))
		output_failed(out_name, errno);
}

void run_report(void *ctx, enum sup_msg kind, const char *text)
{
	(void)ctx;
	if (kind == SUP_MSG_TRACE && (trace_file || trace_json)) {
		/* a file of trace lines or JSON objects: no prefix */
		if (lost_errno)
			return;
		if (trace_file) {
			if (fprintf(trace_file, "%s\n", text) < 0)
				output_failed(trace_name, errno);
		} else {
			char line[2048];
			int n = snprintf(line, sizeof(line), "%s\n", text);

			if (n > 0 && n < (int)sizeof(line) && !write_all(out_fd, line, n))
				output_failed(out_name, errno);
		}
		return;
	}
	switch (kind) {
	case SUP_MSG_GDB:
		/* the line to paste is for the terminal even when -o sends reports away */
		if (out_fd != STDERR_FILENO) {
			char line[2048];
			int n = snprintf(line, sizeof(line), "regmap-run: %s\n", text);

			if (n > 0 && n < (int)sizeof(line) && !write_all(STDERR_FILENO, line, n))
				return;
		}
		run_say("", text);
		break;
	case SUP_MSG_FRAME:
		run_say("    ", text);
		break;
	case SUP_MSG_WARNING:
		run_say("warning: ", text);
		break;
	default:
		run_say("", text);
		break;
	}
}

__attribute__((noreturn, format(printf, 2, 3)))
void run_die(int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "regmap-run: %s\n", buf);
	exit(code);
}
