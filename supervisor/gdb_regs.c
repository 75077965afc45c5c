/*
 * Registers for gdb: the g/G/p/P packets and the layout the target
 * description (gdb_xml.c) announces, both from the one table below, so
 * they cannot disagree.
 *
 * Sources: PTRACE_GETREGS (general registers, segments, fs_base, gs_base,
 * orig_rax), PTRACE_GETFPREGS (the FXSAVE area: x87, SSE, MXCSR) and
 * PTRACE_GETREGSET NT_X86_XSTATE (the upper halves of the ymm registers).
 * gdb wants the x87 tag word in its full two-bit-per-register form; FXSAVE
 * keeps one bit per register, so the tags are worked out from the values
 * (and folded back on a write).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "gdb.h"

const char *const gdb_features[] = {
	"org.gnu.gdb.i386.core",
	"org.gnu.gdb.i386.sse",
	"org.gnu.gdb.i386.linux",
	"org.gnu.gdb.i386.segments",
	"org.gnu.gdb.i386.avx",
	NULL
};

#define F_CORE	0
#define F_SSE	1
#define F_LINUX	2
#define F_SEG	3
#define F_AVX	4

#define GPR(n, t)	{ n, 64, t, NULL, F_CORE }
#define SEG(n)		{ n, 32, "int32", NULL, F_CORE }
#define ST(n)		{ n, 80, "i387_ext", NULL, F_CORE }
#define FPC(n)		{ n, 32, "int", "float", F_CORE }
#define XMM(n)		{ n, 128, "vec128", NULL, F_SSE }
#define YMMH(n)		{ n, 128, "uint128", NULL, F_AVX }

const struct gdb_reg gdb_regs[] = {
	GPR("rax", "int64"), GPR("rbx", "int64"), GPR("rcx", "int64"), GPR("rdx", "int64"),
	GPR("rsi", "int64"), GPR("rdi", "int64"), GPR("rbp", "data_ptr"),
	GPR("rsp", "data_ptr"),
	GPR("r8", "int64"), GPR("r9", "int64"), GPR("r10", "int64"), GPR("r11", "int64"),
	GPR("r12", "int64"), GPR("r13", "int64"), GPR("r14", "int64"), GPR("r15", "int64"),
	GPR("rip", "code_ptr"),
	{ "eflags", 32, "i386_eflags", NULL, F_CORE },
	SEG("cs"), SEG("ss"), SEG("ds"), SEG("es"), SEG("fs"), SEG("gs"),
	ST("st0"), ST("st1"), ST("st2"), ST("st3"), ST("st4"), ST("st5"), ST("st6"), ST("st7"),
	FPC("fctrl"), FPC("fstat"), FPC("ftag"), FPC("fiseg"), FPC("fioff"), FPC("foseg"),
	FPC("fooff"), FPC("fop"),
	XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"), XMM("xmm4"), XMM("xmm5"),
	XMM("xmm6"), XMM("xmm7"), XMM("xmm8"), XMM("xmm9"), XMM("xmm10"), XMM("xmm11"),
	XMM("xmm12"), XMM("xmm13"), XMM("xmm14"), XMM("xmm15"),
	{ "mxcsr", 32, "i386_mxcsr", "vector", F_SSE },
	{ "orig_rax", 64, "int", NULL, F_LINUX },
	{ "fs_base", 64, "int", NULL, F_SEG },
	{ "gs_base", 64, "int", NULL, F_SEG },
	YMMH("ymm0h"), YMMH("ymm1h"), YMMH("ymm2h"), YMMH("ymm3h"), YMMH("ymm4h"),
	YMMH("ymm5h"), YMMH("ymm6h"), YMMH("ymm7h"), YMMH("ymm8h"), YMMH("ymm9h"),
	YMMH("ymm10h"), YMMH("ymm11h"), YMMH("ymm12h"), YMMH("ymm13h"), YMMH("ymm14h"),
	YMMH("ymm15h"),
};

#define NREGS		(sizeof(gdb_regs) / sizeof(gdb_regs[0]))
#define R_EFLAGS	17
#define R_CS		18
#define R_ST0		24
#define R_FCTRL		32
#define R_XMM0		40
#define R_MXCSR		56
#define R_ORIG_RAX	57
#define R_FS_BASE	58
#define R_YMM0H		60

/* gdb's order of the first 17, as offsets in struct user_regs_struct */
static const size_t gpr_off[] = {
	offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rbx),
	offsetof(struct user_regs_struct, rcx), offsetof(struct user_regs_struct, rdx),
	offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
	offsetof(struct user_regs_struct, rbp), offsetof(struct user_regs_struct, rsp),
	offsetof(struct user_regs_struct, r8), offsetof(struct user_regs_struct, r9),
	offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
	offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
	offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
	offsetof(struct user_regs_struct, rip),
};

