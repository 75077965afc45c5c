/*
 * Helpers for the native-speed site targets (tests/t_rewrite_*.c): was a
 * site rewritten, and into what?
 *
 * A target saves the bytes at each site's label before the site first
 * runs and looks at them again afterwards: regmap rewrites the program's
 * own code, so a changed site is a rewritten one, in both modes (under
 * regmap-run the memory is the program's too).  A stub replacement
 * starts with jmp rel32 (0xe9); an in-place one never does.  No timing
 * is involved.
 *
 * Each target takes "on" (rewriting is on: the sites listed as rewritten
 * must be) or "off" (regmap-run --no-rewrite, REGMAP_NO_REWRITE=1,
 * --trace: every site must stay as it is) as its first argument, and
 * keep=SITE for a site that must stay as it is all the same (one
 * --backtrace-on-access covers).
 */
#ifndef REGMAP_T_REWRITE_H
#define REGMAP_T_REWRITE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * A function whose inline assembly defines a site label: emitted once
 * (an inlined or cloned copy would define the label twice).
 */
#define T_SITE_FN	static __attribute__((noinline, noclone))

enum t_rw_want {
	T_RW_NEVER,	/* must never be rewritten (not a constant address, W+X code) */
	T_RW_INPLACE,	/* rewritten in place (when rewriting is on) */
	T_RW_STUB,	/* rewritten with a stub (when rewriting is on) */
	T_RW_ANY,	/* rewritten, either way (when rewriting is on) */
};

struct t_site {
	const char *name;
	const volatile unsigned char *at;
	enum t_rw_want want;
	unsigned char before[16];
};

/* keep=NAME arguments: sites that must stay as they are even with "on" */
static const char *t_keep[8];
static unsigned t_nkeep;

/* "on" 1, "off" 0, else -1 (and a usage line); notes keep=NAME arguments. */
static inline int t_rw_mode(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (!strncmp(argv[i], "keep=", 5) && t_nkeep < 8)
			t_keep[t_nkeep++] = argv[i] + 5;
	if (argc > 1 && !strcmp(argv[1], "on"))
		return 1;
	if (argc > 1 && !strcmp(argv[1], "off"))
		return 0;
	fprintf(stderr, "usage: %s on|off [keep=SITE...]: whether sites must be rewritten\n",
		argv[0]);
	return -1;
}

static inline void t_site_save(struct t_site *s)
{
	for (unsigned i = 0; i < sizeof(s->before); i++)
		s->before[i] = s->at[i];
}

/* Did s become what it should (on: rewriting is on)?  Prints and returns 0 if not. */
static inline int t_site_check(const struct t_site *s, int on)
{
	int changed = 0, stub = s->at[0] == 0xe9;
	const char *want = "unchanged";

	for (unsigned i = 0; i < t_nkeep; i++)
		if (!strcmp(t_keep[i], s->name))
			on = 0;
	for (unsigned i = 0; i < sizeof(s->before); i++)
		changed |= s->at[i] != s->before[i];
	if (on && s->want != T_RW_NEVER)
		want = s->want == T_RW_STUB ? "rewritten with a stub" :
		       s->want == T_RW_ANY ? "rewritten" : "rewritten in place";
	if (!on || s->want == T_RW_NEVER ? !changed :
	    changed && (s->want == T_RW_ANY || stub == (s->want == T_RW_STUB)))
		return 1;
	printf("FAIL site %s: %s, expected %s (bytes %02x %02x %02x %02x %02x ...)\n",
	       s->name, !changed ? "unchanged" : stub ? "rewritten with a stub" :
	       "rewritten in place", want, s->at[0], s->at[1], s->at[2], s->at[3], s->at[4]);
	return 0;
}

/* Save every site's bytes (t_site_save). */
static inline void t_sites_save(struct t_site *sites, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		t_site_save(&sites[i]);
}

/* Check every site (t_site_check); the number that are not as they should be. */
static inline int t_sites_check(const struct t_site *sites, unsigned n, int on)
{
	int bad = 0;

	for (unsigned i = 0; i < n; i++)
		bad += !t_site_check(&sites[i], on);
	printf("%u sites checked (%s)\n", n, on ? "rewritten" : "left as they were");
	return bad;
}

#endif /* REGMAP_T_REWRITE_H */
