/*
 * regmap emulator: the public interface of the pure instruction emulator.
 *
 * The emulator takes the bytes of one faulting instruction and a copy of
 * the thread's registers, decides whether the instruction accesses the
 * register map (the first REGMAP_MAP_SIZE bytes of page 0) and, if so,
 * executes it against the copy with the semantics of regmap(7).
 *
 * It is pure: no ptrace, no signals, no I/O, no malloc, no global mutable
 * state other than what regmap_emu_xinit() sets up once for the vector
 * path (below).  Everything it needs from the target (memory outside the
 * map) it gets through the callbacks in struct regmap_emu_mem.  It is safe
 * to call from a signal handler and from several threads at once.
 */
#ifndef REGMAP_EMU_H
#define REGMAP_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI v1 of the map: 16 GPRs, rip, rflags; 8 bytes each. */
#define REGMAP_MAP_SIZE		0x90
#define REGMAP_OFF_RIP		0x80
#define REGMAP_OFF_RFLAGS	0x88

/* Register numbers, in map order (== hardware encoding order). */
enum regmap_reg {
	REGMAP_RAX, REGMAP_RCX, REGMAP_RDX, REGMAP_RBX,
	REGMAP_RSP, REGMAP_RBP, REGMAP_RSI, REGMAP_RDI,
	REGMAP_R8, REGMAP_R9, REGMAP_R10, REGMAP_R11,
	REGMAP_R12, REGMAP_R13, REGMAP_R14, REGMAP_R15,
	REGMAP_RIP, REGMAP_RFLAGS,
	REGMAP_NREGS
};

/*
 * The CPU state the emulator works on.  The first REGMAP_MAP_SIZE bytes
 * are laid out exactly as the map, so (const uint8_t *)cpu is the map
 * image.  fs_base and gs_base are inputs only (for fs:/gs: overrides).
 */
struct regmap_cpu {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;
	uint64_t fs_base;
	uint64_t gs_base;
};

/* RFLAGS bits a write through the map may change (regmap(7)). */
#define REGMAP_FLAGS_CF		0x0001u
#define REGMAP_FLAGS_PF		0x0004u
#define REGMAP_FLAGS_AF		0x0010u
#define REGMAP_FLAGS_ZF		0x0040u
#define REGMAP_FLAGS_SF		0x0080u
#define REGMAP_FLAGS_TF		0x0100u
#define REGMAP_FLAGS_DF		0x0400u
#define REGMAP_FLAGS_OF		0x0800u
#define REGMAP_FLAGS_AC		0x40000u
#define REGMAP_FLAGS_ID		0x200000u
#define REGMAP_FLAGS_ARITH	(REGMAP_FLAGS_CF | REGMAP_FLAGS_PF | REGMAP_FLAGS_AF | \
				 REGMAP_FLAGS_ZF | REGMAP_FLAGS_SF | REGMAP_FLAGS_OF)
#define REGMAP_FLAGS_USER	(REGMAP_FLAGS_ARITH | REGMAP_FLAGS_TF | REGMAP_FLAGS_DF | \
				 REGMAP_FLAGS_AC | REGMAP_FLAGS_ID)

/*
 * Access to the target's memory outside the map (stack for push/pop/call,
 * the other pointer of a string instruction).  Both return 0 on success
 * or a negative errno; a failure makes the emulator return
 * REGMAP_EMU_MEM_FAULT with fault_addr set and the state unchanged.
 */
struct regmap_emu_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *ctx;
};

