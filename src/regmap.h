/*
 * regmap.h - memory-mapped x86-64 registers for C programs.
 *
 * With regmap enabled, the first REGMAP_MAP_SIZE bytes of page 0 are the
 * running thread's general-purpose registers (regmap(7)): an access to
 * address 0x10 is an access to rdx, 0x80 is rip, 0x88 is rflags.  This
 * header gives the map's offsets, the calls of libregmap (regmap(3)) that
 * enable it inside the process, and small accessors that compile to one
 * instruction on the map.
 *
 * Link with `pkg-config --cflags --libs regmap` (or -lregmap).
 *
 * Why accessors and not pointers.  In C, *(uint64_t *)0x10 is undefined
 * behaviour: no object lives at that address, and compilers treat the
 * whole first page as "null" (GCC's --param=min-pagesize defaults to
 * 4096), so the access may be turned into a trap or deleted together with
 * the code around it.  -fno-delete-null-pointer-checks only stops GCC from
 * removing null-pointer *tests*; it does not make such an access defined,
 * and it cannot tell the compiler the real problem: a store to 0x10
 * changes rdx behind its back, and a load from 0x10 reads whatever the
 * compiler happened to keep in rdx.  The compiler would keep using its
 * stale copy of the register, or merge, reorder and drop the accesses.
 * The accessors below are inline assembly with an absolute memory operand
 * (e.g. `addq %rdi, 0x58`), so the compiler emits exactly that one
 * instruction and is told which register it clobbers.  (The address
 * comes from an "i" constraint, not a pointer: no null pointer is ever
 * formed in C.)
 *
 * A note on optimisation.  The accessors are `static inline`: compiled
 * with optimisation (-O1 and up) each becomes the single instruction on
 * the map.  Without optimisation they are ordinary calls and still
 * correct, but the compiler may use the register between two accessors,
 * so a value stored through the map is only guaranteed to be read back
 * by an accessor placed directly after it.  To keep values in registers
 * across C code, write that code in assembly; the accessors are for
 * touching the map from C, not for register allocation.
 */
#ifndef REGMAP_H
#define REGMAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the map's layout (regmap(7)): 16 GPRs, rip, rflags. */
#define REGMAP_ABI_VERSION	1

/* Size of the map in bytes; an access at or beyond it is a real fault. */
#define REGMAP_MAP_SIZE		0x90

/* Offsets of the registers in the map: 8 bytes each, little-endian. */
enum regmap_slot {
	REGMAP_MAP_RAX = 0x00,
	REGMAP_MAP_RCX = 0x08,
	REGMAP_MAP_RDX = 0x10,
	REGMAP_MAP_RBX = 0x18,
	REGMAP_MAP_RSP = 0x20,
	REGMAP_MAP_RBP = 0x28,
	REGMAP_MAP_RSI = 0x30,
	REGMAP_MAP_RDI = 0x38,
	REGMAP_MAP_R8 = 0x40,
	REGMAP_MAP_R9 = 0x48,
	REGMAP_MAP_R10 = 0x50,
	REGMAP_MAP_R11 = 0x58,
	REGMAP_MAP_R12 = 0x60,
	REGMAP_MAP_R13 = 0x68,
	REGMAP_MAP_R14 = 0x70,
	REGMAP_MAP_R15 = 0x78,
	REGMAP_MAP_RIP = 0x80,
	REGMAP_MAP_RFLAGS = 0x88,
};

/* What serves the map for this process (regmap_mode()). */
enum regmap_mode {
	REGMAP_MODE_OFF = 0,		/* nothing: map accesses are real faults */
	REGMAP_MODE_IN_PROCESS = 1,	/* libregmap's signal handler */
	REGMAP_MODE_SUPERVISED = 2,	/* the regmap-run supervisor tracing us */
};

/*
 * Enable the map in this process: install libregmap's SIGSEGV and SIGBUS
 * handlers.  The program's own handlers, installed before or after (via
 * sigaction() or signal()), still get every fault that is not a map
 * access.  Calling it again is harmless.  Under regmap-run, which already
 * serves the map, it does nothing.  Returns 0 or a negative errno.
 */
int regmap_map_registers(void);

/* Put back the handlers that were installed before regmap_map_registers(). */
int regmap_unmap_registers(void);

/* The original regmap's name for regmap_map_registers(), for C and assembly. */
void map_registers(void);

/* Which of enum regmap_mode is in force now. */
int regmap_mode(void);

/*
 * Native-speed sites (regmap(7)): after its first emulated execution, an
 * instruction that reaches the map through a constant address ([0x10])
 * is rewritten into native code that does the same without trapping.  On
 * (1) by default, unless REGMAP_NO_REWRITE=1 is in the environment; off
 * (0) leaves every site trapping from now on (sites already rewritten
 * stay native: they are correct).  Before regmap_map_registers() this
 * only records the choice.  Returns 0, or, turning it on while the map
 * is enabled, a negative errno if this system cannot do it (-ENOSYS: no
 * sync-core membarrier; -EACCES: the kernel refuses writes to code
 * through /proc/self/mem): every site then keeps trapping (regmap(3)).
 * Under regmap-run it does nothing (see its --no-rewrite).
 */
