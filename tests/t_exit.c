/*
 * t_exit MODE: use the map, then leave in the way MODE says, so the
 * runner can check that regmap-run passes it on:
 *   N      exit(N)
 *   abort  abort(): killed by SIGABRT
 *   kill9  killed by SIGKILL from itself
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t_map.h"

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: t_exit N|abort|kill9\n");
		return 2;
	}
	if (t_map_add(40, 2) != 42) {
		printf("FAIL the map's add gave a wrong sum\n");
		return 99;
	}
	if (!strcmp(argv[1], "abort"))
		abort();
	if (!strcmp(argv[1], "kill9"))
		kill(getpid(), SIGKILL);
	return atoi(argv[1]);
}