enum regmap_emu_status {
	REGMAP_EMU_OK = 0,		/* emulated: *cpu holds the new state */
	REGMAP_EMU_NOT_MAP,		/* no memory access of this instruction is in the map */
	REGMAP_EMU_PARTIAL,		/* an access is partly inside, partly outside the map */
	REGMAP_EMU_UNSUPPORTED,		/* touches the map, but regmap cannot emulate it */
	REGMAP_EMU_BAD_INSN,		/* the bytes do not decode as an x86-64 instruction */
	REGMAP_EMU_FAULT_DE,		/* the CPU would raise #DE: deliver SIGFPE (FPE_INTDIV) */
	REGMAP_EMU_FAULT_GP,		/* the CPU would raise #GP (misaligned cmpxchg16b, ...): SIGSEGV */
	REGMAP_EMU_MEM_FAULT,		/* reading or writing the target's other memory failed */
	/* the vector path (regmap_emu_execute_x) */
	REGMAP_EMU_NEED_XSTATE,		/* needs the vector/x87 state: call regmap_emu_execute_x() */
	REGMAP_EMU_FAULT_XM,		/* unmasked SIMD floating-point exception (#XM): SIGFPE */
	REGMAP_EMU_FAULT_MF,		/* pending unmasked x87 exception (#MF): SIGFPE */
	REGMAP_EMU_BAD_XSTATE,		/* the given xstate area is malformed or too small */
};

/* Longest x86 instruction; callers should supply this many bytes if they can. */
#define REGMAP_EMU_MAX_INSN	15

/*
 * A decoded instruction, ready to execute many times (callers cache it by
 * address and bytes).  Opaque: only the emulator looks inside.
 */
struct regmap_emu_insn {
	_Alignas(16) unsigned char opaque[192];
};

/* One access the instruction made to the map, for tracing. */
struct regmap_emu_access {
	uint8_t write;		/* 0: read, 1: write */
	uint8_t size;		/* bytes accessed, 1 .. REGMAP_MAP_SIZE */
	uint8_t offset;		/* map offset of the first byte */
	uint8_t data[16];	/* the first min(size, 16) bytes read or written */
};

#define REGMAP_EMU_MAX_ACCESS	4

struct regmap_emu_result {
	enum regmap_emu_status status;
	uint8_t insn_len;	/* length of the decoded instruction, 0 if it did not decode */
	uint8_t naccess;	/* entries used in access[] */
	struct regmap_emu_access access[REGMAP_EMU_MAX_ACCESS];
	uint64_t fault_addr;	/* PARTIAL, MEM_FAULT: the first address that could not be accessed */
};

/*
 * Decode the instruction in bytes[0..len).  Returns REGMAP_EMU_OK, or
 * REGMAP_EMU_BAD_INSN if it does not decode, or REGMAP_EMU_UNSUPPORTED if
 * regmap has no handler for it (the insn is still filled in enough for
 * regmap_emu_format() and regmap_emu_insn_len()).
 */
enum regmap_emu_status regmap_emu_decode(struct regmap_emu_insn *insn,
					 const uint8_t *bytes, size_t len);

/*
 * Execute a decoded instruction at cpu->rip.  On REGMAP_EMU_OK, *cpu is
 * the state after the instruction (rip advanced or jumped).  On any other
 * status *cpu is unchanged and nothing was written to the target's memory
 * (except for REGMAP_EMU_MEM_FAULT in the middle of a string instruction,
 * where writes already made to the target's memory stay).
 * res may be NULL.
 */
enum regmap_emu_status regmap_emu_execute(const struct regmap_emu_insn *insn,
					  struct regmap_cpu *cpu,
					  const struct regmap_emu_mem *mem,
					  struct regmap_emu_result *res);

