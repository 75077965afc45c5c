/*
 * Setting up the vector path once (regmap_emu_xinit): what the CPU and
 * the OS support (CPUID, XGETBV), where each XSAVE component lives, and
 * the pool of executable stub slots; plus the helpers that describe a
 * ptrace or signal-frame XSAVE area.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vx.h"

struct emu_vx_cpu emu_vx_cpu;

static uint64_t emu_xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

#define BIT(reg, n, f)	((reg) & (1u << (n)) ? EMU_VF(f) : 0)

static uint64_t emu_vx_features(uint64_t xcr0)
{
	unsigned a, b, c, d;
	uint64_t f = 0, avx = 0, a512 = 0;

	__cpuid(1, a, b, c, d);
	f |= BIT(d, 0, X87) | BIT(d, 23, MMX) | BIT(d, 25, SSE) | BIT(d, 26, SSE2);
	f |= BIT(c, 0, SSE3) | BIT(c, 1, PCLMUL) | BIT(c, 9, SSSE3) | BIT(c, 19, SSE41) |
	     BIT(c, 20, SSE42) | BIT(c, 25, AES);
	avx |= BIT(c, 12, FMA) | BIT(c, 28, AVX) | BIT(c, 29, F16C);
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		f |= BIT(b, 29, SHA) | BIT(c, 8, GFNI);
		avx |= BIT(b, 5, AVX2) | BIT(c, 9, VAES) | BIT(c, 10, VPCLMUL);
		a512 |= BIT(b, 16, F) | BIT(b, 17, DQ) | BIT(b, 21, IFMA) | BIT(b, 28, CD) |
			BIT(b, 30, BW) | BIT(b, 31, VL) | BIT(c, 1, VBMI) | BIT(c, 6, VBMI2) |
			BIT(c, 11, VNNI) | BIT(c, 12, BITALG) | BIT(c, 14, VPOPCNTDQ) |
			BIT(d, 8, VP2I) | BIT(d, 23, FP16);
		if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) {
			avx |= BIT(a, 4, AVXVNNI);
			a512 |= BIT(a, 5, BF16);
		}
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		f |= BIT(c, 6, SSE4A);
	/* the OS must save the state: XCR0 */
	if ((xcr0 & (EMU_XC_SSE | EMU_XC_AVX)) == (EMU_XC_SSE | EMU_XC_AVX))
		f |= avx;
	if ((xcr0 & EMU_XC_ALL) == EMU_XC_ALL && (f & EMU_VF(AVX)))
		f |= a512;
	return f;
}

static uint32_t emu_vx_mxcsr_mask(void)
{
	uint8_t fx[512] __attribute__((aligned(64)));
	uint32_t m;

	memset(fx, 0, sizeof(fx));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	memcpy(&m, fx + 28, sizeof(m));
	return m ? m : 0xffbf;
}

/* The pool (see vx.h): RWX if the system allows it, else a page per slot. */
static int emu_vx_pool(bool force_wx)
{
	uint8_t *p = MAP_FAILED;

	if (!force_wx)
		p = mmap(NULL, EMU_VX_PAGE + EMU_VX_DATASZ, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		emu_vx_cpu.stride = EMU_VX_CODE;
		emu_vx_cpu.data_off = EMU_VX_PAGE;
	} else {
		size_t code = (size_t)EMU_VX_SLOTS * EMU_VX_PAGE;

		p = mmap(NULL, code + EMU_VX_DATASZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		if (mprotect(p, code, PROT_READ | PROT_EXEC)) {
			int err = -errno;

			munmap(p, code + EMU_VX_DATASZ);
			return err;
		}
		emu_vx_cpu.stride = EMU_VX_PAGE;
		emu_vx_cpu.data_off = (uint32_t)code;
		emu_vx_cpu.wx = true;
	}
	emu_vx_cpu.pool = p;
	return 0;
}

int regmap_emu_xinit(void)
{
	return emu_vx_xinit(false);
}

int emu_vx_xinit(bool force_wx)
{
	unsigned a, b, c, d;
	int err;

	if (emu_vx_cpu.ready)
		return 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 26)) || !(c & (1u << 27)) ||
	    !(d & (1u << 24)))
		return -ENOTSUP;	/* no XSAVE, not enabled by the OS, or no FXSR */
	emu_vx_cpu.xcr0 = emu_xgetbv0();
	emu_vx_cpu.feat = emu_vx_features(emu_vx_cpu.xcr0);
	emu_vx_cpu.mxcsr_mask = emu_vx_mxcsr_mask();
	emu_vx_cpu.comp_end[0] = emu_vx_cpu.comp_end[1] = EMU_XS_MIN;
	for (unsigned i = 2; i < 8; i++)
		if (emu_vx_cpu.xcr0 & (1u << i)) {
			__cpuid_count(0xd, i, a, b, c, d);
			emu_vx_cpu.comp_off[i] = b;
			emu_vx_cpu.comp_end[i] = a + b;
		}
	err = emu_vx_pool(force_wx);
	if (err)
		return err;
	__atomic_store_n(&emu_vx_cpu.ready, true, __ATOMIC_RELEASE);
	return 0;
}

int regmap_emu_xstate_ptrace(struct regmap_xstate *xs, void *buf, size_t len)
{
	if (len < EMU_XS_MIN)
		return -EINVAL;
	xs->area = buf;
	xs->size = len;
	memcpy(&xs->xcr0, (uint8_t *)buf + EMU_XS_SW, sizeof(xs->xcr0));
	return 0;
}

int regmap_emu_xstate_sigframe(struct regmap_xstate *xs, void *fpstate)
{
	const uint8_t *sw = (const uint8_t *)fpstate + EMU_XS_SW;
	uint32_t magic, size;

	/* struct _fpx_sw_bytes: magic1, extended_size, xfeatures, xstate_size */
	memcpy(&magic, sw, 4);
	memcpy(&xs->xcr0, sw + 8, 8);
	memcpy(&size, sw + 16, 4);
	if (magic != 0x46505853u || size < EMU_XS_MIN)
		return -EINVAL;
	xs->area = fpstate;
	xs->size = size;
	return 0;
}
