/*
 * `regmap-run --in-process PROGRAM` preloads libregmap.so with
 * REGMAP_PRELOAD=1 in the environment: enable the map before main().
 * Nothing references this object, so a static link (which takes only
 * the objects it needs from libregmap.a) leaves it out: only the shared
 * library, the one that gets preloaded, looks at the environment.
 */
#include <stdlib.h>
#include <string.h>

#include "lib_internal.h"
#include "regmap.h"

__attribute__((constructor)) static void lib_preload(void)
{
	static const char msg[] = "regmap: REGMAP_PRELOAD: cannot enable the register map\n";
	const char *env = getenv("REGMAP_PRELOAD");

	if (env && strcmp(env, "1") == 0 && regmap_map_registers() < 0)
		lib_write_err(msg, sizeof(msg) - 1);
}
