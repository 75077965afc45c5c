/*
 * difftest --rewrite: the native runner.  Planted code runs in a mapping
 * of its own, far from every other mapping (so that a jump through the
 * map to a random address cannot land in real code):
 *
 *   page 0  code: int3 everywhere but the site (at 0x800), the jump to
 *           the exit at the next instruction, and the landing pad
 *   page 1  the stub slot
 *   page 2  the map image the original's redirected operand addresses
 *   page 3  guard: unmapped (PROT_NONE), so stub frames can fault
 *   4..     the test stack
 *
 * A run ends at the exit, at the landing pad, or with a signal whose
 * ucontext holds the state: a fault, an int3 or fetch fault where a
 * jump through the map went, or (single-stepping) the first instruction
 * outside the planted code.  Single-stepping, the handler overwrites the
 * stack below rsp at every instruction boundary inside the planted code,
 * as a signal handler running there could (all of it below rsp, not only
 * below the 128 bytes the kernel leaves: planted code keeps nothing below
 * rsp), except the program's own red zone.
 */
#define _GNU_SOURCE	/* REG_RIP */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "difftest_rewrite.h"

#define DT_RW_PAGE	4096
#define DT_RW_SIZE	(4 * DT_RW_PAGE + DT_RW_STACK)
#define DT_RW_ADDR	0x3e3e00000000ull	/* nothing else within +-4 GiB */
#define DT_RW_SITE_AT	0x800
#define DT_RW_LAND_AT	0xf00

void dt_rw_enter(void);

struct dt_rw_ctx dt_rw_ctx;

static uint8_t *dt_rw_map;
static bool dt_rw_wx;			/* code pages must be flipped RW <-> RX */
static uint64_t dt_rw_next;		/* the instruction after the site */
static sigjmp_buf dt_rw_jb;
static volatile sig_atomic_t dt_rw_active, dt_rw_stepping, dt_rw_entered;
static volatile unsigned dt_rw_steps;
static volatile uint64_t dt_rw_prev;	/* the instruction single-stepped last */
static uint64_t dt_rw_lo, dt_rw_hi, dt_rw_stop, dt_rw_rsp0;
static volatile uint64_t dt_rw_clobber_pat;

/* What a signal handler at this boundary could do to the stack below rsp. */
static void dt_rw_clobber(uint64_t rsp)
{
	uint64_t base = (uint64_t)(uintptr_t)dt_rw_stack();
	uint64_t hi = rsp < dt_rw_rsp0 - REGMAP_RW_RED_ZONE ? rsp : dt_rw_rsp0 - REGMAP_RW_RED_ZONE;
	uint64_t lo = hi > base + 1024 ? hi - 1024 : base;

	if (hi > base + DT_RW_STACK || hi < base)
		return;
	dt_rw_clobber_pat = dt_rw_clobber_pat * 6364136223846793005ull + 1442695040888963407ull;
	for (uint64_t a = lo; a < hi; a++)
		*(volatile uint8_t *)(uintptr_t)a = (uint8_t)(dt_rw_clobber_pat >> (8 * (a & 7)));
}
static struct dt_rw_out *dt_rw_cur;
static const int dt_rw_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };
static struct sigaction dt_rw_old[sizeof(dt_rw_sigs) / sizeof(dt_rw_sigs[0])];

uint64_t dt_rw_site(void) { return (uint64_t)(uintptr_t)dt_rw_map + DT_RW_SITE_AT; }
uint64_t dt_rw_stub(void) { return (uint64_t)(uintptr_t)dt_rw_map + DT_RW_PAGE; }
uint64_t dt_rw_buffer(void) { return (uint64_t)(uintptr_t)dt_rw_map + 2 * DT_RW_PAGE; }
uint64_t dt_rw_landing(void) { return (uint64_t)(uintptr_t)dt_rw_map + DT_RW_LAND_AT; }
uint8_t *dt_rw_stack(void) { return dt_rw_map + 4 * DT_RW_PAGE; }

bool dt_rw_in_code(uint64_t addr)
{
	return addr - (uint64_t)(uintptr_t)dt_rw_map < 2 * DT_RW_PAGE;
}

