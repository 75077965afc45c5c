/*
 * Fixed vectors for the string instructions MOVS STOS LODS CMPS SCAS with
 * REP/REPE/REPNE: one pointer in the map, the other in the fake target
 * memory vec_mem (at B below).  Expected values follow the Intel loop
 * definitions element by element; flags come from a native CMP on the
 * same values.  Instruction bytes come from as + objdump.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "emu_vec.h"

#define B	VEC_MEM_BASE

static uint8_t mem0[VEC_MEM_SIZE];
static unsigned nreads, nwrites;

static int count_read(void *c, uint64_t addr, void *buf, size_t len)
{
	nreads++;
	return vec_mem_ops.read(c, addr, buf, len);
}

static int count_write(void *c, uint64_t addr, const void *buf, size_t len)
{
	nwrites++;
	return vec_mem_ops.write(c, addr, buf, len);
}

static const struct regmap_emu_mem count_ops = { count_read, count_write, NULL };

static enum regmap_emu_status run(const uint8_t *bytes, size_t len, struct regmap_emu_result *res)
{
	return regmap_emu_step(bytes, len, &cpu, &count_ops, res);
}

#define RUN(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; run(b_, sizeof(b_), NULL); })

static void setup(void)
{
	vec_setup();
	nreads = nwrites = 0;
	for (unsigned i = 0; i < VEC_MEM_SIZE; i++)
		vec_mem[i] = mem0[i] = (uint8_t)(i * 7 + 3);
}

/* After changing cpu in a test: this is the starting state. */
static void start(void)
{
	init = cpu;
}

/* The map as an instruction of len bytes sees it. */
static void image(uint8_t img[REGMAP_MAP_SIZE], unsigned len)
{
	struct regmap_cpu c = next(len);

	memcpy(img, &c, REGMAP_MAP_SIZE);
}

static void map_put(struct regmap_cpu *c, unsigned off, const void *v, unsigned size)
{
	memcpy((uint8_t *)c + off, v, size);
}

static uint64_t mem_get(uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, vec_mem + (addr - B), size);
	return v;
}

/* The CPU's flags for cmp a, b at size bytes, merged into rflags. */
static uint64_t cmp_flags(uint64_t rflags, unsigned size, uint64_t a, uint64_t b)
{
	uint64_t f = (rflags & REGMAP_FLAGS_ARITH) | 2;

#define NAT(insn) asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopfq\n\t" insn \
			       "\n\tpushfq\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp" \
			       : [f] "+r"(f) : [a] "r"(a), [b] "r"(b) : "cc", "memory")
	switch (size) {
	case 1: NAT("cmpb %b[b], %b[a]"); break;
	case 2: NAT("cmpw %w[b], %w[a]"); break;
	case 4: NAT("cmpl %k[b], %k[a]"); break;
	case 8: NAT("cmpq %[b], %[a]"); break;
	default: abort();
	}
#undef NAT
	return (rflags & ~(uint64_t)REGMAP_FLAGS_ARITH) | (f & REGMAP_FLAGS_ARITH);
}

#define ck_assert_mem_unchanged() ck_assert(memcmp(vec_mem, mem0, VEC_MEM_SIZE) == 0)

START_TEST(movs_map_to_mem)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	static const uint8_t insns[4][2] = { { 0xa4 }, { 0x66, 0xa5 }, { 0xa5 }, { 0x48, 0xa5 } };

	/* movs{b,w,d,q} from [0x11] (straddles rdx and rbx for q) to B+0x100 */
	for (unsigned k = 0; k < 4; k++) {
		unsigned size = sizes[k], len = size == 1 || size == 4 ? 1 : 2;

		setup();
		cpu.gpr[REGMAP_RSI] = 0x11;
		cpu.gpr[REGMAP_RDI] = B + 0x100;
		start();
		ck_assert_int_eq(run(insns[k] + 0, len, NULL), REGMAP_EMU_OK);
		want = next(len);
		want.gpr[REGMAP_RSI] = 0x11 + size;
		want.gpr[REGMAP_RDI] = B + 0x100 + size;
		ck_assert_cpu_eq(cpu, want);
		ck_assert_uint_eq(mem_get(B + 0x100, size), map_get(&init, 0x11, size));
		ck_assert_uint_eq(mem_get(B + 0x100 + size, 1), mem0[0x100 + size]);
	}
}
END_TEST