static const size_t seg_off[] = {
	offsetof(struct user_regs_struct, cs), offsetof(struct user_regs_struct, ss),
	offsetof(struct user_regs_struct, ds), offsetof(struct user_regs_struct, es),
	offsetof(struct user_regs_struct, fs), offsetof(struct user_regs_struct, gs),
};

#define XSTATE_BV_OFF	512	/* the XSAVE header's component bitmap */
#define XSTATE_AVX	4ull

unsigned gdb_nregs(const struct sup_gdb *g)
{
	return g->avx ? NREGS : R_YMM0H;
}

int gdb_regs_init(struct sup_gdb *g)
{
	unsigned a, b, c, d;

	/* AVX in XCR0 (CPUID.1:ECX.OSXSAVE and XGETBV), offset of its state */
	g->avx = false;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
		unsigned lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo & 6) == 6 && __get_cpuid_count(0xd, 2, &a, &b, &c, &d) && b) {
			g->avx = true;
			g->avx_off = b;
		}
	}
	return 0;
}

/* Everything ptrace gives about one thread's registers. */
struct regset {
	struct user_regs_struct ur;
	struct user_fpregs_struct fx;
	uint8_t *xs;			/* XSAVE area, or NULL */
	size_t xslen;
	bool have_fx, have_xs;
};

static int fetch(struct sup_session *s, pid_t tid, struct regset *r)
{
	struct iovec iov;

	memset(r, 0, sizeof(*r));
	if (ptrace(PTRACE_GETREGS, tid, NULL, &r->ur) < 0)
		return -errno;
	r->have_fx = ptrace(PTRACE_GETFPREGS, tid, NULL, &r->fx) == 0;
	if (s->gdb->avx && s->xbuf) {
		iov.iov_base = s->xbuf;
		iov.iov_len = s->xsize;
		if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov) == 0 &&
		    iov.iov_len >= s->gdb->avx_off + 256) {
			r->xs = s->xbuf;
			r->xslen = iov.iov_len;
			r->have_xs = true;
		}
	}
	return 0;
}

/* x87 tag of an 80-bit value: 0 valid, 1 zero, 2 special */
static unsigned tag_of(const uint8_t *st)
{
	unsigned exp = (st[9] << 8 | st[8]) & 0x7fff;
	uint64_t mant;

	memcpy(&mant, st, 8);
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant ? 2 : 1;
	return mant >> 63 ? 0 : 2;
}

static uint16_t full_tag(const struct user_fpregs_struct *fx)
{
	unsigned top = (fx->swd >> 11) & 7;
	uint16_t tag = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		unsigned t = 3;	/* empty */

		if (fx->ftw & (1u << phys))
			t = tag_of((const uint8_t *)fx->st_space + 16 * ((phys - top) & 7));
		tag |= t << (2 * phys);
	}
	return tag;
}

static uint16_t abridged_tag(uint16_t full)
{
	uint16_t ftw = 0;

	for (unsigned phys = 0; phys < 8; phys++)
		if (((full >> (2 * phys)) & 3) != 3)
			ftw |= 1u << phys;
	return ftw;
}

/*
 * Where register i lives in r: a pointer to its bytes (for 32-bit
 * values taken from wider fields, the low bytes), or NULL if it is not
 * available.  The tag word is special: tmp holds it.
 */
static uint8_t *locate(struct sup_session *s, struct regset *r, unsigned i, uint8_t *tmp)
{
	uint8_t *fx = (uint8_t *)&r->fx;

	if (i <= 16)
		return (uint8_t *)&r->ur + gpr_off[i];
	if (i == R_EFLAGS)
		return (uint8_t *)&r->ur.eflags;
	if (i < R_ST0)
		return (uint8_t *)&r->ur + seg_off[i - R_CS];
	if (i == R_ORIG_RAX)
		return (uint8_t *)&r->ur.orig_rax;
	if (i == R_FS_BASE)
		return (uint8_t *)&r->ur.fs_base;
	if (i == R_FS_BASE + 1)
		return (uint8_t *)&r->ur.gs_base;
	if (i >= R_YMM0H) {
		if (!r->have_xs)
			return NULL;
		if (!(r->xs[XSTATE_BV_OFF] & XSTATE_AVX)) {
			memset(tmp, 0, 16);	/* in its initial state: zeros */
			return tmp;
		}
		return r->xs + s->gdb->avx_off + 16 * (i - R_YMM0H);
	}
	if (!r->have_fx)
		return NULL;
	if (i < R_FCTRL)
		return fx + 32 + 16 * (i - R_ST0);
	if (i >= R_XMM0 && i < R_MXCSR)
		return fx + 160 + 16 * (i - R_XMM0);
	if (i == R_MXCSR)
		return fx + 24;
	/* fctrl fstat ftag fiseg fioff foseg fooff fop: 32-bit values for gdb */
	memset(tmp, 0, 4);
	switch (i - R_FCTRL) {
	case 0: memcpy(tmp, fx + 0, 2); break;
	case 1: memcpy(tmp, fx + 2, 2); break;
	case 2: {
		uint16_t t = full_tag(&r->fx);

		memcpy(tmp, &t, 2);
		break;
	}
	case 3: memcpy(tmp, fx + 12, 2); break;
	case 4: memcpy(tmp, fx + 8, 4); break;
	case 5: memcpy(tmp, fx + 20, 2); break;
	case 6: memcpy(tmp, fx + 16, 4); break;
	case 7:
		memcpy(tmp, fx + 6, 2);
		tmp[1] &= 7;	/* the opcode is 11 bits */
		break;
	}
	return tmp;
}

