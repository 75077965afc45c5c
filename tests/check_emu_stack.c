/*
 * Fixed vectors for PUSH m, POP m, CALL m and JMP m through the map: the
 * operand is the map, the stack is the fake target memory vec_mem at the
 * live rsp.  Instruction bytes come from as + objdump.
 */
#include <check.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "emu_vec.h"

static uint8_t mem0[VEC_MEM_SIZE];

static void setup(void)
{
	vec_setup();
	memset(mem0, 0, sizeof(mem0));
}

/* Offset in vec_mem of a target address. */
static size_t at(uint64_t addr)
{
	ck_assert(addr >= VEC_MEM_BASE && addr < VEC_MEM_BASE + VEC_MEM_SIZE);
	return addr - VEC_MEM_BASE;
}

static uint64_t stack_get(uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, vec_mem + at(addr), size);
	return v;
}

static void stack_put(uint64_t addr, uint64_t v, unsigned size)
{
	memcpy(vec_mem + at(addr), &v, size);
	memcpy(mem0 + at(addr), &v, size);
}

/* vec_mem still holds exactly what the test put there. */
#define ck_assert_mem_unchanged() ck_assert(memcmp(vec_mem, mem0, VEC_MEM_SIZE) == 0)

#define RSP0	(VEC_MEM_BASE + VEC_MEM_SIZE / 2)

START_TEST(push_map)
{
	want = next(7);

	/* push qword [0x8]: rcx on the stack */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x34, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), init.gpr[REGMAP_RCX]);

	/* push qword [0x20]: the old rsp */
	setup();
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x34, 0x25, 0x20, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), RSP0);

	/* push word [0x8]: two bytes, rsp - 2 */
	setup();
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0xff, 0x34, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 2;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 2, 2), init.gpr[REGMAP_RCX] & 0xffff);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 6), 0);
}
END_TEST

START_TEST(push_segment)
{
	/* push qword fs:[0x8] with fs base 0x10: rbx */
	cpu.fs_base = 0x10;
	init = cpu;
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x64, 0xff, 0x34, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), init.gpr[REGMAP_RBX]);

	/* push qword gs:[0x8] with gs base 0x1000: not the map */
	setup();
	cpu.gs_base = 0x1000;
	init = cpu;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x65, 0xff, 0x34, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();
}
END_TEST

START_TEST(push_errors)
{
	static const uint8_t push8[] = { 0xff, 0x34, 0x25, 0x08, 0, 0, 0 };

	/* push qword [0x8c]: partly outside; push qword [0x100]: not the map */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x34, 0x25, 0x8c, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x34, 0x25, 0x00, 0x01, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();

	/* a stack outside the target's memory: MEM_FAULT at the new rsp, nothing changed */
	cpu.gpr[REGMAP_RSP] = VEC_MEM_BASE + 4;
	init = cpu;
	ck_assert_int_eq(vec_exec(&cpu, push8, sizeof(push8), &res), REGMAP_EMU_MEM_FAULT);
	ck_assert_uint_eq(res.fault_addr, VEC_MEM_BASE - 4);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();
}
END_TEST