START_TEST(rep_movsb_whole_map)
{
	uint8_t img[REGMAP_MAP_SIZE];

	/* rep movsb: the whole map (rip = the next instruction) in one write */
	cpu.gpr[REGMAP_RSI] = 0;
	cpu.gpr[REGMAP_RDI] = B + 0x100;
	cpu.gpr[REGMAP_RCX] = REGMAP_MAP_SIZE;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_OK);
	image(img, 2);
	ck_assert(memcmp(vec_mem + 0x100, img, REGMAP_MAP_SIZE) == 0);
	ck_assert(memcmp(vec_mem + 0x190, mem0 + 0x190, 16) == 0);
	ck_assert_uint_eq(nwrites, 1);
	want = next(2);
	want.gpr[REGMAP_RSI] = REGMAP_MAP_SIZE;
	want.gpr[REGMAP_RDI] = B + 0x190;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);

	/* the same backwards (DF=1): rsi from 0x8f down to 0 */
	setup();
	cpu.gpr[REGMAP_RSI] = 0x8f;
	cpu.gpr[REGMAP_RDI] = B + 0x18f;
	cpu.gpr[REGMAP_RCX] = REGMAP_MAP_SIZE;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_OK);
	image(img, 2);
	ck_assert(memcmp(vec_mem + 0x100, img, REGMAP_MAP_SIZE) == 0);
	ck_assert_uint_eq(vec_mem[0xff], mem0[0xff]);
	want = next(2);
	want.gpr[REGMAP_RSI] = ~0ull;
	want.gpr[REGMAP_RDI] = B + 0xff;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

/*
 * With TF set the CPU runs a repeated string instruction one iteration
 * per step, trapping with rip still on it until the run ends (Intel SDM
 * vol. 2, REP: "the instruction is interrupted ... after each iteration"
 * when single-stepping); tests/t_trapflag compares with the CPU itself.
 */
