/*
 * difftest --rewrite: how many cases of each family the rewriter
 * rewrote (in place, with a stub) or left trapping (and why), how their
 * native runs ended, and the printout of a failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "difftest_rewrite.h"

struct dt_rw_fam {
	uint64_t cases;			/* every case of the family */
	uint64_t sites;			/* ... with a constant map address */
	uint64_t inplace, stub;
	uint64_t reason[REGMAP_RW_NREASONS];
	uint64_t outcome[DT_RW_O_N];
	uint64_t guard;			/* run with rsp just above the guard page */
	unsigned stub_max;		/* longest stub code */
	unsigned rewind_max;		/* most rewind points */
};

static struct dt_rw_fam dt_rw_fams[DT_NFAMILY];

void dt_rw_count(const struct dt_case *c, const struct regmap_rw_plan *plan,
		 int outcome, bool guard)
{
	struct dt_rw_fam *f = &dt_rw_fams[c->form->family];

	f->cases++;
	if (!plan)
		return;		/* strings: no constant address */
	f->sites++;
	if (plan->kind == REGMAP_RW_TRAP) {
		f->reason[plan->reason]++;
		return;
	}
	if (plan->kind == REGMAP_RW_INPLACE)
		f->inplace++;
	else
		f->stub++;
	if (plan->stub_len > f->stub_max)
		f->stub_max = plan->stub_len;
	if (plan->nrewind > f->rewind_max)
		f->rewind_max = plan->nrewind;
	if (outcome >= 0)
		f->outcome[outcome]++;
	f->guard += guard;
}

static double dt_pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/*
 * The share is of the map accesses: a constant address whose access is
 * not entirely inside the map is a real fault (or a partial access),
 * never a site to rewrite; those are counted apart.
 */
void dt_rw_summary(void)
{
	uint64_t gp_sites = 0, gp_rw = 0, gp_out = 0;

	printf("difftest: rewrite %-8s %9s %8s %9s %9s %9s %7s %9s %8s %9s %5s\n", "family",
	       "constant", "outside", "in place", "stub", "trapping", "share", "native",
	       "rewound", "fallback", "stub");
	for (unsigned i = 0; i < DT_NFAMILY; i++) {
		const struct dt_rw_fam *f = &dt_rw_fams[i];
		uint64_t rw = f->inplace + f->stub, out = f->reason[REGMAP_RW_NOT_IN_MAP];

		if (!f->sites)
			continue;	/* strings: no constant address */
		printf("difftest: rewrite %-8s %9" PRIu64 " %8" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %6.1f%% %9" PRIu64 " %8" PRIu64 " %9" PRIu64 " %5u\n",
		       dt_families[i].name, f->sites, out, f->inplace, f->stub,
		       f->sites - out - rw, dt_pct(rw, f->sites - out),
		       f->outcome[DT_RW_O_NATIVE], f->outcome[DT_RW_O_REWOUND],
		       f->outcome[DT_RW_O_FALLBACK], f->stub_max);
		if (i < DT_F_SSE) {
			gp_sites += f->sites - out;
			gp_rw += rw;
			gp_out += out;
		}
	}
	for (unsigned i = 0; i < DT_NFAMILY; i++) {
		const struct dt_rw_fam *f = &dt_rw_fams[i];

		for (unsigned k = 1; k < REGMAP_RW_NREASONS; k++)
			if (f->reason[k] && k != REGMAP_RW_NOT_IN_MAP)
				printf("difftest: rewrite %-8s %9" PRIu64 " trapping: %s\n",
				       dt_families[i].name, f->reason[k], regmap_rw_reason_str(k));
	}
	printf("difftest: rewrite: %" PRIu64 " of %" PRIu64
	       " general-purpose constant-address map accesses rewritten (%.2f%%); %" PRIu64
	       " more constant addresses are not entirely inside the map\n",
	       gp_rw, gp_sites, dt_pct(gp_rw, gp_sites), gp_out);
	if (dt_rw_addr)
		printf("difftest: rewrite: %" PRIu64 " rewritten cases with an addressing form "
		       "(compared with the emulator; the plain run checks it against the CPU)\n",
		       dt_rw_addr);
	if (dt_rw_ac)
		printf("difftest: rewrite: %" PRIu64 " rewritten cases run with AC set "
		       "(compared with the emulator only)\n", dt_rw_ac);
	if (dt_rw_steps_total)
		printf("difftest: rewrite: %" PRIu64 " single steps inside planted code, the stack "
		       "below rsp overwritten at each\n", dt_rw_steps_total);
	if (dt_rw_unstepped)
		printf("difftest: rewrite: %" PRIu64 " cases not single-stepped: their rsp "
		       "becomes non-canonical\n", dt_rw_unstepped);
}

static void dt_rw_dis(const char *what, const uint8_t *b, unsigned n, uint64_t at)
{
	ZydisDisassembledInstruction zi;

	for (unsigned off = 0; off < n; off += zi.info.length) {
		if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, at + off,
							b + off, n - off, &zi))) {
			printf("  %-9s %#" PRIx64 ": (bad)\n", what, at + off);
			return;
		}
		printf("  %-9s %#" PRIx64 ": %s\n", what, at + off, zi.text);
		what = "";
	}
}

void dt_rw_print(const struct dt_case *c, const struct regmap_rw_plan *plan,
		 const struct regmap_cpu *s, const struct regmap_cpu *e,
		 const struct dt_rw_out *r)
{
	const uint64_t *sv = (const uint64_t *)s, *ev = (const uint64_t *)e;
	const uint64_t *rv = (const uint64_t *)&r->cpu;
	static const char *const names[REGMAP_NREGS] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
	};

	printf("difftest: case %" PRIu64 " (family %s, %s): the rewritten form\n", c->num,
	       dt_families[c->form->family].name, c->form->name);
	dt_rw_dis("original", plan->orig, plan->len, plan->site);
	dt_rw_dis("site", plan->bytes, plan->len, plan->site);
	if (plan->kind == REGMAP_RW_STUB)
		dt_rw_dis("stub", plan->slot, plan->stub_len, plan->stub);
	printf("  native:   %s", r->how == DT_RW_EXIT ? "reached the next instruction" :
	       r->how == DT_RW_LANDED ? "reached the landing pad" : "signal");
	if (r->how == DT_RW_SIGNAL)
		printf(" %d (code %d, address %#" PRIx64 ")", r->signo, r->si_code, r->fault_addr);
	printf(", %u single steps\n", r->steps);
	printf("  %-6s  %-18s  %-18s  %-18s\n", "", "start", "emulated", "rewritten");
	for (unsigned i = 0; i < REGMAP_NREGS; i++)
		printf("  %-6s  %016" PRIx64 "    %016" PRIx64 "    %016" PRIx64 "%s\n", names[i],
		       sv[i], ev[i], rv[i], ev[i] != rv[i] ? "  <-- differs" : "");
}
