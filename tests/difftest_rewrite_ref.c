/*
 * difftest --rewrite: the references a rewritten form is compared with
 * (see difftest_rewrite.c): the emulator, on a copy of the test stack,
 * and the CPU running the original instruction from the same start state
 * with its operand redirected at a copy of the map (as the plain
 * difftest does, difftest_oracle.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "difftest_rewrite.h"
#include "difftest_vec.h"

uint8_t dt_rw_init_stack[DT_RW_STACK];
uint8_t dt_rw_emu_stack[DT_RW_STACK];

uint64_t dt_rw_base(void)
{
	return (uint64_t)(uintptr_t)dt_rw_stack();
}

/* The emulator's memory: a copy of the test stack. */
static int dt_rw_mem(void *ctx, uint64_t addr, void *buf, size_t len, bool write)
{
	uint8_t *mem = ctx;
	uint64_t off = addr - dt_rw_base();

	if (addr < dt_rw_base() || len > DT_RW_STACK || off > DT_RW_STACK - len)
		return -EFAULT;
	if (write)
		memcpy(mem + off, buf, len);
	else
		memcpy(buf, mem + off, len);
	return 0;
}

int dt_rw_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return dt_rw_mem(ctx, addr, buf, len, false);
}

static int dt_rw_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	return dt_rw_mem(ctx, addr, (void *)buf, len, true);
}

enum regmap_emu_status dt_rw_emulate(const struct dt_code *code, struct regmap_cpu *cpu,
					    uint8_t *mem)
{
	const struct regmap_emu_mem m = { dt_rw_mem_read, dt_rw_mem_write, mem };
	uint8_t bytes[REGMAP_EMU_MAX_INSN];

	memset(bytes, 0xcc, sizeof(bytes));
	memcpy(bytes, code->b, code->len);
	return regmap_emu_step(bytes, sizeof(bytes), cpu, &m, NULL);
}

/* The instruction as the emulator sees it (the plain [disp32] form or an addressing form). */
void dt_rw_code(const struct dt_case *c, struct dt_code *code)
{
	if (c->form->enc == DT_ENC_VEC)
		dt_vec_encode(c, false, 0, 0, code);
	else
		dt_encode_case(c, false, 0, 0, code);
}

bool dt_rw_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* The state the CPU's run of the original implies (as difftest_oracle.c). */
static enum regmap_emu_status dt_rw_expect(const struct dt_case *c, const struct regmap_cpu *s,
					   const struct dt_rw_out *o, struct regmap_cpu *x)
{
	uint8_t buf[REGMAP_MAP_SIZE], *img = (uint8_t *)x;
	bool write = c->form->access != DT_R, flags_w = false;
	uint64_t f;

	*x = *s;
	/* a jump to where no code is (a 16-bit near target) arrived there */
	if (o->how == DT_RW_SIGNAL && o->signo == SIGSEGV && o->cpu.rip != s->rip &&
	    o->fault_addr == o->cpu.rip) {
		*x = o->cpu;
		x->rflags &= ~DT_RW_RF;
		return REGMAP_EMU_OK;
	}
	if (o->how == DT_RW_SIGNAL) {
		if (o->cpu.rip != s->rip)
			return REGMAP_EMU_BAD_INSN;	/* not at the instruction: harness */
		if (o->signo == SIGFPE)
			return REGMAP_EMU_FAULT_DE;
		if (o->signo == SIGSEGV && o->si_code == SI_KERNEL)
			return REGMAP_EMU_FAULT_GP;
		return o->signo == SIGSEGV ? REGMAP_EMU_MEM_FAULT : REGMAP_EMU_BAD_INSN;
	}
	memcpy(x->gpr, o->cpu.gpr, sizeof(x->gpr));
	x->rip = o->cpu.rip;
	f = x->rflags = o->cpu.rflags;
	if (c->form->access == DT_CW)
		write = f & REGMAP_FLAGS_ZF;
	dt_rw_get_buffer(buf);
	for (unsigned i = c->mem_off; write && i < c->mem_off + c->mem_size; i++) {
		img[i] = buf[i];
		flags_w |= i >= REGMAP_OFF_RFLAGS;
	}
	if (flags_w)
		x->rflags = (f & ~(uint64_t)REGMAP_FLAGS_USER) | (x->rflags & REGMAP_FLAGS_USER);
	/* a write of the rip slot is a jump: to a non-canonical address, #GP there */
	if (write && c->mem_off < REGMAP_OFF_RFLAGS && c->mem_off + c->mem_size > REGMAP_OFF_RIP &&
	    !dt_rw_canonical(x->rip)) {
		*x = *s;
		return REGMAP_EMU_FAULT_GP;
	}
	return REGMAP_EMU_OK;
}

/* E from S, checked against the CPU's run of the original (O). */
bool dt_rw_reference(const struct dt_case *c, const struct regmap_cpu *s,
			    struct regmap_cpu *e, enum regmap_emu_status *est,
			    char *why, size_t size)
{
	struct dt_code code, native;
	struct regmap_cpu x;
	struct dt_rw_out o;
	uint8_t img[REGMAP_MAP_SIZE];
	enum regmap_emu_status xst;

	dt_encode(&c->insn, &code);
	dt_encode_native(&c->insn, dt_rw_site(), dt_rw_buffer(), &native);
	memcpy(img, s, REGMAP_MAP_SIZE);
	memcpy(img + REGMAP_OFF_RIP, &(uint64_t){ s->rip + code.len }, 8);
	dt_rw_set_buffer(img);
	dt_rw_place(native.b, native.len, NULL, true);
	memcpy(dt_rw_stack(), dt_rw_init_stack, DT_RW_STACK);
	dt_rw_run(s, false, 0, 0, 0, &o);
	xst = dt_rw_expect(c, s, &o, &x);

	*e = *s;
	memcpy(dt_rw_emu_stack, dt_rw_init_stack, DT_RW_STACK);
	*est = dt_rw_emulate(&code, e, dt_rw_emu_stack);
	if (xst == REGMAP_EMU_BAD_INSN) {
		snprintf(why, size, "harness: the original got signal %d (code %d) at %#llx",
			 o.signo, o.si_code, (unsigned long long)o.cpu.rip);
		return false;
	}
	if (*est != xst || (xst == REGMAP_EMU_OK && memcmp(e, &x, sizeof(x))) ||
	    memcmp(dt_rw_emu_stack, dt_rw_stack(), DT_RW_STACK)) {
		snprintf(why, size, "the emulator differs from the CPU from the rewrite's start state "
			 "(status %s, expected %s)", dt_status_name(*est), dt_status_name(xst));
		return false;
	}
	return true;
}
