/*
 * `regmap-run --in-process PROGRAM [ARGS...]`: run PROGRAM with libregmap
 * preloaded and enabled from its constructor, instead of under the ptrace
 * supervisor.  Works only for dynamically linked programs.
 */
#ifndef REGMAP_IN_PROCESS_H
#define REGMAP_IN_PROCESS_H

#include <stddef.h>

/*
 * Check that argv[0] (looked up in PATH as execvp does) is a dynamically
 * linked x86-64 ELF program or a #! script, find libregmap.so, add it to
 * LD_PRELOAD (after any libraries already there), set REGMAP_PRELOAD=1
 * and exec the program.
 *
 * self_exe is the path of the running regmap-run, used to find the
 * library of an uninstalled build tree next to it; NULL means
 * /proc/self/exe.  The environment variable REGMAP_LIBRARY, if set,
 * names the library to preload instead.
 *
 * Returns only on failure: a negative errno, with a one-line message
 * (no "regmap-run: " prefix, no newline) in err:
 *   -ENOENT   PROGRAM not found
 *   -EACCES   PROGRAM not executable
 *   -ENOEXEC  not an ELF program, not x86-64, or statically linked
 *   -ELIBACC  libregmap.so not found, or not usable in LD_PRELOAD
 *   other     execv() failed
 */
int regmap_run_in_process(char *const argv[], const char *self_exe,
			  char *err, size_t errlen);

#endif /* REGMAP_IN_PROCESS_H */