int regmap_set_rewrite(int on);

/* ---- one-instruction accessors ---- */

/*
 * Loads of any width at any constant offset; off must be an integer
 * constant expression (e.g. REGMAP_MAP_RAX + 1 is ah).  These read a
 * register the compiler may be using, so they make sense only where you
 * know what the register holds.
 */
#define REGMAP_LOAD_(type, att, intel, con, off) __extension__ ({ type regmap_v_; \
	__asm__ __volatile__("{" att " %c1, %0|mov %0, " intel " ptr [%c1]}" \
			     : con(regmap_v_) : "i"(off)); regmap_v_; })
#define REGMAP_LOAD64(off)	REGMAP_LOAD_(uint64_t, "movq", "qword", "=r", off)
#define REGMAP_LOAD32(off)	REGMAP_LOAD_(uint32_t, "movl", "dword", "=r", off)
#define REGMAP_LOAD16(off)	REGMAP_LOAD_(uint16_t, "movw", "word", "=r", off)
#define REGMAP_LOAD8(off)	REGMAP_LOAD_(uint8_t, "movb", "byte", "=q", off)

/* regmap_<reg>_load(): the register's value, read through the map. */
#define REGMAP_DEFINE_LOAD_(reg, off)						\
static __inline__ __attribute__((__always_inline__, __unused__))		\
uint64_t regmap_##reg##_load(void)						\
{										\
	uint64_t v;								\
	__asm__ __volatile__("{movq %c1, %0|mov %0, qword ptr [%c1]}"	\
			     : "=r"(v) : "i"(off));				\
	return v;								\
}

/*
 * regmap_<reg>_<op>(v): one read-modify-write (or store) on the map.
 * The templates carry both assembler dialects, so -masm=intel works.
 */
#define REGMAP_DEFINE_OP_(reg, off, op, insn, clob)				\
static __inline__ __attribute__((__always_inline__, __unused__))		\
void regmap_##reg##_##op(uint64_t v)						\
{										\
	__asm__ __volatile__("{" insn "q %0, %c1|" insn " qword ptr [%c1], %0}" \
			     : : "r"(v), "i"(off) : "memory", "cc", clob);	\
}

/*
 * Registers the compiler can give up: store, add, sub, and, or, xor tell
 * it the register is clobbered.  "cc" is clobbered too (the arithmetic
 * sets flags; a plain store does not, but saying so costs nothing).
 */
#define REGMAP_DEFINE_GPR_(reg, off)						\
	REGMAP_DEFINE_LOAD_(reg, off)						\
	REGMAP_DEFINE_OP_(reg, off, store, "mov", #reg)			\
	REGMAP_DEFINE_OP_(reg, off, add, "add", #reg)				\
	REGMAP_DEFINE_OP_(reg, off, sub, "sub", #reg)				\
	REGMAP_DEFINE_OP_(reg, off, and, "and", #reg)				\
	REGMAP_DEFINE_OP_(reg, off, or, "or", #reg)				\
	REGMAP_DEFINE_OP_(reg, off, xor, "xor", #reg)

REGMAP_DEFINE_GPR_(rax, 0x00)
REGMAP_DEFINE_GPR_(rcx, 0x08)
REGMAP_DEFINE_GPR_(rdx, 0x10)
REGMAP_DEFINE_GPR_(rbx, 0x18)
REGMAP_DEFINE_GPR_(rsi, 0x30)
REGMAP_DEFINE_GPR_(rdi, 0x38)
REGMAP_DEFINE_GPR_(r8, 0x40)
REGMAP_DEFINE_GPR_(r9, 0x48)
REGMAP_DEFINE_GPR_(r10, 0x50)
REGMAP_DEFINE_GPR_(r11, 0x58)
REGMAP_DEFINE_GPR_(r12, 0x60)
REGMAP_DEFINE_GPR_(r13, 0x68)
REGMAP_DEFINE_GPR_(r14, 0x70)
REGMAP_DEFINE_GPR_(r15, 0x78)

/*
 * rsp, rbp and rip belong to the compiled code (stack, frame, control
 * flow): writing them from C cannot be described to the compiler, so
 * they are read-only here.  Write them from assembly.  rip reads as the
 * address of the instruction after the load.
 */
REGMAP_DEFINE_LOAD_(rsp, 0x20)
REGMAP_DEFINE_LOAD_(rbp, 0x28)
REGMAP_DEFINE_LOAD_(rip, 0x80)

/*
 * rflags: a write changes only the user-modifiable bits (CF PF AF ZF SF
 * TF DF OF AC ID).  Setting TF single-steps the program and DF reverses
 * the string instructions the compiler uses, so clear them again.
 */
REGMAP_DEFINE_LOAD_(rflags, 0x88)
REGMAP_DEFINE_OP_(rflags, 0x88, store, "mov", "cc")
REGMAP_DEFINE_OP_(rflags, 0x88, and, "and", "cc")
REGMAP_DEFINE_OP_(rflags, 0x88, or, "or", "cc")
REGMAP_DEFINE_OP_(rflags, 0x88, xor, "xor", "cc")

#undef REGMAP_DEFINE_GPR_

#ifdef __cplusplus
}
#endif

#endif /* REGMAP_H */
