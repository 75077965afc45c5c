/*
 * Cases for fuzz_emu (fuzz_emu.h): a quarter fully random bytes, the rest
 * built from the prefixes, opcodes and addressing forms regmap handles,
 * with the base and index registers (or rip) set so the operand lands in
 * or next to the map.  Registers mix random values, small ones, pointers
 * into the fake memory and edge values; rsp mostly points into the fake
 * memory so that push, pop and call get somewhere.
 */
#include <string.h>

#include "fuzz_emu.h"

static uint64_t rs;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

static const uint8_t fz_pfx[] = {
	0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x64, 0x65, 0x2e, 0x3e, 0x26, 0x36,
};

/* one-byte opcodes with a ModRM memory operand (ALU, mov, xchg, groups, pop) */
static const uint8_t fz_op1[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13,
	0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b,
	0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x63, 0x69, 0x6b, 0x80,
	0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8d, 0x8f,
	0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7, 0xfe, 0xff,
};

/* one-byte opcodes without ModRM: strings, moffs, push/pop/jmp for contrast */
static const uint8_t fz_op1n[] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad,
	0xae, 0xaf, 0x50, 0x58, 0xe8, 0xe9, 0xc3, 0x90,
};

/* 0F xx with ModRM: cmovcc, setcc, bt*, shxd, imul, cmpxchg*, movzx/sx, xadd, ... */
static const uint8_t fz_op0f[] = {
	0x40, 0x42, 0x44, 0x45, 0x47, 0x4a, 0x4c, 0x4f, 0x90, 0x93, 0x94, 0x95,
	0x97, 0x9a, 0x9c, 0x9f, 0xa3, 0xa4, 0xa5, 0xab, 0xac, 0xad, 0xaf, 0xb0,
	0xb1, 0xb3, 0xb6, 0xb7, 0xb8, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0,
	0xc1, 0xc3, 0xc7, 0x18, 0x1f, 0x0d, 0x01, 0xae, 0x10, 0x11, 0x28, 0x6f,
	0x7e, 0xd6, 0xe7, 0x2b,
};

/* 0F 38 xx: movbe, crc32, adcx/adox; 0F 3A: a few SSE4 ones */
static const uint8_t fz_op38[] = { 0xf0, 0xf1, 0xf6, 0xf0, 0xf1, 0xf6, 0x00, 0x17, 0x2a };
static const uint8_t fz_op3a[] = { 0x0f, 0x14, 0x15, 0x16, 0x17, 0x20, 0x22, 0x63 };

/* VEX BMI: map 2 (andn blsr/blsmsk/blsi bzhi/pdep/pext mulx bextr/shlx/sarx/shrx), map 3 rorx */
static const uint8_t fz_vex2[] = { 0xf2, 0xf3, 0xf5, 0xf6, 0xf7 };

static uint64_t fz_value(void)
{
	static const uint64_t edge[] = {
		0, 1, ~0ull, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
		0x8000000000000000ull, 0x7fffffffffffffffull, 0x100000000ull,
		0xffffffff00000000ull, 0x0000800000000000ull,
	};

	switch (rnd() % 8) {
	case 0: case 1:
		return rnd();
	case 2: case 3:
		return rnd() % 0xa0;
	case 4:
		return FUZZ_MEM_BASE + rnd() % (FUZZ_MEM_SIZE + 16) - 8;
	case 5:
		return (uint64_t)-(int64_t)(rnd() % 0x40);
	case 6:
		return (rnd() & 0xffffffff00000000ull) | rnd() % 0x90;
	default:
		return PICK(edge);
	}
}

void fuzz_emu_gen_state(struct fuzz_case *c, uint64_t seed)
{
	struct regmap_cpu *cpu = &c->cpu;

	rs = seed;
	for (unsigned i = 0; i < 16; i++)
		cpu->gpr[i] = fz_value();
	/* rcx is a count for REP; rsp a stack in the fake memory */
	if (rnd() % 4)
		cpu->gpr[REGMAP_RCX] = rnd() % 40;
	if (rnd() % 8)
		cpu->gpr[REGMAP_RSP] = FUZZ_MEM_BASE + (rnd() % (FUZZ_MEM_SIZE / 8 + 2)) * 8 -
				       (rnd() % 4 ? 0 : rnd() % 8);
	cpu->rip = rnd() % 4 ? 0x401000 + rnd() % 0x10000 : rnd();
	cpu->rflags = 0x202 | (rnd() & REGMAP_FLAGS_USER & ~(uint64_t)REGMAP_FLAGS_TF);
	if (rnd() % 16 == 0)
		cpu->rflags = rnd();	/* the bits no map write may change must survive too */
	cpu->fs_base = cpu->gs_base = 0;
	if (rnd() % 4 == 0)
		cpu->fs_base = fz_value();
	if (rnd() % 4 == 0)
		cpu->gs_base = fz_value();
	c->fail_after = rnd() % 4 ? -1 : (int)(rnd() % 4);
	c->seed = rnd();
}

