/*
 * difftest --rewrite: every case whose map operand the rewriter accepts
 * is also run natively in its rewritten form (emulator/rewrite.h,
 * doc/REWRITE.md section 8) and compared with the emulator, which is
 * compared with the CPU's own run of the original from the same state.
 *
 *   difftest_rewrite.c      the per-case check
 *   difftest_rewrite_ref.c  the references: the emulator, the CPU's run
 *                           of the original
 *   difftest_rewrite_run.c  the native runner: planted code in its own
 *                           mapping, a real stack with a guard page below,
 *                           exits by jump or by signal, single-stepping
 *   difftest_rewrite_jit.S  the runner's entry and exits
 *   difftest_rewrite_report.c  per-family counts, printing a failure
 */
#ifndef REGMAP_DIFFTEST_REWRITE_H
#define REGMAP_DIFFTEST_REWRITE_H

/* struct dt_rw_ctx, shared with difftest_rewrite_jit.S */
#define DT_RW_IN	0x000	/* 16 GPRs loaded before the code runs */
#define DT_RW_INFLAGS	0x080
#define DT_RW_TARGET	0x088	/* where the code starts */
#define DT_RW_HOSTRSP	0x090
#define DT_RW_HOW	0x098	/* DT_RW_EXIT, DT_RW_LANDED (set by the exits) */
#define DT_RW_OUT	0x0a0	/* 16 GPRs at the exit */
#define DT_RW_OUTFLAGS	0x120

#define DT_RW_EXIT	1	/* reached the next instruction */
#define DT_RW_LANDED	2	/* reached the landing pad (CALL/JMP) */
#define DT_RW_SIGNAL	3	/* stopped by a signal (fault, trap, single step) */

#ifndef __ASSEMBLER__

#include "difftest.h"
#include "rewrite.h"

struct dt_rw_ctx {
	uint64_t in[16];
	uint64_t inflags;
	uint64_t target;
	uint64_t hostrsp;
	uint64_t how;
	uint64_t out[16];
	uint64_t outflags;
};

_Static_assert(__builtin_offsetof(struct dt_rw_ctx, outflags) == DT_RW_OUTFLAGS,
	       "struct dt_rw_ctx and its offsets disagree");

extern struct dt_rw_ctx dt_rw_ctx;
extern const unsigned char dt_rw_exit[], dt_rw_landed[];	/* difftest_rewrite_jit.S */

/* ---- the runner (difftest_rewrite_run.c) ---- */

/* The test stack: DT_RW_STACK bytes above an unmapped guard page. */
#define DT_RW_STACK	(24 * 1024)
#define DT_RW_RSP_MID	(20 * 1024)	/* usual rsp, as an offset into the stack */

struct dt_rw_out {
	int how;			/* DT_RW_EXIT, DT_RW_LANDED, DT_RW_SIGNAL */
	int signo, si_code;
	uint64_t fault_addr;
	struct regmap_cpu cpu;		/* registers, rflags, rip where it stopped */
	unsigned steps;			/* single steps inside the planted code */
};

int dt_rw_run_init(void);
uint64_t dt_rw_site(void);		/* where the site is placed */
uint64_t dt_rw_stub(void);		/* the stub slot */
uint64_t dt_rw_buffer(void);		/* the map image the original's operand addresses */
uint64_t dt_rw_landing(void);		/* the landing pad for CALL/JMP */
uint8_t *dt_rw_stack(void);		/* DT_RW_STACK bytes; the guard page is below */
/* Is addr inside the runner's code pages (site or stub)? */
bool dt_rw_in_code(uint64_t addr);

/*
 * Place len bytes at the site and, if slot is not NULL, the stub slot;
 * exit: the next instruction jumps to the runner's exit (else int3).
 */
void dt_rw_place(const uint8_t *bytes, unsigned len, const uint8_t *slot, bool exit);
/* The map image for the original's redirected operand. */
void dt_rw_set_buffer(const uint8_t img[REGMAP_MAP_SIZE]);
void dt_rw_get_buffer(uint8_t img[REGMAP_MAP_SIZE]);

/*
 * Run from state in (rip is where to start).  step: single-step with TF
 * and stop at the first instruction outside [lo, hi) after having been
 * inside it, or at stop if a jump or return got there; with
 * DT_RW_STEP_CLOBBER overwrite the stack below rsp (but not the red zone
 * below the start's rsp) at every boundary inside [lo, hi).
 */
#define DT_RW_STEP	1
#define DT_RW_STEP_CLOBBER	2
void dt_rw_run(const struct regmap_cpu *in, int step, uint64_t lo, uint64_t hi,
	       uint64_t stop, struct dt_rw_out *out);

/* ---- the references (difftest_rewrite_ref.c) ---- */

/* rflags.RF: set in a fault's saved flags, never in user code's */
#define DT_RW_RF	0x10000ull

/* The test stack's contents before a run, and the emulator's copy of it. */
extern uint8_t dt_rw_init_stack[DT_RW_STACK], dt_rw_emu_stack[DT_RW_STACK];

uint64_t dt_rw_base(void);		/* the test stack's address */
/* The emulator's memory callbacks read the test stack copy at ctx. */
int dt_rw_mem_read(void *ctx, uint64_t addr, void *buf, size_t len);
enum regmap_emu_status dt_rw_emulate(const struct dt_code *code, struct regmap_cpu *cpu,
				     uint8_t *mem);
/* The instruction as the emulator sees it (plain [disp32] or an addressing form). */
void dt_rw_code(const struct dt_case *c, struct dt_code *code);
bool dt_rw_canonical(uint64_t a);
/*
 * E (the emulator from s, into *e and dt_rw_emu_stack), checked against
 * the CPU's run of the original from s; false (why) if they differ.
 */
bool dt_rw_reference(const struct dt_case *c, const struct regmap_cpu *s,
		     struct regmap_cpu *e, enum regmap_emu_status *est,
		     char *why, size_t size);

/* ---- the check (difftest_rewrite.c) ---- */

int dt_rw_init(void);
/*
 * Classify case c and, if rewritten, run and compare it; false: failed
 * (why in why; the details printed if print).
 */
bool dt_rw_case(const struct dt_case *c, uint64_t seed, bool step, bool print,
		char *why, size_t size);

/* ---- counts and printing (difftest_rewrite_report.c) ---- */

enum dt_rw_outcome {
	DT_RW_O_NATIVE,		/* ran natively to the end */
	DT_RW_O_REWOUND,	/* faulted at a rewind point: rewound, emulated */
	DT_RW_O_FALLBACK,	/* took the stub's fallback to the emulator */
	DT_RW_O_N
};

extern uint64_t dt_rw_unstepped, dt_rw_steps_total, dt_rw_ac, dt_rw_addr;
void dt_rw_count(const struct dt_case *c, const struct regmap_rw_plan *plan,
		 int outcome, bool guard);
void dt_rw_summary(void);
void dt_rw_print(const struct dt_case *c, const struct regmap_rw_plan *plan,
		 const struct regmap_cpu *s, const struct regmap_cpu *e,
		 const struct dt_rw_out *r);

#endif /* __ASSEMBLER__ */
#endif /* REGMAP_DIFFTEST_REWRITE_H */