int gdb_regs_read(struct sup_session *s, pid_t tid, struct gdb_buf *b, int only)
{
	unsigned n = gdb_nregs(s->gdb);
	struct regset r;
	uint8_t tmp[16];
	int ret = fetch(s, tid, &r);

	if (ret < 0)
		return ret;
	for (unsigned i = only >= 0 ? (unsigned)only : 0; i < n; i++) {
		uint8_t *p = locate(s, &r, i, tmp);
		unsigned bytes = gdb_regs[i].bits / 8;

		if (p) {
			gdb_buf_hex(b, p, bytes);
		} else {
			for (unsigned k = 0; k < bytes; k++)
				gdb_buf_add(b, "xx", 2);
		}
		if (only >= 0)
			break;
	}
	return 0;
}

/* Store new bytes for register i into r (the x87 control words specially). */
static void store(struct sup_session *s, struct regset *r, unsigned i, const uint8_t *v)
{
	uint8_t tmp[16], *p = locate(s, r, i, tmp);
	uint8_t *fx = (uint8_t *)&r->fx;
	unsigned bytes = gdb_regs[i].bits / 8;

	if (!p)
		return;
	if (i >= R_FCTRL && i < R_XMM0) {
		static const unsigned off[] = { 0, 2, 4, 12, 8, 20, 16, 6 };
		static const unsigned len[] = { 2, 2, 2, 2, 4, 2, 4, 2 };
		unsigned k = i - R_FCTRL;

		if (k == 2) {
			uint16_t full;

			memcpy(&full, v, 2);
			r->fx.ftw = abridged_tag(full);
		} else {
			memcpy(fx + off[k], v, len[k]);
		}
		return;
	}
	if (i >= R_YMM0H) {
		r->xs[XSTATE_BV_OFF] |= XSTATE_AVX;
		p = r->xs + s->gdb->avx_off + 16 * (i - R_YMM0H);
	}
	if (i == R_EFLAGS || (i >= R_CS && i < R_ST0)) {
		uint64_t wide = 0;

		memcpy(&wide, v, 4);
		memcpy(p, &wide, 8);
		return;
	}
	memcpy(p, v, bytes);
}

int gdb_regs_write(struct sup_session *s, pid_t tid, const char *hex, int only)
{
	unsigned n = gdb_nregs(s->gdb);
	bool gpr = false, fp = false, avx = false;
	size_t pos = 0, nhex = strlen(hex);
	struct regset r;
	int ret = fetch(s, tid, &r);

	if (ret < 0)
		return ret;
	for (unsigned i = only >= 0 ? (unsigned)only : 0; i < n && pos < nhex; i++) {
		unsigned bytes = gdb_regs[i].bits / 8;
		uint8_t v[16];

		if (pos + 2 * bytes > nhex)
			return -EINVAL;
		/* "xx...": gdb does not know it; leave it alone */
		if (gdb_unhex(hex + pos, 2 * bytes, v, sizeof(v)) == (ssize_t)bytes) {
			store(s, &r, i, v);
			if (i >= R_YMM0H)
				avx = r.have_xs;
			else if ((i >= R_ST0 && i <= R_MXCSR))
				fp = r.have_fx;
			else
				gpr = true;
		}
		pos += 2 * bytes;
		if (only >= 0)
			break;
	}
	if (gpr && ptrace(PTRACE_SETREGS, tid, NULL, &r.ur) < 0)
		return -errno;
	if (fp && ptrace(PTRACE_SETFPREGS, tid, NULL, &r.fx) < 0)
		return -errno;
	if (avx) {
		struct iovec iov = { r.xs, r.xslen };
		uint8_t ymmh[256], bv = r.xs[XSTATE_BV_OFF] & XSTATE_AVX;

		/* the FXSAVE part may just have changed: write on top of it */
		memcpy(ymmh, r.xs + s->gdb->avx_off, sizeof(ymmh));
		if (fp && ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov) < 0)
			return -errno;
		memcpy(r.xs + s->gdb->avx_off, ymmh, sizeof(ymmh));
		r.xs[XSTATE_BV_OFF] |= bv;
		if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, &iov) < 0)
			return -errno;
	}
	return 0;
}