static void dt_rw_chain(int sig, siginfo_t *si, void *uc)
{
	for (unsigned i = 0; i < sizeof(dt_rw_sigs) / sizeof(dt_rw_sigs[0]); i++) {
		const struct sigaction *o = &dt_rw_old[i];

		if (dt_rw_sigs[i] != sig)
			continue;
		if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction)
			o->sa_sigaction(sig, si, uc);
		else if (o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN)
			o->sa_handler(sig);
		else
			signal(sig, SIG_DFL);	/* a bug in difftest: the default action reports it */
		return;
	}
}

/* Can the instruction at rip transfer control (ret, iretq, jmp, call)? */
static bool dt_rw_transfer(uint64_t rip)
{
	const uint8_t *b = (const uint8_t *)(uintptr_t)rip;

	if (!dt_rw_in_code(rip))
		return false;
	return b[0] == 0xc2 || b[0] == 0xc3 || b[0] == 0xe8 || b[0] == 0xe9 ||
	       (b[0] == 0x48 && b[1] == 0xcf) ||
	       (b[0] == 0xff && ((b[1] >> 3 & 7) == 2 || (b[1] >> 3 & 7) == 4)) ||
	       ((b[0] & 0xf0) == 0x40 && b[1] == 0xff && ((b[2] >> 3 & 7) == 2 || (b[2] >> 3 & 7) == 4));
}

static void dt_rw_on_signal(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	const greg_t *gr = uc->uc_mcontext.gregs;
	static const int order[16] = {
		REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	};
	struct dt_rw_out *out = dt_rw_cur;
	uint64_t rip = (uint64_t)gr[REG_RIP];

	/* planted code may have set AC: no C code may fault on misalignment here */
	__asm__ volatile("pushfq; andq $-0x40001, (%%rsp); popfq" ::: "cc", "memory");
	if (!dt_rw_active) {
		dt_rw_chain(sig, si, uc_);
		return;
	}
	if (sig == SIGTRAP && dt_rw_stepping && si->si_code != SI_KERNEL) {
		bool inside = rip >= dt_rw_lo && rip < dt_rw_hi;
		/* a jump back into the planted code's own range arrives too */
		bool arrived = dt_rw_entered && rip == dt_rw_stop && dt_rw_transfer(dt_rw_prev);

		if (!arrived && (inside || !dt_rw_entered)) {
			dt_rw_entered |= inside;
			dt_rw_steps += inside;
			dt_rw_prev = rip;
			if (inside && dt_rw_stepping == DT_RW_STEP_CLOBBER)
				dt_rw_clobber((uint64_t)gr[REG_RSP]);
			return;
		}
	}
	dt_rw_active = 0;
	out->how = DT_RW_SIGNAL;
	out->signo = sig;
	out->si_code = si->si_code;
	out->fault_addr = (uint64_t)(uintptr_t)si->si_addr;
	for (unsigned i = 0; i < 16; i++)
		out->cpu.gpr[i] = (uint64_t)gr[order[i]];
	out->cpu.rip = rip;
	out->cpu.rflags = (uint64_t)gr[REG_EFL];
	siglongjmp(dt_rw_jb, 1);
}

/* Our handlers, on the alternate stack (saving the ones before them). */
static int dt_rw_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dt_rw_on_signal;
	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < sizeof(dt_rw_sigs) / sizeof(dt_rw_sigs[0]); i++) {
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
		if (sigaction(dt_rw_sigs[i], &sa, &dt_rw_old[i]))
			return -errno;
	}
	return 0;
}

