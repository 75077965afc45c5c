/*
 * libregmap: enabling and disabling the map, regmap.h's accessors, and
 * the registers that are special (rip, rsp, rflags, fs:/gs: bases).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "check_lib.h"

static void on_segv(int sig)
{
	(void)sig;
}

START_TEST(test_mode_map_unmap)
{
	struct sigaction mine, cur, bus;

	/* a handler of the program's own, to be put back by unmap */
	memset(&mine, 0, sizeof(mine));
	mine.sa_handler = on_segv;
	mine.sa_flags = SA_RESETHAND;
	sigaddset(&mine.sa_mask, SIGUSR2);
	ck_assert_int_eq(sigaction(SIGSEGV, &mine, NULL), 0);
	ck_assert_int_eq(sigaction(SIGBUS, NULL, &bus), 0);

	ck_assert_int_eq(regmap_mode(), REGMAP_MODE_OFF);
	ck_assert_int_eq(regmap_map_registers(), 0);
	ck_assert_int_eq(regmap_mode(), REGMAP_MODE_IN_PROCESS);
	/* a second call does not save our own handler as "the previous one" */
	ck_assert_int_eq(regmap_map_registers(), 0);
	ck_assert_int_eq(regmap_unmap_registers(), 0);
	ck_assert_int_eq(regmap_mode(), REGMAP_MODE_OFF);

	ck_assert_int_eq(sigaction(SIGSEGV, NULL, &cur), 0);
	ck_assert_ptr_eq((void *)cur.sa_handler, (void *)on_segv);
	ck_assert(cur.sa_flags & SA_RESETHAND);
	ck_assert(sigismember(&cur.sa_mask, SIGUSR2));
	ck_assert_int_eq(sigaction(SIGBUS, NULL, &cur), 0);
	ck_assert_ptr_eq((void *)cur.sa_handler, (void *)bus.sa_handler);

	/* map_registers() is the same call */
	map_registers();
	ck_assert_int_eq(regmap_mode(), REGMAP_MODE_IN_PROCESS);
}
END_TEST

START_TEST(test_regmap_run_pid_not_tracer)
{
	/* REGMAP_RUN_PID without that process tracing us: not a no-op */
	ck_assert_int_eq(setenv("REGMAP_RUN_PID", "1", 1), 0);
	ck_assert_int_eq(regmap_map_registers(), 0);
	ck_assert_int_eq(regmap_mode(), REGMAP_MODE_IN_PROCESS);
}
END_TEST

/* store, add, sub, and, or, xor, load on one register; the result must equal C's */
#define CHECK_GPR(reg) do {							\
	uint64_t a = 0x0123456789abcdefull ^ __LINE__, b = 0x1111, c = 0x222;	\
	uint64_t m = 0xffff0000ffff0ff0ull, o = 0x8000000000000001ull, x = 0x5a; \
	uint64_t want = ((((a + b) - c) & m) | o) ^ x;				\
	regmap_##reg##_store(a);						\
	regmap_##reg##_add(b);							\
	regmap_##reg##_sub(c);							\
	regmap_##reg##_and(m);							\
	regmap_##reg##_or(o);							\
	regmap_##reg##_xor(x);							\
	ck_assert_msg(regmap_##reg##_load() == want, "%s", #reg);		\
} while (0)

START_TEST(test_accessors)
{
	ck_assert_int_eq(regmap_map_registers(), 0);
	CHECK_GPR(rax); CHECK_GPR(rcx); CHECK_GPR(rdx); CHECK_GPR(rbx);
	CHECK_GPR(rsi); CHECK_GPR(rdi); CHECK_GPR(r8); CHECK_GPR(r9);
	CHECK_GPR(r10); CHECK_GPR(r11); CHECK_GPR(r12); CHECK_GPR(r13);
	CHECK_GPR(r14); CHECK_GPR(r15);

	/* narrower loads read the bytes of the slot */
	regmap_r10_store(0x1122334455667788ull);
	ck_assert_uint_eq(REGMAP_LOAD32(REGMAP_MAP_R10 + 2), 0x33445566u);
}
END_TEST