START_TEST(rep_single_steps_with_tf)
{
	uint8_t img[REGMAP_MAP_SIZE];

	cpu.gpr[REGMAP_RSI] = 0x10;
	cpu.gpr[REGMAP_RDI] = B + 0x100;
	cpu.gpr[REGMAP_RCX] = 3;
	cpu.rflags |= REGMAP_FLAGS_TF;
	start();
	image(img, 2);
	for (unsigned i = 0; i < 3; i++) {
		start();
		ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_OK);
		want = init;
		want.gpr[REGMAP_RSI] = init.gpr[REGMAP_RSI] + 1;
		want.gpr[REGMAP_RDI] = init.gpr[REGMAP_RDI] + 1;
		want.gpr[REGMAP_RCX] = init.gpr[REGMAP_RCX] - 1;
		/* the last iteration ends the instruction */
		if (i == 2)
			want.rip = VEC_RIP + 2;
		ck_assert_cpu_eq(cpu, want);
		ck_assert_uint_eq(vec_mem[0x100 + i], img[0x10 + i]);
		ck_assert_uint_eq(vec_mem[0x101 + i], mem0[0x101 + i]);
	}

	/* repe cmpsb that ends on its first element: done, rip moves on */
	setup();
	vec_mem[0x300] = (uint8_t)~map_get(&init, 0x40, 1);
	memcpy(mem0, vec_mem, VEC_MEM_SIZE);
	cpu.gpr[REGMAP_RSI] = 0x40;
	cpu.gpr[REGMAP_RDI] = B + 0x300;
	cpu.gpr[REGMAP_RCX] = 8;
	cpu.rflags |= REGMAP_FLAGS_TF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa6), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = 0x41;
	want.gpr[REGMAP_RDI] = B + 0x301;
	want.gpr[REGMAP_RCX] = 7;
	want.rflags = cmp_flags(init.rflags, 1, map_get(&init, 0x40, 1), vec_mem[0x300]);
	ck_assert_cpu_eq(cpu, want);

	/* ... and one whose first elements are equal: one step, rip stays */
	setup();
	vec_mem[0x300] = (uint8_t)map_get(&init, 0x40, 1);
	memcpy(mem0, vec_mem, VEC_MEM_SIZE);
	cpu.gpr[REGMAP_RSI] = 0x40;
	cpu.gpr[REGMAP_RDI] = B + 0x300;
	cpu.gpr[REGMAP_RCX] = 8;
	cpu.rflags |= REGMAP_FLAGS_TF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa6), REGMAP_EMU_OK);
	want = init;
	want.gpr[REGMAP_RSI] = 0x41;
	want.gpr[REGMAP_RDI] = B + 0x301;
	want.gpr[REGMAP_RCX] = 7;
	want.rflags = cmp_flags(init.rflags, 1, map_get(&init, 0x40, 1), vec_mem[0x300]);
	ck_assert_cpu_eq(cpu, want);

	/* a single stos (rcx == 1) is the whole run */
	setup();
	cpu.gpr[REGMAP_RDI] = 0x18;
	cpu.gpr[REGMAP_RCX] = 1;
	cpu.rflags |= REGMAP_FLAGS_TF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xab), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RBX] = init.gpr[REGMAP_RAX];
	want.gpr[REGMAP_RDI] = 0x20;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(movs_mem_to_map)
{
	/* rep movsb 16 bytes from B+0x200 to 0x40: r8 and r9, one read */
	cpu.gpr[REGMAP_RSI] = B + 0x200;
	cpu.gpr[REGMAP_RDI] = 0x40;
	cpu.gpr[REGMAP_RCX] = 16;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_OK);
	ck_assert_uint_eq(nreads, 1);
	want = next(2);
	want.gpr[REGMAP_RSI] = B + 0x210;
	want.gpr[REGMAP_RDI] = 0x50;
	want.gpr[REGMAP_RCX] = 0;
	map_put(&want, 0x40, mem0 + 0x200, 16);
	ck_assert_cpu_eq(cpu, want);
	ck_assert_mem_unchanged();

	/* rep movsq over rbp, rsi, rdi: the map writes land after rsi/rdi/rcx's updates */
	setup();
	cpu.gpr[REGMAP_RSI] = B + 0x200;
	cpu.gpr[REGMAP_RDI] = 0x28;
	cpu.gpr[REGMAP_RCX] = 3;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xa5), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RCX] = 0;
	map_put(&want, 0x28, mem0 + 0x200, 24);
	ck_assert_cpu_eq(cpu, want);

	/* rep movsq with DF=1 into r15 then r14 */
	setup();
	cpu.gpr[REGMAP_RSI] = B + 0x210;
	cpu.gpr[REGMAP_RDI] = 0x78;
	cpu.gpr[REGMAP_RCX] = 2;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xa5), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RSI] = B + 0x200;
	want.gpr[REGMAP_RDI] = 0x68;
	want.gpr[REGMAP_RCX] = 0;
	want.gpr[REGMAP_R15] = mem_get(B + 0x210, 8);
	want.gpr[REGMAP_R14] = mem_get(B + 0x208, 8);
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(movs_overlap_in_map)
{
	/* rep movsb from 0x0 to 0x1, 7 bytes: element by element, al spreads over rax */
	cpu.gpr[REGMAP_RSI] = 0;
	cpu.gpr[REGMAP_RDI] = 1;
	cpu.gpr[REGMAP_RCX] = 7;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & 0xff) * 0x0101010101010101ull;
	want.gpr[REGMAP_RSI] = 7;
	want.gpr[REGMAP_RDI] = 8;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(nreads + nwrites, 0);
}
END_TEST

