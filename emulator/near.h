/*
 * The memory map around a map site, for the two appliers of the rewriter
 * (doc/REWRITE.md sections 6 and 7): may the site's code be rewritten,
 * and where is a free page for its stubs within +-2 GiB?
 *
 * Both appliers read the process's /proc/PID/maps (regmap-run with stdio,
 * libregmap with read(2) from its signal handler) and feed it here one
 * line at a time, in the file's order (ascending addresses).  Pure: no
 * I/O, no allocation; safe in a signal handler.
 */
#ifndef REGMAP_NEAR_H
#define REGMAP_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One line of /proc/PID/maps. */
struct regmap_maps_line {
	uint64_t start, end;
	char perms[5];		/* "r-xp" */
	/* what grows into a neighbouring gap: never put a page there */
	bool heap;		/* [heap]: grows up */
	bool stack;		/* [stack]: grows down */
};

/* Parse one line (len bytes, no newline needed); false if it is not one. */
bool regmap_maps_parse(const char *line, size_t len, struct regmap_maps_line *m);

/* What the code at a site allows (struct regmap_near.code). */
enum regmap_near_code {
	REGMAP_NEAR_CODE_OK = 0,	/* every byte in private read+execute, not writable, mappings */
	REGMAP_NEAR_CODE_WRITABLE,	/* some byte is in a writable mapping (JIT, self-modifying) */
	REGMAP_NEAR_CODE_SHARED,	/* ... in a shared mapping (MAP_SHARED) */
	REGMAP_NEAR_CODE_NOT_RX,	/* ... in a mapping that is not readable and executable */
	REGMAP_NEAR_CODE_UNMAPPED,	/* ... in no mapping at all */
};

struct regmap_near {
	uint64_t site, site_end;	/* the bytes to rewrite */
	bool want_page;			/* look for a free page too */
	/* results, after regmap_near_done() */
	enum regmap_near_code code;
	uint64_t page;			/* a free page within reach of the site, 0 if none */
	/* state */
	uint64_t covered;		/* site bytes below this are in good mappings */
	uint64_t prev_end;		/* end of the previous mapping */
	bool prev_heap;
	uint64_t below, above;		/* best free pages below and above the site */
};

/* What a mapping with these /proc/PID/maps permissions ("r-xp") allows. */
enum regmap_near_code regmap_near_code_of(const char perms[4]);

/*
 * PROCMAP_QUERY (Linux 6.11, linux/fs.h): the mapping at an address from
 * one ioctl on /proc/PID/maps instead of reading and parsing the whole
 * file.  Declared here for older headers (the ABI is fixed): the
 * appliers run the ioctl, regmap_near_code_flags() reads its vma_flags.
 */
struct regmap_procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define REGMAP_PROCMAP_QUERY	_IOWR('f', 17, struct regmap_procmap_query)
enum regmap_near_code regmap_near_code_flags(uint64_t vma_flags);

void regmap_near_init(struct regmap_near *n, uint64_t site, unsigned len, bool want_page);
void regmap_near_feed(struct regmap_near *n, const struct regmap_maps_line *m);
void regmap_near_done(struct regmap_near *n);

/*
 * Can code at site jump to a stub anywhere in [page, page + 4096) and
 * can the stub jump back (rel32 both ways)?
 */
bool regmap_near_reach(uint64_t site, uint64_t page);

/* A short English description ("code in a writable mapping", ...). */
const char *regmap_near_code_str(enum regmap_near_code code);

#ifdef __cplusplus
}
#endif

#endif /* REGMAP_NEAR_H */
