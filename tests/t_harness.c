/*
 * The family targets' harness: run each instruction on the map and on a
 * buffer imaging the registers, and compare (see t_harness.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"

#define MAX_SHOWN	20

int t_failures;
static int t_skipped;

static const uint64_t interesting[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
	~0ull, 0x0123456789abcdefull, 0xfedcba9876543210ull, 63, 64, 31, 33,
};

static const uint64_t flag_inputs[] = {
	0x202,		/* IF only */
	0x203,		/* CF */
	0xad7,		/* CF PF AF ZF SF OF */
	0x2c2,		/* ZF SF */
	0xa02,		/* OF */
	0x246,		/* ZF PF */
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	/* xorshift64: the same inputs on every run */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick_value(void)
{
	uint64_t r = next_random();

	switch (r & 3) {
	case 0:
		return r >> 2;
	case 1:
		return (r >> 2) & 0xff;
	default:
		return interesting[(r >> 2) % (sizeof(interesting) / sizeof(interesting[0]))];
	}
}

int t_expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return 1;
	if (t_failures < MAX_SHOWN)
		printf("FAIL %s: got 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", what, got, want);
	t_failures++;
	return 0;
}

static void show_regs(const char *label, const struct t_regs *s)
{
	printf("    %s: rax=%" PRIx64 " rcx=%" PRIx64 " rdx=%" PRIx64 " rbx=%" PRIx64
	       " rsi=%" PRIx64 " rdi=%" PRIx64 " flags=%" PRIx64 "\n", label,
	       s->r[0], s->r[1], s->r[2], s->r[3], s->r[6], s->r[7], s->flags);
}

static int run_one(const struct t_case *c, const struct t_regs *in, int *shown)
{
	static const unsigned compared[] = { 0, 1, 2, 3, 6, 7 };
	_Alignas(16) uint8_t img[64];
	uint8_t before[64];
	struct t_regs map = *in, want = *in;
	int ok = 1;

	memcpy(img, in->r, sizeof(img));
	memcpy(before, img, sizeof(img));
	c->fn(&map, 0);
	(c->native ? c->native : c->fn)(&want, (uint64_t)(uintptr_t)img);
	for (unsigned i = 0; i < sizeof(img); i++)
		if (img[i] != before[i] ||
		    (i >= c->wr_off && i < (unsigned)c->wr_off + c->wr_size))
			((uint8_t *)want.r)[i] = img[i];

	for (unsigned k = 0; k < sizeof(compared) / sizeof(compared[0]); k++)
		ok &= map.r[compared[k]] == want.r[compared[k]];
	ok &= ((map.flags ^ want.flags) & c->flagmask) == 0;
	if (!ok) {
		if (t_failures < MAX_SHOWN && (*shown)++ < 3) {
			printf("FAIL ");
			/* the name is asm text: "%%" stands for "%" */
			for (const char *p = c->name; *p; p++)
				if (p[0] != '%' || p[1] != '%')
					putchar(*p);
			putchar('\n');
			show_regs("input   ", in);
			show_regs("map     ", &map);
			show_regs("expected", &want);
		}
		t_failures++;
	}
	return ok;
}

int t_run_cases(const char *family, const struct t_case *cases, unsigned ncases,
		unsigned rounds)
{
	int before = t_failures;

	for (unsigned i = 0; i < ncases; i++) {
		int shown = 0;	/* a few inputs per wrong instruction are enough */

		for (unsigned round = 0; round < rounds; round++) {
			struct t_regs in;

			for (unsigned r = 0; r < 8; r++)
				in.r[r] = pick_value();
			in.r[4] = in.r[5] = 0;	/* not compared, never operands */
			if (cases[i].prep)
				cases[i].prep(&in);
			in.flags = flag_inputs[next_random() %
					       (sizeof(flag_inputs) / sizeof(flag_inputs[0]))];
			run_one(&cases[i], &in, &shown);
		}
	}
	printf("%s: %u instructions x %u inputs, %d failures\n", family, ncases, rounds,
	       t_failures - before);
	return t_failures - before;
}

void t_skip(const char *what, const char *why)
{
	printf("SKIP: %s: %s\n", what, why);
	t_skipped++;
}

int t_done(const char *family)
{
	if (t_failures) {
		printf("%s: FAILED\n", family);
		return 1;
	}
	if (t_skipped) {
		printf("%s: ok, but %d part%s skipped\n", family, t_skipped, t_skipped > 1 ? "s" : "");
		return 77;
	}
	printf("%s: ok\n", family);
	return 0;
}
