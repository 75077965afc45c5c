/*
 * Execute one decoded instruction against a copy of the registers:
 * set up the context, run the handler, and commit its results with the
 * map write applied last (regmap(7), doc/DESIGN.md 3 and 5.2).
 */
#include "emu_handlers.h"

/* Copy the map bytes the instruction wrote over the registers. */
static inline __attribute__((always_inline)) void emu_commit(struct emu_ctx *ctx)
{
	uint8_t *regs = (uint8_t *)&ctx->out;
	uint64_t flags = ctx->out.rflags;
	bool flags_written = false;

	for (unsigned w = 0; w < 3; w++) {
		uint64_t bits = ctx->map_written[w];

		while (bits) {
			unsigned i = w * 64 + __builtin_ctzll(bits);

			bits &= bits - 1;
			regs[i] = ctx->map[i];
			flags_written |= i >= REGMAP_OFF_RFLAGS;
		}
	}
	/* Only the user-modifiable flags can be written through the map. */
	if (flags_written)
		ctx->out.rflags = (flags & ~(uint64_t)REGMAP_FLAGS_USER) |
				  (ctx->out.rflags & REGMAP_FLAGS_USER);
}

/* Both entry points inline it: the general-purpose path pays nothing for xs. */
static inline __attribute__((always_inline)) enum regmap_emu_status
emu_execute(const struct regmap_emu_insn *pub, struct regmap_cpu *cpu,
	    struct regmap_xstate *xs, const struct regmap_emu_mem *mem,
	    struct regmap_emu_result *res)
{
	const struct emu_insn *insn = (const struct emu_insn *)pub->opaque;
	struct regmap_emu_result scratch;
	struct emu_ctx ctx;
	enum regmap_emu_status st;

	if (!res)
		res = &scratch;
	res->insn_len = insn->len;
	res->naccess = 0;
	res->fault_addr = 0;
	if (!insn->len) {
		res->status = REGMAP_EMU_BAD_INSN;
		return res->status;
	}

	ctx.insn = insn;
	ctx.mem = mem;
	ctx.res = res;
	ctx.xs = xs;
	ctx.in = *cpu;
	ctx.in.rip = cpu->rip + insn->len;
	ctx.ea = insn->mem != 0xff ? emu_ea(&ctx, &insn->op[insn->mem]) : 0;

	if (!insn->handler) {
		/* Unsupported, but only worth saying so if it touches the map. */
		unsigned size = insn->mem != 0xff ? insn->op[insn->mem].size : 0;

		st = REGMAP_EMU_UNSUPPORTED;
		if (insn->mem != 0xff && !emu_touches_map(ctx.ea, size ? size : 1)) {
			res->fault_addr = ctx.ea;
			st = REGMAP_EMU_NOT_MAP;
		}
		res->status = st;
		return st;
	}
	/*
	 * Register and immediate forms (mov rax, rbx; jmp rel32) touch no
	 * map: only the string instructions, which have no explicit
	 * operands, reach it without a memory operand.
	 */
	if (insn->mem == 0xff && insn->nops) {
		res->status = REGMAP_EMU_NOT_MAP;
		return REGMAP_EMU_NOT_MAP;
	}

	ctx.out = ctx.in;
	memcpy(ctx.map, &ctx.in, REGMAP_MAP_SIZE);
	memset(ctx.map_written, 0, sizeof(ctx.map_written));

	st = insn->handler(&ctx);
	if (st == REGMAP_EMU_OK) {
		emu_commit(&ctx);
		/*
		 * A write to the rip slot is a jump: to a non-canonical address
		 * it faults at the instruction, as `jmp reg` does.  (Handlers
		 * that jump check their own targets before writing anything;
		 * the vector path keeps the xstate to put back, vx_exec.c.)
		 */
		if ((ctx.map_written[REGMAP_OFF_RIP / 64] >> (REGMAP_OFF_RIP % 64) & 0xff) &&
		    !emu_canonical(ctx.out.rip))
			st = REGMAP_EMU_FAULT_GP;
		else
			*cpu = ctx.out;
	}
	res->status = st;
	return st;
}

enum regmap_emu_status regmap_emu_execute(const struct regmap_emu_insn *pub,
					  struct regmap_cpu *cpu,
					  const struct regmap_emu_mem *mem,
					  struct regmap_emu_result *res)
{
	return emu_execute(pub, cpu, NULL, mem, res);
}

enum regmap_emu_status regmap_emu_execute_x(const struct regmap_emu_insn *pub,
					    struct regmap_cpu *cpu,
					    struct regmap_xstate *xs,
					    const struct regmap_emu_mem *mem,
					    struct regmap_emu_result *res)
{
	return emu_execute(pub, cpu, xs, mem, res);
}

bool regmap_emu_insn_needs_xstate(const struct regmap_emu_insn *pub)
{
	return ((const struct emu_insn *)pub->opaque)->handler == emu_h_vx;
}

enum regmap_emu_status regmap_emu_step(const uint8_t *bytes, size_t len,
				       struct regmap_cpu *cpu,
				       const struct regmap_emu_mem *mem,
				       struct regmap_emu_result *res)
{
	struct regmap_emu_insn insn;
	enum regmap_emu_status st = regmap_emu_decode(&insn, bytes, len);

	if (st == REGMAP_EMU_BAD_INSN) {
		if (res) {
			res->status = st;
			res->insn_len = 0;
			res->naccess = 0;
			res->fault_addr = 0;
		}
		return st;
	}
	return regmap_emu_execute(&insn, cpu, mem, res);
}

const char *regmap_emu_status_str(enum regmap_emu_status status)
{
	switch (status) {
	case REGMAP_EMU_OK:		return "emulated";
	case REGMAP_EMU_NOT_MAP:	return "address is outside the register map";
	case REGMAP_EMU_PARTIAL:	return "access is partly outside the register map";
	case REGMAP_EMU_UNSUPPORTED:	return "instruction cannot be emulated on the register map";
	case REGMAP_EMU_BAD_INSN:	return "instruction bytes do not decode";
	case REGMAP_EMU_FAULT_DE:	return "divide error";
	case REGMAP_EMU_FAULT_GP:	return "general protection fault (misaligned operand)";
	case REGMAP_EMU_MEM_FAULT:	return "cannot access the program's memory";
	case REGMAP_EMU_NEED_XSTATE:	return "the vector/x87 state is needed but was not given";
	case REGMAP_EMU_FAULT_XM:	return "SIMD floating-point exception";
	case REGMAP_EMU_FAULT_MF:	return "x87 floating-point exception";
	case REGMAP_EMU_BAD_XSTATE:	return "the vector/x87 state given is malformed";
	}
	return "unknown status";
}

const char *regmap_emu_reg_name(unsigned off)
{
	static const char *const names[REGMAP_NREGS] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rip", "rflags",
	};

	return off < REGMAP_MAP_SIZE ? names[off / 8] : NULL;
}