int dt_rw_run_init(void)
{
	int prot = PROT_READ | PROT_WRITE | PROT_EXEC;

	dt_rw_map = mmap((void *)(uintptr_t)DT_RW_ADDR, DT_RW_SIZE, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (dt_rw_map == MAP_FAILED) {
		/* W^X: the code pages are written RW and run RX */
		dt_rw_wx = true;
		dt_rw_map = mmap((void *)(uintptr_t)DT_RW_ADDR, DT_RW_SIZE,
				 PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (dt_rw_map == MAP_FAILED)
			return -errno;
	}
	if (dt_rw_map != (void *)(uintptr_t)DT_RW_ADDR)
		return -EEXIST;
	if (mprotect(dt_rw_map + 2 * DT_RW_PAGE, DT_RW_SIZE - 2 * DT_RW_PAGE,
		     PROT_READ | PROT_WRITE) ||
	    mprotect(dt_rw_map + 3 * DT_RW_PAGE, DT_RW_PAGE, PROT_NONE))
		return -errno;
	return dt_rw_handlers();
}

/*
 * jmp [rip + x] with the address to go to in an aligned slot at lit: with
 * AC set (the code may set it through the map) a misaligned load would
 * fault.
 */
static void dt_rw_jmp_abs(uint8_t *at, uint8_t *lit, const void *to)
{
	uint64_t a = (uint64_t)(uintptr_t)to;
	int32_t rel = (int32_t)(lit - (at + 6));

	memcpy(at, "\xff\x25", 2);
	memcpy(at + 2, &rel, 4);
	memcpy(lit, &a, 8);
}

static void dt_rw_code_prot(int prot)
{
	if (dt_rw_wx && mprotect(dt_rw_map, 2 * DT_RW_PAGE, prot))
		abort();
}

void dt_rw_place(const uint8_t *bytes, unsigned len, const uint8_t *slot, bool exit)
{
	uint8_t *site = dt_rw_map + DT_RW_SITE_AT;

	dt_rw_code_prot(PROT_READ | PROT_WRITE);
	memset(dt_rw_map, 0xcc, 2 * DT_RW_PAGE);
	memcpy(site, bytes, len);
	if (exit)
		dt_rw_jmp_abs(site + len, dt_rw_map + DT_RW_PAGE - 8, dt_rw_exit);
	dt_rw_jmp_abs(dt_rw_map + DT_RW_LAND_AT, dt_rw_map + DT_RW_PAGE - 16, dt_rw_landed);
	if (slot)
		memcpy(dt_rw_map + DT_RW_PAGE, slot, REGMAP_RW_STUB_MAX);
	dt_rw_code_prot(PROT_READ | PROT_EXEC);
	dt_rw_next = dt_rw_site() + len;
}

void dt_rw_set_buffer(const uint8_t img[REGMAP_MAP_SIZE])
{
	memcpy(dt_rw_map + 2 * DT_RW_PAGE, img, REGMAP_MAP_SIZE);
}

void dt_rw_get_buffer(uint8_t img[REGMAP_MAP_SIZE])
{
	memcpy(img, dt_rw_map + 2 * DT_RW_PAGE, REGMAP_MAP_SIZE);
}

void dt_rw_run(const struct regmap_cpu *in, int step, uint64_t lo, uint64_t hi,
	       uint64_t stop, struct dt_rw_out *out)
{

	memset(out, 0, sizeof(*out));
	memcpy(dt_rw_ctx.in, in->gpr, sizeof(in->gpr));
	dt_rw_ctx.inflags = in->rflags | (step ? REGMAP_FLAGS_TF : 0);
	dt_rw_ctx.target = in->rip;
	dt_rw_ctx.how = 0;
	dt_rw_cur = out;
	dt_rw_lo = lo;
	dt_rw_hi = hi;
	dt_rw_stop = stop;
	dt_rw_prev = 0;
	dt_rw_rsp0 = in->gpr[REGMAP_RSP];
	dt_rw_clobber_pat = in->gpr[REGMAP_RAX] ^ in->rip;
	dt_rw_entered = 0;
	dt_rw_steps = 0;
	dt_rw_stepping = step;
	if (sigsetjmp(dt_rw_jb, 0) == 0) {
		dt_rw_active = 1;
		dt_rw_enter();
		dt_rw_active = 0;
		out->how = (int)dt_rw_ctx.how;
		memcpy(out->cpu.gpr, dt_rw_ctx.out, sizeof(out->cpu.gpr));
		out->cpu.rflags = dt_rw_ctx.outflags;
		out->cpu.rip = out->how == DT_RW_LANDED ? dt_rw_landing() : dt_rw_next;
	}
	out->steps = dt_rw_steps;
}