/* ModRM (+SIB, +displacement) of a memory operand near the map; returns the bytes used. */
static unsigned fz_modrm(struct fuzz_case *c, uint8_t *b, unsigned at, bool rex_b, bool rex_x)
{
	uint64_t *gpr = c->cpu.gpr;
	unsigned reg = (unsigned)(rnd() & 7) << 3, n = 0, base, index;
	int32_t d = (int32_t)(rnd() % 0xa0) - (rnd() % 8 ? 0 : 0x10);

	b += at;
	switch (rnd() % 6) {
	case 0:		/* [rip + disp32]: move rip so that it lands near the map */
		b[n++] = (uint8_t)(reg | 5);
		c->cpu.rip = 0x1000 + rnd() % 0x10000;
		d -= (int32_t)(c->cpu.rip + at + 5 + rnd() % 6);
		memcpy(b + n, &d, 4);
		return n + 4;
	case 1:		/* [disp32] through a SIB without base and index */
		b[n++] = (uint8_t)(reg | 4);
		b[n++] = 0x25;
		memcpy(b + n, &d, 4);
		return n + 4;
	case 2:		/* [base + disp8] */
	case 3:		/* [base + index * scale + disp8] */
		base = rnd() % 8;
		if (base == 4 || rnd() % 2 == 0) {
			index = rnd() % 8;
			b[n++] = (uint8_t)(0x40 | reg | 4);
			b[n++] = (uint8_t)((rnd() & 0xc0) | index << 3 | base);
			if (index != 4 || rex_x)
				gpr[index + 8 * rex_x] = rnd() % 4 ? rnd() % 0x10 : fz_value();
		} else {
			b[n++] = (uint8_t)(0x40 | reg | base);
		}
		gpr[base + 8 * rex_b] = rnd() % 4 ? rnd() % 0x80 : fz_value();
		b[n++] = (uint8_t)(rnd() % 4 ? rnd() % 0x10 : rnd());
		return n;
	case 4:		/* [base + disp32] */
		base = rnd() % 8;
		b[n++] = (uint8_t)(0x80 | reg | (base == 4 ? 4 : base));
		if (base == 4)
			b[n++] = 0x24;
		gpr[base + 8 * rex_b] = rnd() % 0x90 - d + (rnd() % 2 ? 0 : d);
		memcpy(b + n, &d, 4);
		return n + 4;
	default:	/* a register, or anything */
		b[n++] = (uint8_t)(rnd() % 2 ? 0xc0 | rnd() : rnd());
		return n;
	}
}

void fuzz_emu_gen(struct fuzz_case *c, uint64_t seed)
{
	uint8_t *b = c->bytes;
	unsigned n = 0, np;
	uint8_t rex = 0, vex, map;

	rs = seed;
	fuzz_emu_gen_state(c, rnd());
	rs = seed ^ 0x5bd1e995;
	for (unsigned i = 0; i < REGMAP_EMU_MAX_INSN; i++)
		b[i] = (uint8_t)rnd();
	c->len = REGMAP_EMU_MAX_INSN;
	if (rnd() % 8 == 0)
		c->len = (uint8_t)(1 + rnd() % REGMAP_EMU_MAX_INSN);
	if (rnd() % 4 == 0)
		return;		/* fully random bytes */

	for (np = rnd() % 4 ? rnd() % 2 : rnd() % 5; np--; )
		b[n++] = PICK(fz_pfx);
	switch (rnd() % 16) {
	case 0:	case 1:		/* VEX BMI: C4, RXB.map, W.vvvv.L.pp, opcode */
		vex = (uint8_t)((rnd() & 0xe0) | (rnd() % 4 ? 2 : 3));
		b[n++] = 0xc4;
		b[n++] = vex;
		b[n++] = (uint8_t)rnd();
		b[n++] = (vex & 3) == 3 ? 0xf0 : PICK(fz_vex2);
		n += fz_modrm(c, b, n, !(vex & 0x20), !(vex & 0x40));
		break;
	case 2:			/* no ModRM: strings and moffs */
		if (rnd() % 2)
			b[n++] = (uint8_t)(0x48 | (rnd() & 7));
		b[n++] = PICK(fz_op1n);
		if (b[n - 1] >= 0xa0 && b[n - 1] <= 0xa3) {
			uint64_t moffs = rnd() % 0xa0;

			memcpy(b + n, &moffs, 8);
			n += 8;
		}
		break;
	default:
		if (rnd() % 2)
			rex = b[n++] = (uint8_t)(0x40 | (rnd() & 0xf));
		switch (rnd() % 4) {
		case 0:
			b[n++] = 0x0f;
			b[n++] = PICK(fz_op0f);
			break;
		case 1:
			map = rnd() % 2 ? 0x38 : 0x3a;
			b[n++] = 0x0f;
			b[n++] = map;
			b[n++] = map == 0x38 ? PICK(fz_op38) : PICK(fz_op3a);
			break;
		default:
			b[n++] = PICK(fz_op1);
			break;
		}
		n += fz_modrm(c, b, n, rex & 1, rex & 2);
		break;
	}
	/* the rest (immediates) stays random */
	(void)n;
}