/*
 * ---- Vector and x87 instructions (SSE .. AVX-512, MMX, x87) ----
 *
 * These run on the real CPU: the instruction is re-encoded (at decode
 * time) with its memory operand rip-relative, copied into a small stub
 * slot whose data buffer holds the map bytes at the same address modulo
 * 64, and executed with the target's vector/x87 state loaded by XRSTOR
 * and its GPRs and arithmetic flags loaded like the fastops; the state
 * is saved back with XSAVE and the written map bytes committed last as
 * for every other instruction.
 *
 * Executable memory: regmap_emu_xinit() maps one pool of 64 slots once
 * (RWX; where W^X forbids that, a page per slot that is flipped with
 * mprotect around writing it).  Executing a vector instruction claims a
 * free slot with one atomic operation and frees it afterwards, so it does
 * not allocate, takes no lock, and is safe in a signal handler, in several
 * threads and across fork() (the pool is private memory; a handler nested in
 * another can take another slot; with all 64 in use the instruction is
 * reported REGMAP_EMU_UNSUPPORTED).  Without regmap_emu_xinit() (or if it
 * failed) every vector instruction decodes as REGMAP_EMU_UNSUPPORTED,
 * exactly as before the vector path existed.
 *
 * Only instructions whose one explicit memory operand, registers and
 * flags are all their effects go this way: SSE..SSE4.2, SSE4a, AVX, AVX2,
 * FMA, F16C, AES, PCLMULQDQ, SHA, GFNI, VAES, VPCLMULQDQ, AVX-VNNI, the
 * AVX-512 families (F CD BW DQ VL IFMA VBMI VBMI2 VNNI BITALG VPOPCNTDQ
 * BF16 FP16 VP2INTERSECT, GFNI/VAES/VPCLMULQDQ), MMX and x87 (loads,
 * stores, arithmetic, FLDENV/FNSTENV/FNSAVE/FRSTOR, FLDCW/FNSTCW/FNSTSW),
 * LDMXCSR/STMXCSR — and only those the running CPU and OS support (CPUID,
 * XGETBV).  Never: gathers/scatters (VSIB), MASKMOVQ/MASKMOVDQU (implicit
 * [rdi]), FXSAVE/XSAVE families, prefetches, anything with rsp as an
 * operand; they stay REGMAP_EMU_UNSUPPORTED.
 *
 * Exceptions: alignment-checked forms (legacy SSE 16-byte operands other
 * than MOVUPS/MOVUPD/MOVDQU/LDDQU/PCMPxSTRx, and (V)MOVAPS/APD/DQA*,
 * MOVNT*) misaligned give REGMAP_EMU_FAULT_GP, except masked AVX-512
 * accesses whose mask selects no element (the CPU suppresses the fault
 * then).  A masked operand partly outside the map is REGMAP_EMU_PARTIAL
 * even if the elements it selects are inside.  The instruction runs with
 * every MXCSR exception masked; if it raised one the target has
 * unmasked, the result is REGMAP_EMU_FAULT_XM and nothing changes (the
 * target's MXCSR flags are not set: deliver SIGFPE).  An x87 or MMX
 * instruction finding an unmasked x87 exception pending gives
 * REGMAP_EMU_FAULT_MF; one that raises a new unmasked x87 exception
 * leaves it pending in the saved state, as the CPU does.  Known
 * inexactness: with MXCSR.UM clear, an exact tiny result raises #XM on
 * the CPU but not here.  The x87 FIP, FDP and FOP are the instruction's
 * rip, map address and opcode wherever the CPU keeps them: as XSAVE saved
 * them, or, where it saves zeros (AMD, without an exception pending), as
 * an FNSTENV right after the instruction shows them, written into the
 * area so that the XRSTOR that loads it back gives them to the thread.
 */

/*
 * The target's vector/x87 state in the standard (non-compacted) XSAVE
 * layout, as PTRACE_GETREGSET(NT_X86_XSTATE) returns it and as the
 * signal frame's fpstate holds it.  area must be 64-byte aligned; size
 * its length; xcr0 the state components present (what the kernel puts
 * in the area: regmap_emu_xstate_ptrace() / regmap_emu_xstate_sigframe()
 * fill it in).  The emulator reads and writes only x87, SSE, AVX,
 * opmask, ZMM_Hi256 and Hi16_ZMM (components 0, 1, 2, 5, 6, 7).
 */
struct regmap_xstate {
	void *area;
	size_t size;
	uint64_t xcr0;
};

/*
 * Set up the vector path: CPU features, and the pool of executable stub
 * slots.  Call once, before any regmap_emu_decode() that should see
 * vector instructions, outside signal handlers.  Returns 0, or -errno
 * (-ENOTSUP: the CPU has no XSAVE).  Calling it again is a no-op.
 */
int regmap_emu_xinit(void);

/*
 * True if executing insn needs the vector/x87 state (callers fetch it
 * only then: PTRACE_GETREGSET(NT_X86_XSTATE), or the signal frame).
 */
bool regmap_emu_insn_needs_xstate(const struct regmap_emu_insn *insn);

