/*
 * t_unsupported: FXSAVE to the map (512 bytes of x87 and SSE state over
 * the registers), which regmap does not emulate.  regmap-run must say so clearly (naming the instruction) and
 * the program must get the SIGSEGV it would get without regmap: status
 * 139.
 */
#include <stdio.h>

#include "t_map.h"

__attribute__((noinline)) void save_fpu_state(void)
{
	__asm__ volatile("fxsave 0x0" : : : "memory");
}

int main(void)
{
	if (t_map_add(1, 2) != 3) {
		printf("FAIL the map's add gave a wrong sum\n");
		return 1;
	}
	save_fpu_state();
	printf("FAIL an unsupported instruction did not fault\n");
	return 1;
}
