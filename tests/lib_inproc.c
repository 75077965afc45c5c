/*
 * lib_inproc.c: test driver for regmap_run_in_process(), the library side
 * of `regmap-run --in-process`:
 *   lib_inproc SELF_EXE PROGRAM [ARGS...]
 * SELF_EXE stands for regmap-run's own path ("-": /proc/self/exe).  On
 * failure prints "lib_inproc: MESSAGE (errno N)" and exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "in_process.h"

int main(int argc, char **argv)
{
	char err[512];
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: lib_inproc SELF_EXE PROGRAM [ARGS...]\n");
		return 2;
	}
	r = regmap_run_in_process(argv + 2, strcmp(argv[1], "-") ? argv[1] : NULL,
				  err, sizeof(err));
	fprintf(stderr, "lib_inproc: %s (errno %d)\n", err, -r);
	return 1;
}
