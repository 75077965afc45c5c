/*
 * Fixed vectors for the core and the MOV family: addressing, partial and
 * straddling accesses, rip and rflags slots, statuses.
 */
#include <check.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "emu_vec.h"

START_TEST(load_and_store_qword)
{
	want = next(8);

	/* mov rax, [0x10] */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RDX];
	ck_assert_cpu_eq(cpu, want);

	/* mov [0x8], rbx */
	vec_setup();
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x89, 0x1c, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RBX];
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(dword_store_writes_four_bytes)
{
	want = next(11);

	/* mov dword [0x4], 0x12345678: upper half of rax only, no zero-extension */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xc7, 0x04, 0x25, 0x04, 0, 0, 0, 0x78, 0x56, 0x34, 0x12),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & 0xffffffffull) | 0x1234567800000000ull;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(straddling_load)
{
	want = next(7);

	/* mov eax, [0xc]: high half of rcx; a 32-bit register write zero-extends */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8b, 0x04, 0x25, 0x0c, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX] >> 32;
	ck_assert_cpu_eq(cpu, want);

	/* mov r9w, [0x8f]: last byte of rflags would be 0x8f..0x90: partly outside */
	vec_setup();
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0x44, 0x8b, 0x0c, 0x25, 0x8f, 0, 0, 0),
			 REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(rip_slot)
{
	want = next(8);

	/* mov rax, [0x80] reads the address of the next instruction */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x8b, 0x04, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = VEC_RIP + 8;
	ck_assert_cpu_eq(cpu, want);

	/* mov [0x80], rcx jumps to rcx */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = 0x7f0012345678ull;
	want = init = cpu;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x89, 0x0c, 0x25, 0x80, 0, 0, 0), REGMAP_EMU_OK);
	want.rip = init.gpr[REGMAP_RCX];
	ck_assert_cpu_eq(cpu, want);

	/*
	 * ... and to a non-canonical address (vec_init's rcx) faults at the
	 * instruction, as jmp rcx does: #GP, nothing changed
	 */
	vec_setup();
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x89, 0x0c, 0x25, 0x80, 0, 0, 0),
			 REGMAP_EMU_FAULT_GP);
	ck_assert_cpu_eq(cpu, init);
	/* a byte write that leaves rip canonical is a jump too */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xc6, 0x04, 0x25, 0x80, 0, 0, 0, 0x00), REGMAP_EMU_OK);
	want = init;
	want.rip = (VEC_RIP + 8) & ~0xffull;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(rflags_slot)
{
	want = next(12);

	/* mov qword [0x88], 0xfff: only CF PF AF ZF SF TF DF OF change; IF (0x200) and bit 1 stay */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0xc7, 0x04, 0x25, 0x88, 0, 0, 0, 0xff, 0x0f, 0, 0),
			 REGMAP_EMU_OK);
	want.rflags = 0x202 | (0xfff & REGMAP_FLAGS_USER);
	ck_assert_cpu_eq(cpu, want);

	/*
	 * mov word [0x87], 0x1200 straddles rip's top byte and rflags' bottom
	 * byte (rip stays canonical: its top byte was 0 already)
	 */
	vec_setup();
	want = next(10);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0xc7, 0x04, 0x25, 0x87, 0, 0, 0, 0x00, 0x12),
			 REGMAP_EMU_OK);
	want.rflags = (0x202 & ~(uint64_t)REGMAP_FLAGS_USER) | (0x212 & REGMAP_FLAGS_USER);
	ck_assert_cpu_eq(cpu, want);

	/* with 0x1234 rip would be non-canonical: #GP, the flags do not change either */
	vec_setup();
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x66, 0xc7, 0x04, 0x25, 0x87, 0, 0, 0, 0x34, 0x12),
			 REGMAP_EMU_FAULT_GP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(rsp_slot)
{
	want = next(8);

	/* mov [0x20], rax */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x89, 0x04, 0x25, 0x20, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RSP] = init.gpr[REGMAP_RAX];
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(byte_registers)
{
	want = next(7);

	/* mov ah, [0x8]: ah = cl */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x8a, 0x24, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xff00ull) |
			       ((init.gpr[REGMAP_RCX] & 0xff) << 8);
	ck_assert_cpu_eq(cpu, want);

	/* movabs al, [0x18]: moffs form, al = bl */
	vec_setup();
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0xa0, 0x18, 0, 0, 0, 0, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffull) | (init.gpr[REGMAP_RBX] & 0xff);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(extensions_and_movbe)
{
	want = next(8);

	/* movzx eax, byte [0x9] */
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0xb6, 0x04, 0x25, 0x09, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RCX] >> 8) & 0xff;
	ck_assert_cpu_eq(cpu, want);

	/* movsx rax, word [0x10] with a negative word */
	vec_setup();
	cpu.gpr[REGMAP_RDX] = init.gpr[REGMAP_RDX] = 0x8123;
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0xbf, 0x04, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = 0xffffffffffff8123ull;
	ck_assert_cpu_eq(cpu, want);

	/* movsxd rax, dword [0x8] with a negative dword */
	vec_setup();
	cpu.gpr[REGMAP_RCX] = init.gpr[REGMAP_RCX] = 0x12345678fedcba98ull;
	want = next(8);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x63, 0x04, 0x25, 0x08, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = 0xfffffffffedcba98ull;
	ck_assert_cpu_eq(cpu, want);

	/* movbe rax, [0x8] */
	vec_setup();
	want = next(10);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x0f, 0x38, 0xf0, 0x04, 0x25, 0x08, 0, 0, 0),
			 REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = __builtin_bswap64(init.gpr[REGMAP_RCX]);
	ck_assert_cpu_eq(cpu, want);

	/* movbe dword [0x10], ecx: low half of rdx only */
	vec_setup();
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x0f, 0x38, 0xf1, 0x0c, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RDX] = (init.gpr[REGMAP_RDX] & ~0xffffffffull) |
			       __builtin_bswap32((uint32_t)init.gpr[REGMAP_RCX]);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(addressing_forms)
{
	/* mov rax, [rbx] with rbx = 0x18: rax = rbx's own value */
	cpu.gpr[REGMAP_RBX] = init.gpr[REGMAP_RBX] = 0x18;
	want = next(3);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x8b, 0x03), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = 0x18;
	ck_assert_cpu_eq(cpu, want);

	/* mov rax, fs:[0x10]: fs base 0 -> map; fs base 0x1000 -> not the map */
	vec_setup();
	want = next(9);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RDX];
	ck_assert_cpu_eq(cpu, want);
	vec_setup();
	cpu.fs_base = init.fs_base = 0x1000;
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0),
			 REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);

	/* mov rax, [rip+0x10] at rip = 0x1: next rip 0x8, address 0x18 = rbx */
	vec_setup();
	cpu.rip = init.rip = 1;
	want = next(7);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x48, 0x8b, 0x05, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RBX];
	ck_assert_cpu_eq(cpu, want);

	/* 0x67: mov rax, [ebx+0x8] with rbx = 0x1_0000_0000: the address wraps to 0x8 */
	vec_setup();
	cpu.gpr[REGMAP_RBX] = init.gpr[REGMAP_RBX] = 0x100000000ull;
	want = next(5);
	ck_assert_int_eq(VEC_EXEC(&cpu, 0x67, 0x48, 0x8b, 0x43, 0x08), REGMAP_EMU_OK);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(statuses)
{
	static const uint8_t far[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x10, 0, 0 };
	static const uint8_t straddle[] = { 0x48, 0x8b, 0x04, 0x25, 0x8c, 0, 0, 0 };
	static const uint8_t sse_map[] = { 0xf3, 0x0f, 0x6f, 0x04, 0x25, 0, 0, 0, 0 };
	static const uint8_t sse_far[] = { 0xf3, 0x0f, 0x6f, 0x04, 0x25, 0, 0x10, 0, 0 };
	static const uint8_t bad[] = { 0x06 };

	ck_assert_int_eq(vec_exec(&cpu, far, sizeof(far), &res), REGMAP_EMU_NOT_MAP);
	ck_assert_uint_eq(res.fault_addr, 0x1000);
	ck_assert_int_eq(vec_exec(&cpu, straddle, sizeof(straddle), &res), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, 0x90);
	ck_assert_int_eq(vec_exec(&cpu, sse_map, sizeof(sse_map), &res), REGMAP_EMU_UNSUPPORTED);
	ck_assert_int_eq(vec_exec(&cpu, sse_far, sizeof(sse_far), &res), REGMAP_EMU_NOT_MAP);
	ck_assert_int_eq(vec_exec(&cpu, bad, sizeof(bad), &res), REGMAP_EMU_BAD_INSN);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(register_forms)
{
	static const uint8_t mov_rr[] = { 0x48, 0x89, 0xd8 };		/* mov rax, rbx */
	static const uint8_t add_ri[] = { 0x48, 0x83, 0xc0, 0x01 };	/* add rax, 1 */
	static const uint8_t jmp_rel[] = { 0xe9, 0x10, 0, 0, 0 };	/* jmp rel32 */
	static const uint8_t cpuid[] = { 0x0f, 0xa2 };			/* no handler, no operand */

	/* no memory operand, so no map access: nothing is emulated (found by fuzz_emu) */
	ck_assert_int_eq(vec_exec(&cpu, mov_rr, sizeof(mov_rr), &res), REGMAP_EMU_NOT_MAP);
	ck_assert_uint_eq(res.naccess, 0);
	ck_assert_int_eq(vec_exec(&cpu, add_ri, sizeof(add_ri), &res), REGMAP_EMU_NOT_MAP);
	ck_assert_int_eq(vec_exec(&cpu, jmp_rel, sizeof(jmp_rel), &res), REGMAP_EMU_NOT_MAP);
	/* an unsupported instruction without a memory operand (UBSan: op[0xff]) */
	ck_assert_int_eq(vec_exec(&cpu, cpuid, sizeof(cpuid), &res), REGMAP_EMU_UNSUPPORTED);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(access_record_and_format)
{
	static const uint8_t b[] = { 0x48, 0x89, 0x1c, 0x25, 0x08, 0, 0, 0 };
	struct regmap_emu_insn insn;
	char text[64];

	ck_assert_int_eq(vec_exec(&cpu, b, sizeof(b), &res), REGMAP_EMU_OK);
	ck_assert_uint_eq(res.insn_len, 8);
	ck_assert_uint_eq(res.naccess, 1);
	ck_assert_uint_eq(res.access[0].write, 1);
	ck_assert_uint_eq(res.access[0].offset, 8);
	ck_assert_uint_eq(res.access[0].size, 8);
	ck_assert_mem_eq(res.access[0].data, &init.gpr[REGMAP_RBX], 8);

	ck_assert_int_eq(regmap_emu_decode(&insn, b, sizeof(b)), REGMAP_EMU_OK);
	ck_assert_uint_eq(regmap_emu_insn_len(&insn), 8);
	regmap_emu_format(&insn, VEC_RIP, text, sizeof(text));
	ck_assert_str_eq(text, "mov [0x8], rbx");
	ck_assert_str_eq(regmap_emu_reg_name(0x8c), "rflags");
	ck_assert_ptr_null(regmap_emu_reg_name(0x90));
}
END_TEST

/*
 * Does 16-bit MOVSXD read a doubleword (AMD) or a word (Intel)?  The same
 * instruction natively, two bytes before a page that faults.
 */
static sigjmp_buf sx16_jmp;

static void sx16_segv(int sig)
{
	(void)sig;
	siglongjmp(sx16_jmp, 1);
}

static bool native_movsxd16_reads_4(void)
{
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa, old;
	volatile bool four = true;
	uint64_t rax = 0;

	ck_assert(p != MAP_FAILED && !mprotect(p + 4096, 4096, PROT_NONE));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sx16_segv;
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(sx16_jmp, 1)) {
		/* movsxd ax, [rdi] */
		__asm__ volatile(".byte 0x66, 0x63, 0x07" : "+a"(rax) : "D"(p + 4094) : "memory");
		four = false;
	}
	sigaction(SIGSEGV, &old, NULL);
	munmap(p, 8192);
	return four;
}

START_TEST(movsxd_16)
{
	bool four = native_movsxd16_reads_4();

	/* movsxd ax, [0x10]: the low word of rdx, either way */
	ck_assert_int_eq(VEC_RUN(0x66, 0x63, 0x04, 0x25, 0x10, 0, 0, 0), REGMAP_EMU_OK);
	expect_next();
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffffull) | (init.gpr[REGMAP_RDX] & 0xffff);
	ck_assert_cpu_eq(cpu, want);

	/* movsxd ax, [0x8e]: 0x8e-0x8f on Intel, 0x8e-0x91 (partly outside) on AMD */
	vec_setup();
	if (four) {
		ck_assert_int_eq(VEC_RUN(0x66, 0x63, 0x04, 0x25, 0x8e, 0, 0, 0), REGMAP_EMU_PARTIAL);
		ck_assert_uint_eq(res.fault_addr, 0x90);
		ck_assert_cpu_eq(cpu, init);
	} else {
		ck_assert_int_eq(VEC_RUN(0x66, 0x63, 0x04, 0x25, 0x8e, 0, 0, 0), REGMAP_EMU_OK);
		expect_next();
		want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffffull) | map_get(&init, 0x8e, 2);
		ck_assert_cpu_eq(cpu, want);
	}
}
END_TEST

