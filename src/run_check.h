/*
 * regmap-run's checks before it starts anything: is PROGRAM there, can
 * it be executed, and is it an x86-64 program regmap can serve?
 */
#ifndef REGMAP_RUN_CHECK_H
#define REGMAP_RUN_CHECK_H

#include <stddef.h>

#include "sup.h"

/* regmap-run's own exit codes (regmap-run(1), EXIT STATUS) */
#define RUN_EXIT_FAILURE	125	/* usage error, ptrace not permitted, ... */
#define RUN_EXIT_CANNOT_EXEC	126	/* PROGRAM found but cannot be run */
#define RUN_EXIT_NOT_FOUND	127	/* PROGRAM not found */

/*
 * Find name as execvp() would (PATH search when it has no slash) and
 * check the file.  Returns 0 with the file name in path, or one of the
 * exit codes above with a one-line explanation (without "regmap-run: ")
 * in msg.
 */
int run_check_program(const char *name, char *path, size_t pathsize,
		      char *msg, size_t msgsize);

/* Explain a failed sup_launch(); returns the exit code to use. */
int run_explain_launch(const char *name, const struct sup_launch_error *e,
		       char *msg, size_t msgsize);

/* Explain a failed sup_attach() of pid; returns the exit code to use. */
int run_explain_attach(pid_t pid, const struct sup_attach_error *e, char *msg, size_t msgsize);

#endif /* REGMAP_RUN_CHECK_H */
