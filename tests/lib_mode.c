/*
 * lib_mode.c: a C program linked with libregmap that calls
 * regmap_map_registers(), prints which mode serves the map ("off",
 * "in-process" or "supervised"), and uses the map through regmap.h's
 * accessors.  Exits 0 if every result is right.  Also built against the
 * installed package by tests/lib_install.sh.
 */
#include <stdint.h>
#include <stdio.h>

#include <regmap.h>

int main(void)
{
	static const char *const names[] = { "off", "in-process", "supervised" };
	uint64_t a, b;
	int r = regmap_map_registers(), mode = regmap_mode();

	if (r < 0 || mode < 0 || mode > 2) {
		fprintf(stderr, "lib_mode: regmap_map_registers: %d, mode %d\n", r, mode);
		return 2;
	}
	printf("mode: %s\n", names[mode]);
	regmap_r12_store(1000);
	regmap_r12_add(337);
	regmap_r12_xor(0xff);
	a = regmap_r12_load();
	regmap_rdi_store(7);
	regmap_rdi_sub(10);
	b = regmap_rdi_load();
	printf("r12: %llu rdi: %lld\n", (unsigned long long)a, (long long)b);
	return a == (1337 ^ 0xff) && b == (uint64_t)-3 ? 0 : 1;
}