/*
 * regmap_emu_execute() with the target's vector/x87 state: on
 * REGMAP_EMU_OK xs->area holds the new state (write it back to the
 * target: PTRACE_SETREGSET, or leave it in the signal frame).  On any
 * other status the area is unchanged.  xs may be NULL (then vector
 * instructions touching the map return REGMAP_EMU_NEED_XSTATE), and is
 * ignored for the general-purpose instructions.
 */
enum regmap_emu_status regmap_emu_execute_x(const struct regmap_emu_insn *insn,
					    struct regmap_cpu *cpu,
					    struct regmap_xstate *xs,
					    const struct regmap_emu_mem *mem,
					    struct regmap_emu_result *res);

/*
 * Fill *xs for a PTRACE_GETREGSET(NT_X86_XSTATE) buffer of len bytes (the
 * kernel stores XCR0 at byte 464), or for a signal frame's fpstate (the
 * _fpx_sw_bytes at byte 464, magic FP_XSTATE_MAGIC1).  Return 0, or
 * -EINVAL if the buffer is not an XSAVE area.
 */
int regmap_emu_xstate_ptrace(struct regmap_xstate *xs, void *buf, size_t len);
int regmap_emu_xstate_sigframe(struct regmap_xstate *xs, void *fpstate);

/* Decode and execute in one call. */
enum regmap_emu_status regmap_emu_step(const uint8_t *bytes, size_t len,
				       struct regmap_cpu *cpu,
				       const struct regmap_emu_mem *mem,
				       struct regmap_emu_result *res);

/*
 * Does insn's explicit memory operand have a constant address: [disp32]
 * or moffs, with no base, no index, not rip-relative and no fs:/gs:
 * override?  Such an access reaches the same map bytes every time it
 * runs.  False for instructions without an explicit memory operand
 * (string instructions) and for those that did not decode.
 */
bool regmap_emu_insn_const_addr(const struct regmap_emu_insn *insn);

/*
 * One entry of a decode cache (emulator/dcache.c): a decoded instruction
 * and the rip it was decoded at.  Callers keep a table of them, choose
 * the slot (regmap_emu_dcache_slot()) and guard entries as their
 * threading needs; a zeroed entry is empty.
 */
struct regmap_emu_dcache_entry {
	struct regmap_emu_insn insn;
	uint64_t rip;
	bool valid;
};

/* The slot of rip in a table of (1 << bits) entries, 1 <= bits <= 16. */
static inline unsigned regmap_emu_dcache_slot(uint64_t rip, unsigned bits)
{
	/* Fibonacci hashing: nearby code addresses spread over the table */
	return (unsigned)((rip * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

/*
 * If e holds the instruction that the n bytes at rip begin with (same
 * rip, same instruction bytes), *hit = true and REGMAP_EMU_OK.  Else
 * decode the bytes into e->insn and return regmap_emu_decode()'s
 * status; e answers for rip from then on only if that is REGMAP_EMU_OK
 * (on REGMAP_EMU_UNSUPPORTED e->insn is still good for
 * regmap_emu_format()).
 */
enum regmap_emu_status regmap_emu_dcache_get(struct regmap_emu_dcache_entry *e,
					     uint64_t rip, const uint8_t *bytes,
					     size_t n, bool *hit);

/* Length in bytes of a decoded instruction. */
unsigned regmap_emu_insn_len(const struct regmap_emu_insn *insn);

/*
 * Intel-syntax disassembly of a decoded instruction at address rip into
 * buf (always NUL-terminated).  Returns the length written.  Not for the
 * hot path.
 */
size_t regmap_emu_format(const struct regmap_emu_insn *insn, uint64_t rip,
			 char *buf, size_t size);

/* A short English description of a status ("not a map access", ...). */
const char *regmap_emu_status_str(enum regmap_emu_status status);

/* Name of map register covering offset off ("rax", ..., "rflags"), or NULL. */
const char *regmap_emu_reg_name(unsigned off);

#ifdef __cplusplus
}
#endif

#endif /* REGMAP_EMU_H */
