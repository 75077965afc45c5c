/*
 * Harness for the instruction-family targets (tests/t_<family>.c) that
 * run under regmap-run (or with libregmap) and check their own results.
 *
 * The expected result of an instruction on the map comes from the CPU:
 * the same instruction text runs twice, with its memory operand written
 * as OFF(%%r8).
 *
 *   map run:    r8 = 0, so the operand is the map slot at OFF;
 *   native run: r8 = a buffer holding the register image (rax, rcx, rdx,
 *               rbx, -, -, rsi, rdi), so the CPU executes the instruction
 *               on ordinary memory.
 *
 * Expected state = registers after the native run, then every buffer
 * byte the native run changed copied over the register it images (the
 * map write is applied last: regmap(7)).  Registers compared: rax, rcx,
 * rdx, rbx, rsi, rdi, and the flags in the case's mask.  Instructions in
 * cases must not use r8, and OFF must stay inside slots 0x00-0x1f and
 * 0x30-0x3f (rsp, rbp and r8 differ between the runs).
 */
#ifndef REGMAP_T_HARNESS_H
#define REGMAP_T_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* r[] in map order: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 (rsp), 5 (rbp), 6 rsi, 7 rdi */
struct t_regs {
	uint64_t r[8];
	uint64_t flags;
};

typedef void (*t_insn_fn)(struct t_regs *s, uint64_t base);

/*
 * One function per instruction text.  The 128 bytes below rsp are the
 * red zone the compiler may use, so the stack is moved past it before
 * pushfq/popfq (and any push the instruction itself does).
 */
#define T_INSN(fn, text) T_INSN_(fn, "", text)
#define T_INSN_(fn, label, text)						\
static const char fn##_text[] __attribute__((unused)) = text;	\
static void fn(struct t_regs *s, uint64_t base)					\
{										\
	register uint64_t b_ __asm__("r8") = base;				\
	__asm__ volatile(							\
		"lea -128(%%rsp), %%rsp\n\t"					\
		"pushq %[fl]\n\tpopfq\n\t"					\
		label text "\n\t"						\
		"pushfq\n\tpopq %[fl]\n\t"					\
		"lea 128(%%rsp), %%rsp"						\
		: "+a"(s->r[0]), "+c"(s->r[1]), "+d"(s->r[2]), "+b"(s->r[3]),	\
		  "+S"(s->r[6]), "+D"(s->r[7]), [fl] "+r"(s->flags)		\
		: "r"(b_)							\
		: "cc", "memory");						\
}

/* Flags worth comparing: CF PF AF ZF SF OF and DF. */
#define T_FLAGS_ALL	0xcd5ull
#define T_FLAGS_NONE	0ull

struct t_case {
	const char *name;
	t_insn_fn fn;
	uint64_t flagmask;	/* flags to compare */
	void (*prep)(struct t_regs *in);	/* adjust random inputs (divisors), or NULL */
	/*
	 * The map bytes the instruction always writes, if a register it
	 * writes overlaps them: copying only the bytes that changed would
	 * miss a byte the memory write sets back to its old value.
	 */
	uint8_t wr_off, wr_size;
	/*
	 * The native run's function, if not fn: a case whose map run uses a
	 * constant address ([0x10], which regmap may rewrite into native
	 * code) runs its twin with OFF(%%r8) on the buffer (T_INSN_CONST).
	 */
	t_insn_fn native;
};

/*
 * T_INSN_CONST(fn, "addq %%rdx, ", "0x10", ""): fn runs "addq %%rdx, 0x10"
 * (a constant address: a native-speed site, regmap(7)) at the global
 * label t_site_fn, fn_nat runs "addq %%rdx, 0x10(%%r8)" for the expected
 * result.
 */
#define T_INSN_CONST(fn, pre, off, post)					\
	extern const unsigned char t_site_##fn[];				\
	T_INSN_(fn, ".globl t_site_" #fn "\nt_site_" #fn ":\n\t", pre off post) \
	T_INSN(fn##_nat, pre off "(%%r8)" post)
#define T_CASE_CONST(fn) { fn##_text, fn, T_FLAGS_ALL, NULL, 0, 0, fn##_nat }
#define T_CASE_CONST_PREP(fn, prep) { fn##_text, fn, T_FLAGS_ALL, prep, 0, 0, fn##_nat }
#define T_CASE_CONST_WRITES(fn, off, size) \
	{ fn##_text, fn, T_FLAGS_ALL, NULL, off, size, fn##_nat }

#define T_CASE(fn) { fn##_text, fn, T_FLAGS_ALL, NULL, 0, 0, NULL }
#define T_CASE_PREP(fn, prep) { fn##_text, fn, T_FLAGS_ALL, prep, 0, 0, NULL }
#define T_CASE_WRITES(fn, off, size) { fn##_text, fn, T_FLAGS_ALL, NULL, off, size, NULL }

/*
 * Run every case on a fixed, seeded set of inputs in both ways and
 * compare.  Prints each failure and a summary; returns the number of
 * failures.
 */
int t_run_cases(const char *family, const struct t_case *cases, unsigned ncases,
		unsigned rounds);

/* Compare one value; prints and counts a failure.  Returns got == want. */
int t_expect(const char *what, uint64_t got, uint64_t want);

/* Failures counted by t_expect() so far. */
extern int t_failures;

/*
 * A part of the target's checks that cannot run here (the CPU lacks the
 * instruction: the target would get SIGILL, not a map access): say so.
 */
void t_skip(const char *what, const char *why);

/*
 * Exit status for a target, after a summary line: 1 if a check failed,
 * else 77 (SKIP, which the runners report) if a part was skipped, else 0.
 */
int t_done(const char *family);

#endif /* REGMAP_T_HARNESS_H */