START_TEST(movs_errors)
{
	static const uint8_t movsq[] = { 0x48, 0xa5 };

	/* rep movsq from 0x80, 3 elements: the third is outside: nothing written */
	cpu.gpr[REGMAP_RSI] = 0x80;
	cpu.gpr[REGMAP_RDI] = B + 0x100;
	cpu.gpr[REGMAP_RCX] = 3;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xa5), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_uint_eq(nwrites, 0);
	ck_assert_mem_unchanged();
	/* movsq from 0x8c: partly outside */
	cpu.gpr[REGMAP_RSI] = 0x8c;
	start();
	ck_assert_int_eq(run(movsq, sizeof(movsq), &res), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(res.fault_addr, REGMAP_MAP_SIZE);
	ck_assert_cpu_eq(cpu, init);
	/* both pointers in real memory, or no element at all: not a map access */
	cpu.gpr[REGMAP_RSI] = B;
	start();
	ck_assert_int_eq(RUN(0xa4), REGMAP_EMU_NOT_MAP);
	cpu.gpr[REGMAP_RSI] = 0;
	cpu.gpr[REGMAP_RCX] = 0;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa4), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();
	/* the real side cannot be written, or read */
	cpu.gpr[REGMAP_RSI] = 0x8;
	cpu.gpr[REGMAP_RDI] = 0x3000;
	start();
	ck_assert_int_eq(run(movsq, sizeof(movsq), &res), REGMAP_EMU_MEM_FAULT);
	ck_assert_uint_eq(res.fault_addr, 0x3000);
	ck_assert_cpu_eq(cpu, init);
	cpu.gpr[REGMAP_RSI] = 0x3000;
	cpu.gpr[REGMAP_RDI] = 0x8;
	start();
	ck_assert_int_eq(run(movsq, sizeof(movsq), &res), REGMAP_EMU_MEM_FAULT);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(stos_into_map)
{
	uint64_t x = 0x0123456789abcdefull;

	/* rep stosq: r8..r15 <- rax */
	cpu.gpr[REGMAP_RAX] = x;
	cpu.gpr[REGMAP_RDI] = 0x40;
	cpu.gpr[REGMAP_RCX] = 8;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xab), REGMAP_EMU_OK);
	want = next(3);
	for (unsigned r = REGMAP_R8; r <= REGMAP_R15; r++)
		want.gpr[r] = x;
	want.gpr[REGMAP_RDI] = 0x80;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(nreads + nwrites, 0);

	/* the same with DF=1 from r15 down */
	setup();
	cpu.gpr[REGMAP_RAX] = x;
	cpu.gpr[REGMAP_RDI] = 0x78;
	cpu.gpr[REGMAP_RCX] = 8;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xab), REGMAP_EMU_OK);
	want = next(3);
	for (unsigned r = REGMAP_R8; r <= REGMAP_R15; r++)
		want.gpr[r] = x;
	want.gpr[REGMAP_RDI] = 0x38;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);

	/* rep stosb over rcx's own slot: the map write beats the count's 0 */
	setup();
	cpu.gpr[REGMAP_RDI] = 0x8;
	cpu.gpr[REGMAP_RCX] = 8;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xaa), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RCX] = (init.gpr[REGMAP_RAX] & 0xff) * 0x0101010101010101ull;
	want.gpr[REGMAP_RDI] = 0x10;
	ck_assert_cpu_eq(cpu, want);

	/* stosb, stosw, stosd at 0x9: 1, 2, 4 bytes of rcx */
	setup();
	cpu.gpr[REGMAP_RDI] = 0x9;
	start();
	ck_assert_int_eq(RUN(0xaa), REGMAP_EMU_OK);
	ck_assert_int_eq(RUN(0x66, 0xab), REGMAP_EMU_OK);
	ck_assert_int_eq(RUN(0xab), REGMAP_EMU_OK);
	want = init;
	want.rip += 4;
	map_put(&want, 0x9, &init.gpr[REGMAP_RAX], 1);
	map_put(&want, 0xa, &init.gpr[REGMAP_RAX], 2);
	map_put(&want, 0xc, &init.gpr[REGMAP_RAX], 4);
	want.gpr[REGMAP_RDI] = 0x10;
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(stos_errors)
{
	/* rep stosb from 0x80, 0x11 bytes: runs off the end, nothing changes */
	cpu.gpr[REGMAP_RDI] = 0x80;
	cpu.gpr[REGMAP_RCX] = 0x11;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xaa), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	/* rep stosq with DF=1 from 0x8: 0x8, 0x0, then below the map */
	cpu.gpr[REGMAP_RDI] = 0x8;
	cpu.gpr[REGMAP_RCX] = 3;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xab), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);
	/* stosq to real memory is not ours */
	cpu.gpr[REGMAP_RDI] = B;
	start();
	ck_assert_int_eq(RUN(0x48, 0xab), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
	ck_assert_mem_unchanged();
}
END_TEST