START_TEST(pop_map)
{
	want = next(7);

	/* pop qword [0x8]: rcx <- the top of the stack */
	stack_put(RSP0, 0x1122334455667788ull, 8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = 0x1122334455667788ull;
	want.gpr[REGMAP_RSP] = RSP0 + 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_mem_unchanged();

	/* pop word [0x8]: cx only, rsp + 2 */
	setup();
	want = next(8);
	stack_put(RSP0, 0xbeef, 2);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x8f, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = (init.gpr[REGMAP_RCX] & ~0xffffull) | 0xbeef;
	want.gpr[REGMAP_RSP] = RSP0 + 2;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(pop_rsp)
{
	want = next(7);

	/* pop qword [0x20]: the memory write comes last, rsp is the popped value */
	stack_put(RSP0, 0x7ff000000100ull, 8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x25, 0x20, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = 0x7ff000000100ull;
	ck_assert_cpu_eq(cpu, want);

	/*
	 * pop qword [rsp+rbx]: the address uses rsp after the pop.  With
	 * rbx = 0x8 - rsp that is 0x10 (rdx); with the old rsp it would
	 * have been 0x8 (rcx).
	 */
	setup();
	cpu.gpr[REGMAP_RBX] = 0x8 - RSP0;
	init = cpu;
	want = next(3);
	stack_put(RSP0, 0xabcdef, 8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x1c), REGMAP_EMU_OK);
	want.gpr[REGMAP_RDX] = 0xabcdef;
	want.gpr[REGMAP_RSP] = RSP0 + 8;
	ck_assert_cpu_eq(cpu, want);

	/* push qword [rsp+rbx] uses the old rsp: 0x8 (rcx) */
	setup();
	cpu.gpr[REGMAP_RBX] = 0x8 - RSP0;
	init = cpu;
	want = next(3);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x34, 0x1c), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), init.gpr[REGMAP_RCX]);
}
END_TEST

START_TEST(pop_rflags_and_errors)
{
	static const uint8_t pop8[] = { 0x8f, 0x04, 0x25, 0x08, 0, 0, 0 };

	want = next(7);
	/* pop qword [0x88]: only the user-modifiable flags come from the stack */
	stack_put(RSP0, ~0ull, 8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x25, 0x88, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 + 8;
	want.rflags = init.rflags | REGMAP_FLAGS_USER;
	ck_assert_cpu_eq(cpu, want);

	/* pop qword [0x100] is not a map access even with an unreadable stack */
	setup();
	cpu.gpr[REGMAP_RSP] = 0x1000;
	init = cpu;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x25, 0x00, 0x01, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	/* pop qword [0x8c]: partly outside */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8f, 0x04, 0x25, 0x8c, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	/* pop qword [0x8] from an unreadable stack */
	ck_assert_int_eq(vec_exec(&cpu, pop8, sizeof(pop8), &res), REGMAP_EMU_MEM_FAULT);
	ck_assert_uint_eq(res.fault_addr, 0x1000);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(call_map)
{
	want = next(7);

	/* call [0x80]: calls the next instruction, return address pushed */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x14, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	want.rip = VEC_RIP + 7;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), VEC_RIP + 7);

	/* call [rax*8] with rax = 2: through rdx's slot */
	setup();
	cpu.gpr[REGMAP_RAX] = 2;
	cpu.gpr[REGMAP_RDX] = 0x402345;
	init = cpu;
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x14, 0xc5, 0, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	want.rip = 0x402345;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), VEC_RIP + 7);
}
END_TEST

START_TEST(call_errors)
{
	static const uint8_t call8[] = { 0xff, 0x14, 0x25, 0x08, 0, 0, 0 };

	/* call [0x8] to a non-canonical rcx: #GP before anything is pushed */
	cpu.gpr[REGMAP_RCX] = 0x0000800000000000ull;
	init = cpu;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_FAULT_GP);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();

	/* call fword [0x8]: far, not emulated */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x1c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_UNSUPPORTED);
	ck_assert_cpu_eq(cpu, init);
	/* call [0x8c]: partly outside */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x14, 0x25, 0x8c, 0, 0, 0), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();

	/* an unwritable stack */
	setup();
	cpu.gpr[REGMAP_RCX] = 0x402000;
	cpu.gpr[REGMAP_RSP] = 0x2000;
	init = cpu;
	ck_assert_int_eq(vec_exec(&cpu, call8, sizeof(call8), &res), REGMAP_EMU_MEM_FAULT);
	ck_assert_uint_eq(res.fault_addr, 0x2000 - 8);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(jmp_map)
{
	want = next(7);

	/* jmp [0x80]: to the next instruction */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x24, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_OK);
	ck_assert_cpu_eq(cpu, want);

	/* jmp [0x8]: to rcx, nothing pushed */
	setup();
	cpu.gpr[REGMAP_RCX] = 0xffffffffff600000ull;
	init = cpu;
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x24, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = 0xffffffffff600000ull;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_mem_unchanged();

	/* jmp [0x20]: to the value of rsp */
	setup();
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x24, 0x25, 0x20, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = RSP0;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(jmp_errors)
{
	/* jmp [0x8] with vec_init's rcx, which is not canonical */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x24, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_FAULT_GP);
	ck_assert_cpu_eq(cpu, init);
	/* jmp fword [0x8] and rex.w jmp [0x8] (m16:64): far */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x2c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_UNSUPPORTED);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0xff, 0x2c, 0x25, 0x08, 0, 0, 0),
			 REGMAP_EMU_UNSUPPORTED);
	ck_assert_cpu_eq(cpu, init);
	/* jmp [rip+0]: the instruction's own neighbourhood, not the map */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x25, 0, 0, 0, 0), REGMAP_EMU_NOT_MAP);
	/* a far jump through memory outside the map is not ours either */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xff, 0x2c, 0x25, 0x00, 0x01, 0, 0), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

