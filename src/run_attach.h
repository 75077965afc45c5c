/*
 * regmap-run -p (src/run_attach.c) and what it shares with the command
 * itself (src/regmap-run.c).
 */
#ifndef REGMAP_RUN_ATTACH_H
#define REGMAP_RUN_ATTACH_H

#include <stdbool.h>

#include "sup.h"

#define MAX_PIDS	64	/* -p given at most this often */

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

/* Attach to pids, serve them, detach on SIGINT/SIGTERM/SIGHUP; exits. */
__attribute__((noreturn))
void run_attached(const struct sup_config *cfg, const pid_t *pids, unsigned npids);

#endif /* REGMAP_RUN_ATTACH_H */