START_TEST(lods_from_map)
{
	/* lodsq from 0x8: rax <- rcx */
	cpu.gpr[REGMAP_RSI] = 0x8;
	start();
	ck_assert_int_eq(RUN(0x48, 0xad), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RAX] = init.gpr[REGMAP_RCX];
	want.gpr[REGMAP_RSI] = 0x10;
	ck_assert_cpu_eq(cpu, want);

	/* lodsb from 0x11 keeps the rest of rax; then lodsd from 0x12 zero-extends */
	setup();
	cpu.gpr[REGMAP_RSI] = 0x11;
	start();
	ck_assert_int_eq(RUN(0xac), REGMAP_EMU_OK);
	ck_assert_uint_eq(cpu.gpr[REGMAP_RAX],
			  (init.gpr[REGMAP_RAX] & ~0xffull) | map_get(&init, 0x11, 1));
	ck_assert_int_eq(RUN(0xad), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RAX] = map_get(&init, 0x12, 4);
	want.gpr[REGMAP_RSI] = 0x16;
	ck_assert_cpu_eq(cpu, want);

	/* rep lodsw, 3 words from 0x10: the last one stays */
	setup();
	cpu.gpr[REGMAP_RSI] = 0x10;
	cpu.gpr[REGMAP_RCX] = 3;
	start();
	ck_assert_int_eq(RUN(0x66, 0xf3, 0xad), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RAX] = (init.gpr[REGMAP_RAX] & ~0xffffull) | map_get(&init, 0x14, 2);
	want.gpr[REGMAP_RSI] = 0x16;
	want.gpr[REGMAP_RCX] = 0;
	ck_assert_cpu_eq(cpu, want);

	/* lods from real memory: not ours */
	setup();
	cpu.gpr[REGMAP_RSI] = B;
	start();
	ck_assert_int_eq(RUN(0xac), REGMAP_EMU_NOT_MAP);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

START_TEST(scas_in_map)
{
	uint64_t x = 0x5555aaaa5555aaaaull;

	/* repne scasb finds 0xee at 0x4b (byte 3 of r9); no other 0xee in the map */
	cpu.gpr[REGMAP_R9] = (init.gpr[REGMAP_R9] & ~0xff000000ull) | 0xee000000ull;
	cpu.gpr[REGMAP_RAX] = 0x11ee;
	cpu.gpr[REGMAP_RDI] = 0x10;
	cpu.gpr[REGMAP_RCX] = 0x80;
	start();
	ck_assert_int_eq(RUN(0xf2, 0xae), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RDI] = 0x4c;
	want.gpr[REGMAP_RCX] = 0x80 - 0x3c;
	want.rflags = cmp_flags(init.rflags, 1, 0xee, 0xee);
	ck_assert_cpu_eq(cpu, want);

	/* not found within rcx = 8: flags of the last compare */
	cpu = init;
	cpu.gpr[REGMAP_RCX] = 8;
	start();
	ck_assert_int_eq(RUN(0xf2, 0xae), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RDI] = 0x18;
	want.gpr[REGMAP_RCX] = 0;
	want.rflags = cmp_flags(init.rflags, 1, 0xee, map_get(&init, 0x17, 1));
	ck_assert_cpu_eq(cpu, want);

	/* not found before the end of the map: PARTIAL */
	cpu = init;
	cpu.gpr[REGMAP_RDI] = 0x50;
	cpu.gpr[REGMAP_RCX] = 0x100;
	start();
	ck_assert_int_eq(RUN(0xf2, 0xae), REGMAP_EMU_PARTIAL);
	ck_assert_cpu_eq(cpu, init);

	/* repe scasq over r8 = r9 = rax, r10 != rax: stops after r10 */
	setup();
	cpu.gpr[REGMAP_RAX] = cpu.gpr[REGMAP_R8] = cpu.gpr[REGMAP_R9] = x;
	cpu.gpr[REGMAP_RDI] = 0x40;
	cpu.gpr[REGMAP_RCX] = 5;
	start();
	ck_assert_int_eq(RUN(0xf3, 0x48, 0xaf), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RDI] = 0x58;
	want.gpr[REGMAP_RCX] = 2;
	want.rflags = cmp_flags(init.rflags, 8, x, init.gpr[REGMAP_R10]);
	ck_assert_cpu_eq(cpu, want);

	/* scasw at 0x13, then scasd at 0x15 */
	setup();
	cpu.gpr[REGMAP_RDI] = 0x13;
	start();
	ck_assert_int_eq(RUN(0x66, 0xaf), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RDI] = 0x15;
	want.rflags = cmp_flags(init.rflags, 2, init.gpr[REGMAP_RAX], map_get(&init, 0x13, 2));
	ck_assert_cpu_eq(cpu, want);
	start();
	ck_assert_int_eq(RUN(0xaf), REGMAP_EMU_OK);
	want = next(1);
	want.gpr[REGMAP_RDI] = 0x19;
	want.rflags = cmp_flags(init.rflags, 4, init.gpr[REGMAP_RAX], map_get(&init, 0x15, 4));
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(repe_cmpsb_stops_early)
{
	/* repe cmpsb, [0x40..] (r8) against a copy in vec_mem differing at index 5 */
	memcpy(vec_mem + 0x300, &init.gpr[REGMAP_R8], 8);
	vec_mem[0x305] ^= 0x80;
	memcpy(mem0, vec_mem, VEC_MEM_SIZE);
	cpu.gpr[REGMAP_RSI] = 0x40;
	cpu.gpr[REGMAP_RDI] = B + 0x300;
	cpu.gpr[REGMAP_RCX] = 8;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa6), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = 0x46;
	want.gpr[REGMAP_RDI] = B + 0x306;
	want.gpr[REGMAP_RCX] = 2;
	want.rflags = cmp_flags(init.rflags, 1, map_get(&init, 0x45, 1), vec_mem[0x305]);
	ck_assert_cpu_eq(cpu, want);
	ck_assert_mem_unchanged();

	/* the map as the destination, and a real source whose run leaves vec_mem */
	setup();
	memcpy(vec_mem + VEC_MEM_SIZE - 4, &init.gpr[REGMAP_R8], 4);
	vec_mem[VEC_MEM_SIZE - 2] ^= 1;
	cpu.gpr[REGMAP_RSI] = B + VEC_MEM_SIZE - 4;
	cpu.gpr[REGMAP_RDI] = 0x40;
	cpu.gpr[REGMAP_RCX] = 16;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa6), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = B + VEC_MEM_SIZE - 1;
	want.gpr[REGMAP_RDI] = 0x43;
	want.gpr[REGMAP_RCX] = 13;
	want.rflags = cmp_flags(init.rflags, 1, vec_mem[VEC_MEM_SIZE - 2], map_get(&init, 0x42, 1));
	ck_assert_cpu_eq(cpu, want);

	/* repne cmpsb with DF=1 from 0x48 (r9) finds the equal byte at index 2 (0x46) */
	setup();
	vec_mem[0x400] = map_get(&init, 0x46, 1);
	vec_mem[0x401] = vec_mem[0x402] = 0;
	ck_assert(map_get(&init, 0x48, 1) != 0 && map_get(&init, 0x47, 1) != 0);
	cpu.gpr[REGMAP_RSI] = 0x48;
	cpu.gpr[REGMAP_RDI] = B + 0x402;
	cpu.gpr[REGMAP_RCX] = 10;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xf2, 0xa6), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = 0x45;
	want.gpr[REGMAP_RDI] = B + 0x3ff;
	want.gpr[REGMAP_RCX] = 7;
	want.rflags = cmp_flags(init.rflags, 1, vec_mem[0x400], vec_mem[0x400]);
	ck_assert_cpu_eq(cpu, want);

	/*
	 * repe cmpsb from 0x8c (rflags' top bytes) with rcx = 6: the last byte
	 * inside the map differs, so the CPU stops there and never reaches
	 * 0x90: done, not PARTIAL (found by the difftest's runs leaving the map)
	 */
	setup();
	memcpy(vec_mem + 0x500, (const uint8_t *)&init + 0x8c, 4);
	vec_mem[0x503] ^= 1;
	cpu.gpr[REGMAP_RSI] = B + 0x500;
	cpu.gpr[REGMAP_RDI] = 0x8c;
	cpu.gpr[REGMAP_RCX] = 6;
	start();
	ck_assert_int_eq(RUN(0xf3, 0xa6), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = B + 0x504;
	want.gpr[REGMAP_RDI] = 0x90;
	want.gpr[REGMAP_RCX] = 2;
	want.rflags = cmp_flags(init.rflags, 1, vec_mem[0x503], map_get(&init, 0x8f, 1));
	ck_assert_cpu_eq(cpu, want);
}
END_TEST

