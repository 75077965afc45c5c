/*
 * regmap-run's messages, reports and trace (src/run_output.c): one line
 * at a time, each in one write(), to standard error or -o FILE.
 */
#ifndef REGMAP_RUN_OUTPUT_H
#define REGMAP_RUN_OUTPUT_H

#include <stdbool.h>

#include "sup.h"

/* -o FILE, --trace=FILE: 0, or -errno (errno set) if it cannot be opened. */
int run_output_to(const char *name);
int run_trace_to(const char *name);
/* --trace-format=json (true) or text. */
void run_trace_json(bool on);
bool run_trace_is_json(void);

/* "regmap-run: PREFIXTEXT\n" to standard error or -o FILE, in one write(). */
void run_say(const char *prefix, const char *text);
/* The supervisor's report callback (sup_config.report). */
void run_report(void *ctx, enum sup_msg kind, const char *text);
/* Write out what --trace=FILE has buffered. */
void run_flush_trace(void);
/* Could a report or trace line not be written (said once on stderr)? */
bool run_output_lost(void);
__attribute__((noreturn, format(printf, 2, 3)))
void run_die(int code, const char *fmt, ...);

#endif /* REGMAP_RUN_OUTPUT_H */
