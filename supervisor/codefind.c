/*
 * Instructions the supervisor makes a stopped thread run on its behalf,
 * found in the thread's own address space: `syscall` (0f 05) for
 * inject.c, `popfq` (9d) for the ID flag (idflag.c).  Any occurrence of
 * the bytes in executable memory will do, even inside another
 * instruction: executed from there they are that instruction.
 *
 * The [vdso] is searched first (it is small, and its system-call
 * fallbacks have a `syscall`), then every other executable mapping but
 * the emulated [vsyscall] page, up to SCAN_LIMIT bytes.  The address is
 * remembered per process until it execs (procs.c) and checked before
 * each use, so a mapping changed meanwhile is searched again.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sup_internal.h"

#define SCAN_LIMIT	(64ull << 20)	/* bytes of code looked at, at most */

static const struct {
	uint8_t len;
	uint8_t b[2];
} code[SUP_CODE_N] = {
	[SUP_CODE_SYSCALL] = { 2, { 0x0f, 0x05 } },
	[SUP_CODE_POPF] = { 1, { 0x9d } },
};

static uint64_t scan_range(pid_t tid, enum sup_code which, uint64_t start, uint64_t end,
			   uint64_t *budget)
{
	const uint8_t *b = code[which].b;
	unsigned len = code[which].len;
	uint8_t page[4096], prev = 0;

	for (uint64_t a = start; a < end && *budget; a += sizeof(page)) {
		size_t n = end - a < sizeof(page) ? end - a : sizeof(page);

		if (sup_mem_read(&tid, a, page, n) < 0) {
			prev = 0;
			continue;
		}
		*budget = *budget > n ? *budget - n : 0;
		/* a two-byte pattern across the page boundary */
		if (len == 2 && prev == b[0] && page[0] == b[1])
			return a - 1;
		for (size_t i = 0; i + len <= n; i++)
			if (page[i] == b[0] && (len == 1 || page[i + 1] == b[1]))
				return a + i;
		prev = page[n - 1];
	}
	return 0;
}

static uint64_t scan(pid_t tid, enum sup_code which)
{
	uint64_t found = 0, budget = SCAN_LIMIT;
	char path[64], line[512];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	for (int pass = 0; pass < 2 && !found; pass++) {
		FILE *f = fopen(path, "re");

		if (!f)
			return 0;
		while (!found && fgets(line, sizeof(line), f)) {
			uint64_t start, end;
			char perms[5];
			int off = 0;
			bool vdso;

			if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s%n",
				   &start, &end, perms, &off) < 3 || off == 0 || perms[2] != 'x')
				continue;
			if (strstr(line + off, "[vsyscall]"))
				continue;
			vdso = strstr(line + off, "[vdso]") != NULL;
			if (vdso == (pass == 0))
				found = scan_range(tid, which, start, end, &budget);
		}
		fclose(f);
	}
	return found;
}

uint64_t sup_find_code(struct sup_session *s, pid_t tid, enum sup_code which)
{
	struct sup_proc *p = sup_proc_get(s, sup_thread_tgid(s, tid), true);
	uint8_t b[2];

	if (p && p->code[which] &&
	    sup_mem_read(&tid, p->code[which], b, code[which].len) == 0 &&
	    !memcmp(b, code[which].b, code[which].len))
		return p->code[which];
	if (!p)
		return scan(tid, which);
	p->code[which] = scan(tid, which);
	return p->code[which];
}
