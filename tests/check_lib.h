/*
 * Check tests of libregmap: helpers shared by the check_lib_*.c files.
 *
 * Most tests need a process of their own (they install signal handlers,
 * die of signals, or need the map disabled at the start), so they fork:
 * lib_child() runs a function in a child with core dumps off, optionally
 * capturing its stderr, and returns the wait status.
 */
#ifndef REGMAP_CHECK_LIB_H
#define REGMAP_CHECK_LIB_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "regmap.h"

/* Run fn(arg) in a child (it exits 0 if fn returns); return its wait status. */
int lib_child(void (*fn)(void *), void *arg, char *err, size_t errlen);

/* In a child: exit with code `line` (nonzero) if cond is false. */
#define CHILD_ASSERT(cond) do { if (!(cond)) lib_child_fail(__LINE__, #cond); } while (0)
void lib_child_fail(int line, const char *what) __attribute__((noreturn));

/* The wait status says: exited with 0 / killed by sig. */
#define ck_assert_exit0(st) \
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, \
		      "child: %s %d", WIFEXITED(st) ? "exit" : "signal", \
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st))
#define ck_assert_killed(st, sig) \
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == (sig), \
		      "child: %s %d, want signal %d", WIFEXITED(st) ? "exit" : "signal", \
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), (sig))

/* A page that faults on any access (a real fault, outside the map). */
void *lib_noaccess_page(void);

TCase *lib_tcase_map(void);
TCase *lib_tcase_threads(void);
TCase *lib_tcase_chain(void);
TCase *lib_tcase_fault(void);

#endif
