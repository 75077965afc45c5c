/*
 * The memory map around a map site (near.h): is the site's code
 * rewritable, and which free page near it can hold its stubs.
 *
 * Free pages are searched in the gaps between mappings, away from where
 * [heap] grows up (brk) and [stack] grows down (with the kernel's guard
 * gap).  Below the site is preferred: below a program's first segment
 * the address space is empty for gigabytes, while the space above its
 * last segment is where brk() puts the heap.
 */
#include "near.h"

#define NEAR_PAGE	4096ull
/*
 * Never below 1 MiB (vm.mmap_min_addr is 64 KiB by default; the first
 * megabyte is also where a few old programs expect nothing), never
 * above the 47-bit user address space the kernel hands out by default.
 */
#define NEAR_LOW	0x100000ull
#define NEAR_HIGH	0x7ffffffff000ull
/* room left to the heap above [heap] and to the stack below [stack] */
#define NEAR_HEAP_ROOM	(64ull << 20)
#define NEAR_STACK_ROOM	(256ull << 20)
/* rel32 reach, less a page and an instruction of margin */
#define NEAR_REACH	(0x7fffffffull - NEAR_PAGE - 32)

static const char *hex(const char *p, const char *end, uint64_t *v)
{
	const char *start = p;

	*v = 0;
	for (; p < end; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		*v = *v << 4 | d;
	}
	return p > start ? p : NULL;
}

static bool starts(const char *p, const char *end, const char *word)
{
	for (; *word; word++, p++)
		if (p >= end || *p != *word)
			return false;
	return true;
}

bool regmap_maps_parse(const char *line, size_t len, struct regmap_maps_line *m)
{
	const char *p = line, *end = line + len;
	int field;

	p = hex(p, end, &m->start);
	if (!p || p >= end || *p != '-')
		return false;
	p = hex(p + 1, end, &m->end);
	if (!p || end - p < 6 || *p != ' ' || m->end <= m->start)
		return false;
	for (int i = 0; i < 4; i++)
		m->perms[i] = p[1 + i];
	m->perms[4] = '\0';
	/* offset, dev, inode, then the name (if any) after the spaces */
	p += 5;
	for (field = 0; field < 4 && p < end; field++) {
		while (p < end && *p == ' ')
			p++;
		if (field < 3)
			while (p < end && *p != ' ')
				p++;
	}
	m->heap = starts(p, end, "[heap]");
	m->stack = starts(p, end, "[stack");
	return true;
}

void regmap_near_init(struct regmap_near *n, uint64_t site, unsigned len, bool want_page)
{
	n->site = site;
	n->site_end = site + len;
	n->want_page = want_page;
	n->code = REGMAP_NEAR_CODE_OK;
	n->page = 0;
	n->covered = site;
	n->prev_end = 0;
	n->prev_heap = false;
	n->below = n->above = 0;
}

bool regmap_near_reach(uint64_t site, uint64_t page)
{
	int64_t to = (int64_t)(page - site), back = (int64_t)(page + NEAR_PAGE - site);

	return to > -(int64_t)NEAR_REACH && to < (int64_t)NEAR_REACH &&
	       back > -(int64_t)NEAR_REACH && back < (int64_t)NEAR_REACH;
}

/*
 * The gap [a, b) between two mappings.  Below the site its highest page
 * is the candidate, above the site its lowest.  The heap grows up from
 * the end of [heap] and the stack down from the start of [stack]: a
 * page there would stop them, so it is taken only far enough away.
 */
static void gap(struct regmap_near *n, uint64_t a, uint64_t b, bool after_heap,
		bool before_stack)
{
	uint64_t lo, cand;

	lo = a < NEAR_LOW ? NEAR_LOW : a;
	if (b > NEAR_HIGH)
		b = NEAR_HIGH;
	lo = (lo + NEAR_PAGE - 1) & ~(NEAR_PAGE - 1);
	b &= ~(NEAR_PAGE - 1);
	if (b <= lo)
		return;
	if (b <= n->site) {
		cand = b - NEAR_PAGE;
		if ((after_heap && cand - a < NEAR_HEAP_ROOM) || before_stack)
			return;
		if (cand > n->below && regmap_near_reach(n->site, cand))
			n->below = cand;
	} else if (lo >= n->site_end) {
		cand = lo;
		if (after_heap || (before_stack && b - cand < NEAR_STACK_ROOM))
			return;
		if ((!n->above || cand < n->above) && regmap_near_reach(n->site, cand))
			n->above = cand;
	}
}

enum regmap_near_code regmap_near_code_of(const char perms[4])
{
	if (perms[1] == 'w')
		return REGMAP_NEAR_CODE_WRITABLE;
	if (perms[3] != 'p')
		return REGMAP_NEAR_CODE_SHARED;
	if (perms[0] != 'r' || perms[2] != 'x')
		return REGMAP_NEAR_CODE_NOT_RX;
	return REGMAP_NEAR_CODE_OK;
}

enum regmap_near_code regmap_near_code_flags(uint64_t vma_flags)
{
	/* PROCMAP_QUERY_VMA_READABLE 1, _WRITABLE 2, _EXECUTABLE 4, _SHARED 8 */
	char perms[4] = { vma_flags & 1 ? 'r' : '-', vma_flags & 2 ? 'w' : '-',
			  vma_flags & 4 ? 'x' : '-', vma_flags & 8 ? 's' : 'p' };

	return regmap_near_code_of(perms);
}

void regmap_near_feed(struct regmap_near *n, const struct regmap_maps_line *m)
{
	/* the site's bytes, in address order: each must be in a good mapping */
	if (n->code == REGMAP_NEAR_CODE_OK && n->covered < n->site_end &&
	    m->end > n->covered) {
		if (m->start > n->covered) {
			n->code = REGMAP_NEAR_CODE_UNMAPPED;
		} else {
			n->code = regmap_near_code_of(m->perms);
			n->covered = m->end;
		}
	}
	if (n->want_page && m->start > n->prev_end)
		gap(n, n->prev_end, m->start, n->prev_heap, m->stack);
	if (m->end > n->prev_end) {
		n->prev_end = m->end;
		n->prev_heap = m->heap;
	}
}

void regmap_near_done(struct regmap_near *n)
{
	if (n->code == REGMAP_NEAR_CODE_OK && n->covered < n->site_end)
		n->code = REGMAP_NEAR_CODE_UNMAPPED;
	if (n->want_page)
		gap(n, n->prev_end, NEAR_HIGH, n->prev_heap, false);
	n->page = n->below ? n->below : n->above;
}

const char *regmap_near_code_str(enum regmap_near_code code)
{
	switch (code) {
	case REGMAP_NEAR_CODE_OK:
		return "rewritable code";
	case REGMAP_NEAR_CODE_WRITABLE:
		return "code in a writable mapping (JIT or self-modifying code)";
	case REGMAP_NEAR_CODE_SHARED:
		return "code in a shared mapping";
	case REGMAP_NEAR_CODE_NOT_RX:
		return "code in a mapping that is not readable and executable";
	case REGMAP_NEAR_CODE_UNMAPPED:
		return "code outside every mapping";
	}
	return "unknown";
}
