/*
 * regmap-run -p (src/run_attach.c).
 */
#ifndef REGMAP_RUN_ATTACH_H
#define REGMAP_RUN_ATTACH_H

#include <stdbool.h>

#include "run_output.h"
#include "sup.h"

#define MAX_PIDS	64	/* -p given at most this often */

/* Attach to pids, serve them, detach on SIGINT/SIGTERM/SIGHUP; exits. */
__attribute__((noreturn))
void run_attached(const struct sup_config *cfg, const pid_t *pids, unsigned npids);

#endif /* REGMAP_RUN_ATTACH_H */