START_TEST(cmps_sizes)
{
	static const uint8_t insns[4][2] = { { 0xa6 }, { 0x66, 0xa7 }, { 0xa7 }, { 0x48, 0xa7 } };
	static const unsigned sizes[4] = { 1, 2, 4, 8 };

	/* cmps{b,w,d,q}: [0x1b] - [B+0x10]; flags and both pointers advance */
	for (unsigned k = 0; k < 4; k++) {
		unsigned size = sizes[k], len = size == 1 || size == 4 ? 1 : 2;

		setup();
		cpu.gpr[REGMAP_RSI] = 0x1b;
		cpu.gpr[REGMAP_RDI] = B + 0x10;
		start();
		ck_assert_int_eq(run(insns[k], len, NULL), REGMAP_EMU_OK);
		want = next(len);
		want.gpr[REGMAP_RSI] = 0x1b + size;
		want.gpr[REGMAP_RDI] = B + 0x10 + size;
		want.rflags = cmp_flags(init.rflags, size, map_get(&init, 0x1b, size),
					mem_get(B + 0x10, size));
		ck_assert_cpu_eq(cpu, want);
	}
}
END_TEST

START_TEST(address_size_and_segment)
{
	/* addr32 rep stosb: edi, ecx; their 32-bit updates zero-extend */
	cpu.gpr[REGMAP_RDI] = 0xffffffff00000040ull;
	cpu.gpr[REGMAP_RCX] = 0xdead000000000004ull;
	start();
	ck_assert_int_eq(RUN(0x67, 0xf3, 0xaa), REGMAP_EMU_OK);
	want = next(3);
	want.gpr[REGMAP_RDI] = 0x44;
	want.gpr[REGMAP_RCX] = 0;
	want.gpr[REGMAP_R8] = (init.gpr[REGMAP_R8] & ~0xffffffffull) |
			      (init.gpr[REGMAP_RAX] & 0xff) * 0x01010101ull;
	ck_assert_cpu_eq(cpu, want);

	/* movsb fs:[rsi] with fs base 0x10: the source is 0x18 (rbx) */
	setup();
	cpu.fs_base = 0x10;
	cpu.gpr[REGMAP_RSI] = 0x8;
	cpu.gpr[REGMAP_RDI] = B + 0x20;
	start();
	ck_assert_int_eq(RUN(0x64, 0xa4), REGMAP_EMU_OK);
	want = next(2);
	want.gpr[REGMAP_RSI] = 0x9;
	want.gpr[REGMAP_RDI] = B + 0x21;
	ck_assert_cpu_eq(cpu, want);
	ck_assert_uint_eq(vec_mem[0x20], init.gpr[REGMAP_RBX] & 0xff);
}
END_TEST