START_TEST(test_rip_rsp)
{
	uint64_t want, got, jumped = 0;

	ck_assert_int_eq(regmap_map_registers(), 0);
	/* rip reads as the address of the next instruction */
	__asm__ __volatile__("lea 1f(%%rip), %0\n\tmovq 0x80, %1\n1:"
			     : "=&r"(want), "=r"(got));
	ck_assert_uint_eq(got, want);
	__asm__ __volatile__("movq %%rsp, %0\n\tmovq 0x20, %1" : "=&r"(want), "=r"(got));
	ck_assert_uint_eq(got, want);
	ck_assert_uint_eq(regmap_rsp_load() & 7, 0);
	/* a write to rip jumps */
	__asm__ __volatile__("lea 2f(%%rip), %%rcx\n\tmovq %%rcx, 0x80\n\t"
			     "movq $1, %0\n2:" : "+r"(jumped) : : "rcx");
	ck_assert_uint_eq(jumped, 0);
}
END_TEST

START_TEST(test_rflags)
{
	uint64_t f, cf;

	ck_assert_int_eq(regmap_map_registers(), 0);
	__asm__ __volatile__("stc\n\tmovq 0x88, %0" : "=r"(f) : : "cc");
	ck_assert_uint_eq(f & 1, 1);
	__asm__ __volatile__("clc\n\tmovq 0x88, %0" : "=r"(f) : : "cc");
	ck_assert_uint_eq(f & 1, 0);
	/* a write sets the flags; IF and the reserved bit 1 are not the program's */
	__asm__ __volatile__("clc\n\tmovq %1, 0x88\n\tsetc %b0\n\tmovzbq %b0, %0"
			     : "=&q"(cf) : "r"((uint64_t)1) : "cc");
	ck_assert_uint_eq(cf, 1);
	regmap_rflags_store(0);
	f = regmap_rflags_load();
	ck_assert_uint_eq(f & 0x202, 0x202);
	ck_assert_uint_eq(f & 0x8d5, 0);
}
END_TEST

START_TEST(test_segment_bases)
{
	uint64_t fs, got, want = 0x600d;

	ck_assert_int_eq(regmap_map_registers(), 0);
	/* fs:[rcx] with rcx = 0x10 - fs_base is address 0x10: rdx */
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	__asm__ __volatile__("movq %%fs:(%2), %0" : "=r"(got) : "d"(want), "r"(0x10 - fs));
	ck_assert_uint_eq(got, want);
	/* a gs base of 8 turns gs:[0x8] into 0x10 */
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_SET_GS, 8ul), 0);
	__asm__ __volatile__("movq %%gs:0x8, %0" : "=r"(got) : "d"(want + 1));
	ck_assert_int_eq(syscall(SYS_arch_prctl, ARCH_SET_GS, 0ul), 0);
	ck_assert_uint_eq(got, want + 1);
}
END_TEST

/* SSE through the map: the vector state comes from the signal frame and goes back to it */
START_TEST(test_vector)
{
	uint64_t lo, hi, rsi, rdi;

	ck_assert_int_eq(regmap_map_registers(), 0);
	/* xmm1 = the 16 bytes at 0x08: rcx, then rdx */
	__asm__ __volatile__("movdqu 0x8, %%xmm1\n\tmovq %%xmm1, %0\n\tpextrq $1, %%xmm1, %1"
			     : "=r"(lo), "=r"(hi) : "c"(0x1111222233334444ull), "d"(0x5555666677778888ull)
			     : "xmm1");
	ck_assert_uint_eq(lo, 0x1111222233334444ull);
	ck_assert_uint_eq(hi, 0x5555666677778888ull);
	/* a store of xmm2 to 0x30 writes rsi and rdi */
	__asm__ __volatile__("movq %2, %%xmm2\n\tpinsrq $1, %3, %%xmm2\n\tmovdqu %%xmm2, 0x30"
			     : "=S"(rsi), "=D"(rdi) : "r"(0xabcdull), "r"(0x1234ull) : "xmm2");
	ck_assert_uint_eq(rsi, 0xabcd);
	ck_assert_uint_eq(rdi, 0x1234);
}
END_TEST

static void fork_child(void *arg)
{
	uint64_t v;

	(void)arg;
	__asm__ __volatile__("movq $41, %%r12\n\taddq $1, 0x60\n\tmovq %%r12, %0"
			     : "=r"(v) : : "r12", "cc");
	CHILD_ASSERT(v == 42);
}

START_TEST(test_fork_inherits)
{
	ck_assert_int_eq(regmap_map_registers(), 0);
	ck_assert_exit0(lib_child(fork_child, NULL, NULL, 0));
}
END_TEST

TCase *lib_tcase_map(void)
{
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_mode_map_unmap);
	tcase_add_test(tc, test_regmap_run_pid_not_tracer);
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_rip_rsp);
	tcase_add_test(tc, test_rflags);
	tcase_add_test(tc, test_segment_bases);
	tcase_add_test(tc, test_vector);
	tcase_add_test(tc, test_fork_inherits);
	return tc;
}
