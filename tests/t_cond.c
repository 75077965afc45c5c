/*
 * t_cond: SETcc into the map and CMOVcc from it, all sixteen conditions,
 * on every flag combination the harness feeds in.
 * Exit status 0 when the results equal the CPU's (t_harness.h).
 */
#include <stdio.h>

#include "t_harness.h"

#define COND(cc)							\
	T_INSN(set##cc, "set" #cc " 0x9(%%r8)")				\
	T_INSN(cmov##cc, "cmov" #cc "q 0x10(%%r8), %%rcx")

COND(o) COND(no) COND(b) COND(ae) COND(e) COND(ne) COND(be) COND(a)
COND(s) COND(ns) COND(p) COND(np) COND(l) COND(ge) COND(le) COND(g)
T_INSN(cmovl32, "cmovll 0x14(%%r8), %%esi")
T_INSN(cmovnz16, "cmovnzw 0x3e(%%r8), %%si")

#define PAIR(cc) T_CASE(set##cc), T_CASE(cmov##cc)

static const struct t_case cases[] = {
	PAIR(o), PAIR(no), PAIR(b), PAIR(ae), PAIR(e), PAIR(ne), PAIR(be), PAIR(a),
	PAIR(s), PAIR(ns), PAIR(p), PAIR(np), PAIR(l), PAIR(ge), PAIR(le), PAIR(g),
	T_CASE(cmovl32), T_CASE(cmovnz16),
};

int main(void)
{
	t_run_cases("cond", cases, sizeof(cases) / sizeof(cases[0]), 24);
	return t_done("t_cond");
}