/*
 * Does this CPU honour 0x66 on a near indirect JMP (AMD: a 16-bit target,
 * zero-extended) or ignore it (Intel: 64 bits)?  The same jump natively:
 * the low 16 bits of its target lead below 64 KiB, where nothing is.
 */
static sigjmp_buf near16_jmp;

static void near16_segv(int sig)
{
	(void)sig;
	siglongjmp(near16_jmp, 1);
}

static bool native_near_branch_16(void)
{
	static uint64_t target;
	struct sigaction sa, old;
	volatile bool sixteen = true;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = near16_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(near16_jmp, 1)) {
		__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
				 "mov %%rax, %0\n\t"
				 ".byte 0x66\n\t"
				 "jmp *%0\n"
				 "1:"
				 : "+m"(target) : : "rax", "memory");
		sixteen = false;
	}
	sigaction(SIGSEGV, &old, NULL);
	return sixteen;
}

START_TEST(near_branches_16)
{
	bool amd = native_near_branch_16();
	unsigned n = amd ? 2 : 8;

	/* 66 jmp [0x8] with rcx = 0x402345 */
	cpu.gpr[REGMAP_RCX] = 0x402345;
	init = cpu;
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0xff, 0x24, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = amd ? 0x2345 : 0x402345;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_mem_unchanged();

	/* 66 call [0x8]: pushes 2 bytes of the return address (AMD), or 8 */
	setup();
	cpu.gpr[REGMAP_RCX] = 0x402345;
	init = cpu;
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0xff, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = amd ? 0x2345 : 0x402345;
	want.gpr[REGMAP_RSP] = RSP0 - n;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - n, n), amd ? (VEC_RIP + 8) & 0xffff : VEC_RIP + 8);

	/* 66 48 call [0x8]: REX.W wins, 64 bits on every CPU */
	setup();
	cpu.gpr[REGMAP_RCX] = 0x402345;
	init = cpu;
	want = init;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x48, 0xff, 0x14, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = 0x402345;
	want.gpr[REGMAP_RSP] = RSP0 - 8;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(stack_get(RSP0 - 8, 8), VEC_RIP + 9);
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("emu_stack");
	TCase *tc = tcase_create("stack");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, push_map);
	tcase_add_test(tc, push_segment);
	tcase_add_test(tc, push_errors);
	tcase_add_test(tc, pop_map);
	tcase_add_test(tc, pop_rsp);
	tcase_add_test(tc, pop_rflags_and_errors);
	tcase_add_test(tc, call_map);
	tcase_add_test(tc, call_errors);
	tcase_add_test(tc, jmp_map);
	tcase_add_test(tc, jmp_errors);
	tcase_add_test(tc, near_branches_16);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vec_run_suite(stack_suite());
}