START_TEST(partial_first_element_reads_nothing)
{
	/*
	 * std; cmpsd with rsi = -1 (four bytes wrapping into the map) and
	 * rdi = -4: PARTIAL before any element, and no zero-length read of
	 * the other side (found by fuzz_emu --seed 5 --case 607529).
	 */
	cpu.gpr[REGMAP_RSI] = ~0ull;
	cpu.gpr[REGMAP_RDI] = ~3ull;
	cpu.rflags |= DF;
	start();
	ck_assert_int_eq(RUN(0xa7), REGMAP_EMU_PARTIAL);
	ck_assert_uint_eq(nreads, 0);
	ck_assert_uint_eq(nwrites, 0);
	ck_assert_cpu_eq(cpu, init);
}
END_TEST

static Suite *string_suite(void)
{
	Suite *s = suite_create("emu_string");
	TCase *tc = tcase_create("string");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, movs_map_to_mem);
	tcase_add_test(tc, rep_movsb_whole_map);
	tcase_add_test(tc, rep_single_steps_with_tf);
	tcase_add_test(tc, movs_mem_to_map);
	tcase_add_test(tc, movs_overlap_in_map);
	tcase_add_test(tc, movs_errors);
	tcase_add_test(tc, stos_into_map);
	tcase_add_test(tc, stos_errors);
	tcase_add_test(tc, lods_from_map);
	tcase_add_test(tc, scas_in_map);
	tcase_add_test(tc, repe_cmpsb_stops_early);
	tcase_add_test(tc, cmps_sizes);
	tcase_add_test(tc, address_size_and_segment);
	tcase_add_test(tc, partial_first_element_reads_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return vec_run_suite(string_suite());
}
