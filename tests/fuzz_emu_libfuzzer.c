/*
 * libFuzzer entry point for fuzz_emu (fuzz_emu.h): the input's first 15
 * bytes are the instruction (fewer if the input is shorter), the rest
 * seeds the register state, the fake memory and the XSAVE area.  A
 * broken invariant prints the case and aborts, which libFuzzer reports
 * with the input that caused it.
 *
 * Not built by make (that would need configure support for
 * -fsanitize=fuzzer); build and run it by hand from the top of the tree:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iemulator -Itests \
 *	tests/fuzz_emu_libfuzzer.c tests/fuzz_emu_gen.c tests/fuzz_emu_check.c \
 *	emulator/[a-z]*.c emulator/fastop.S emulator/fop_[a-z]*.S emulator/vx_stub.S \
 *	-lZydis -o /tmp/fuzz_emu_libfuzzer
 *   mkdir -p /tmp/fuzz_emu_corpus && /tmp/fuzz_emu_libfuzzer -max_total_time=120 \
 *	-max_len=64 /tmp/fuzz_emu_corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fuzz_case c;
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a of the tail */
	size_t n = size < REGMAP_EMU_MAX_INSN ? size : REGMAP_EMU_MAX_INSN;
	char why[256];

	if (!ready) {
		if (!fuzz_emu_init())
			abort();
		ready = true;
	}
	if (!n)
		return 0;
	for (size_t i = n; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	memset(&c, 0, sizeof(c));
	fuzz_emu_gen_state(&c, h ^ size);
	memcpy(c.bytes, data, n);
	c.len = (uint8_t)n;
	if (fuzz_emu_check(&c, why, sizeof(why)))
		return 0;
	fprintf(stderr, "fuzz_emu: FAILED: %s\n  bytes:", why);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", c.bytes[i]);
	fprintf(stderr, "\n");
	abort();
}
