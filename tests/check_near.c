/*
 * emulator/near.c: /proc/PID/maps lines, whether a site's code may be
 * rewritten, and where a page for its stubs goes (doc/REWRITE.md
 * sections 6 and 7).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "near.h"

/* A process: a PIE program, its heap, a library, the stack. */
static const char *const maps[] = {
	"555555554000-555555556000 r--p 00000000 08:01 1234    /usr/bin/prog",
	"555555556000-555555558000 r-xp 00002000 08:01 1234    /usr/bin/prog",
	"555555558000-555555559000 rw-p 00004000 08:01 1234    /usr/bin/prog",
	"555555559000-55555557a000 rw-p 00000000 00:00 0       [heap]",
	"7ffff7c00000-7ffff7c28000 r--p 00000000 08:01 99      /usr/lib/libc.so.6",
	"7ffff7c28000-7ffff7dbd000 r-xp 00028000 08:01 99      /usr/lib/libc.so.6",
	"7ffff7dbd000-7ffff7dbe000 r-xs 00000000 08:01 77      /dev/shm/code",
	"7ffff7dbe000-7ffff7dbf000 rwxp 00000000 00:00 0 ",
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0       [stack]",
};

static void feed_all(struct regmap_near *n)
{
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct regmap_maps_line m;

		ck_assert(regmap_maps_parse(maps[i], strlen(maps[i]), &m));
		regmap_near_feed(n, &m);
	}
	regmap_near_done(n);
}

START_TEST(test_parse)
{
	struct regmap_maps_line m;
	const char *bad = "hello";

	ck_assert(regmap_maps_parse(maps[3], strlen(maps[3]), &m));
	ck_assert_uint_eq(m.start, 0x555555559000ull);
	ck_assert_uint_eq(m.end, 0x55555557a000ull);
	ck_assert_str_eq(m.perms, "rw-p");
	ck_assert(m.heap && !m.stack);
	ck_assert(regmap_maps_parse(maps[8], strlen(maps[8]), &m) && m.stack && !m.heap);
	/* an anonymous mapping: no name, trailing space or none */
	ck_assert(regmap_maps_parse(maps[7], strlen(maps[7]), &m) && !m.stack && !m.heap);
	ck_assert(regmap_maps_parse(maps[7], strlen(maps[7]) - 1, &m));
	ck_assert(!regmap_maps_parse(bad, strlen(bad), &m));
	/* a line cut short keeps what is there */
	ck_assert(!regmap_maps_parse(maps[0], 12, &m));
}
END_TEST

START_TEST(test_code)
{
	static const struct {
		uint64_t site;
		unsigned len;
		enum regmap_near_code want;
	} cases[] = {
		{ 0x555555556100ull, 8, REGMAP_NEAR_CODE_OK },
		{ 0x555555557ffcull, 8, REGMAP_NEAR_CODE_WRITABLE },	/* runs into rw-p */
		{ 0x555555558010ull, 8, REGMAP_NEAR_CODE_WRITABLE },
		{ 0x555555554100ull, 8, REGMAP_NEAR_CODE_NOT_RX },
		{ 0x7ffff7dbd010ull, 8, REGMAP_NEAR_CODE_SHARED },
		{ 0x7ffff7dbe010ull, 8, REGMAP_NEAR_CODE_WRITABLE },	/* rwxp: JIT */
		{ 0x600000000000ull, 8, REGMAP_NEAR_CODE_UNMAPPED },
		{ 0x7ffff7dbcffcull, 8, REGMAP_NEAR_CODE_SHARED },	/* libc r-xp into r-xs */
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct regmap_near n;

		regmap_near_init(&n, cases[i].site, cases[i].len, false);
		feed_all(&n);
		ck_assert_msg(n.code == cases[i].want, "case %u: %d, want %d", i, n.code,
			      cases[i].want);
		ck_assert_uint_eq(n.page, 0);
	}
	ck_assert(regmap_near_code_flags(1 | 4) == REGMAP_NEAR_CODE_OK);
	ck_assert(regmap_near_code_flags(1 | 2 | 4) == REGMAP_NEAR_CODE_WRITABLE);
	ck_assert(regmap_near_code_flags(1 | 4 | 8) == REGMAP_NEAR_CODE_SHARED);
	ck_assert(regmap_near_code_flags(4) == REGMAP_NEAR_CODE_NOT_RX);
}
END_TEST

START_TEST(test_page)
{
	struct regmap_near n;

	/* the program: the page right below its first segment */
	regmap_near_init(&n, 0x555555556100ull, 8, true);
	feed_all(&n);
	ck_assert(n.code == REGMAP_NEAR_CODE_OK);
	ck_assert_uint_eq(n.page, 0x555555553000ull);
	ck_assert(regmap_near_reach(0x555555556100ull, n.page));

	/* libc: below it is free too, never above [heap] or below [stack] */
	regmap_near_init(&n, 0x7ffff7c28100ull, 8, true);
	feed_all(&n);
	ck_assert_uint_eq(n.page, 0x7ffff7bff000ull);

	/* out of reach: 4 GiB away is too far for rel32 */
	ck_assert(!regmap_near_reach(0x555555556100ull, 0x555555556100ull + (4ull << 30)));
	ck_assert(!regmap_near_reach(0x555555556100ull, 0x555555556100ull - (2ull << 30)));
	ck_assert(regmap_near_reach(0x555555556100ull, 0x555555556100ull - (1ull << 30)));
}
END_TEST

START_TEST(test_page_above)
{
	/* nothing free below within reach: the nearest gap above, not the heap's */
	static const char *const tight[] = {
		"000000100000-555555556000 r--p 00000000 08:01 1 /big",
		"555555556000-555555558000 r-xp 00002000 08:01 2 /prog",
		"555555559000-55555557a000 rw-p 00000000 00:00 0 [heap]",
		"555555600000-555555601000 r-xp 00000000 08:01 3 /lib",
	};
	struct regmap_near n;

	regmap_near_init(&n, 0x555555556100ull, 8, true);
	for (unsigned i = 0; i < 4; i++) {
		struct regmap_maps_line m;

		ck_assert(regmap_maps_parse(tight[i], strlen(tight[i]), &m));
		regmap_near_feed(&n, &m);
	}
	regmap_near_done(&n);
	/* the gap 0x555555558000-0x555555559000, not the one above [heap] */
	ck_assert_uint_eq(n.page, 0x555555558000ull);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("near");
	TCase *tc = tcase_create("near");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_code);
	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_page_above);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
