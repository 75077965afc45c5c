/*
 * lib_ctor.c: linked into a second build of each integration target
 * (tests/lib/t_*), so that the same program runs with libregmap and no
 * supervisor: the map is enabled before main(), as with
 * `regmap-run --in-process`.
 */
#include <unistd.h>

#include "regmap.h"

__attribute__((constructor)) static void lib_ctor_map(void)
{
	static const char msg[] = "lib_ctor: regmap_map_registers() failed\n";

	if (regmap_map_registers() < 0) {
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(125);
		_exit(125);
	}
}
