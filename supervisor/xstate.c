/*
 * Vector and x87 instructions on the map: they need the thread's
 * extended state, which ptrace hands over as an XSAVE area
 * (PTRACE_GETREGSET, NT_X86_XSTATE).  Only those instructions pay for
 * the two extra system calls; the emulator runs them on the tracer's CPU
 * with that state loaded and gives back the new area.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "sup_internal.h"

int sup_xstate_init(struct sup_session *s)
{
	unsigned a, b, c, d;
	size_t size = 4096;

	/* without the vector path every vector instruction is unsupported */
	if (regmap_emu_xinit() < 0)
		return 0;
	/* ECX of leaf 0xd: the XSAVE area size for every feature the CPU has */
	if (__get_cpuid_count(0xd, 0, &a, &b, &c, &d) && c > size)
		size = c;
	size = (size + 63) & ~(size_t)63;
	s->xbuf = aligned_alloc(64, size);
	if (!s->xbuf)
		return -ENOMEM;
	s->xsize = size;
	return 0;
}

void sup_xstate_free(struct sup_session *s)
{
	free(s->xbuf);
	s->xbuf = NULL;
}

enum regmap_emu_status sup_execute_x(struct sup_session *s, pid_t tid,
				     const struct regmap_emu_insn *insn,
				     struct regmap_cpu *cpu,
				     const struct regmap_emu_mem *mem,
				     struct regmap_emu_result *res)
{
	struct iovec iov = { s->xbuf, s->xsize };
	struct regmap_xstate xs;
	enum regmap_emu_status st;

	if (!s->xbuf)
		return regmap_emu_execute(insn, cpu, mem, res);
	memset(s->xbuf, 0, s->xsize);
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov) < 0 ||
	    regmap_emu_xstate_ptrace(&xs, s->xbuf, iov.iov_len) < 0) {
		/* no XSAVE layout to work on: as if the vector path were absent */
		res->status = REGMAP_EMU_BAD_XSTATE;
		res->naccess = 0;
		return REGMAP_EMU_BAD_XSTATE;
	}
	st = regmap_emu_execute_x(insn, cpu, &xs, mem, res);
	if (st == REGMAP_EMU_OK &&
	    ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, &iov) < 0)
		return REGMAP_EMU_BAD_XSTATE;
	return st;
}