static bool const_addr(const uint8_t *b, size_t len)
{
	struct regmap_emu_insn insn;
	enum regmap_emu_status st = regmap_emu_decode(&insn, b, len);

	ck_assert(st == REGMAP_EMU_OK || st == REGMAP_EMU_UNSUPPORTED);
	return regmap_emu_insn_const_addr(&insn);
}

#define CONST_ADDR(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; const_addr(b_, sizeof b_); })

START_TEST(constant_addresses)
{
	/* mov rax, [0x10]; mov al, moffs [0x10]; add [0x0], rdx; push [0x18] */
	ck_assert(CONST_ADDR(0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0));
	ck_assert(CONST_ADDR(0xa0, 0x10, 0, 0, 0, 0, 0, 0, 0));
	ck_assert(CONST_ADDR(0x48, 0x01, 0x14, 0x25, 0, 0, 0, 0));
	ck_assert(CONST_ADDR(0xff, 0x34, 0x25, 0x18, 0, 0, 0));
	/* movdqu xmm0, [0x8] */
	ck_assert(CONST_ADDR(0xf3, 0x0f, 0x6f, 0x04, 0x25, 0x08, 0, 0, 0));
	/* computed: mov rax, [rbx]; mov rax, [rcx*8+0x10]; mov rax, fs:[0x10]; mov rax, [rip+0] */
	ck_assert(!CONST_ADDR(0x48, 0x8b, 0x03));
	ck_assert(!CONST_ADDR(0x48, 0x8b, 0x04, 0xcd, 0x10, 0, 0, 0));
	ck_assert(!CONST_ADDR(0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0));
	ck_assert(!CONST_ADDR(0x48, 0x8b, 0x05, 0, 0, 0, 0));
	/* no explicit memory operand: movsq, add rax, rbx */
	ck_assert(!CONST_ADDR(0x48, 0xa5));
	ck_assert(!CONST_ADDR(0x48, 0x01, 0xd8));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emu_mov");
	TCase *tc = tcase_create("mov");

	tcase_add_checked_fixture(tc, vec_setup, NULL);
	tcase_add_test(tc, load_and_store_qword);
	tcase_add_test(tc, dword_store_writes_four_bytes);
	tcase_add_test(tc, straddling_load);
	tcase_add_test(tc, rip_slot);
	tcase_add_test(tc, rflags_slot);
	tcase_add_test(tc, rsp_slot);
	tcase_add_test(tc, byte_registers);
	tcase_add_test(tc, extensions_and_movbe);
	tcase_add_test(tc, addressing_forms);
	tcase_add_test(tc, statuses);
	tcase_add_test(tc, register_forms);
	tcase_add_test(tc, access_record_and_format);
	tcase_add_test(tc, constant_addresses);
	tcase_add_test(tc, movsxd_16);
	suite_add_tcase(s, tc);
	return vec_run_suite(s);
}
