/*
 * regmap emulator: the public interface of the pure instruction emulator.
 *
 * The emulator takes the bytes of one faulting instruction and a copy of
 * the thread's registers, decides whether the instruction accesses the
 * register map (the first REGMAP_MAP_SIZE bytes of page 0) and, if so,
 * executes it against the copy with the semantics of regmap(7).
 *
 * It is pure: no ptrace, no signals, no I/O, no malloc, no global mutable
 * state.  Everything it needs from the target (memory outside the map) it
 * gets through the callbacks in struct regmap_emu_mem.  It is safe to call
 * from a signal handler and from several threads at once.
 */
#ifndef REGMAP_EMU_H
#define REGMAP_EMU_H

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

/* Decode and execute in one call. */
enum regmap_emu_status regmap_emu_step(const uint8_t *bytes, size_t len,
				       struct regmap_cpu *cpu,
				       const struct regmap_emu_mem *mem,
				       struct regmap_emu_result *res);

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
