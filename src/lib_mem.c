/*
 * The handler's access to the program's own memory (the stack of a push,
 * the other pointer of a string instruction, the instruction bytes).
 *
 * Directly, with one `rep movsb` whose faults come back: the handler runs
 * with SIGSEGV and SIGBUS unblocked (SA_NODEFER, and libregmap never
 * lets the program block them for real: lib_sigmask.c), so a fault in the
 * copy enters lib_on_fault() again, which sees the faulting rip is the
 * copy's and resumes at its fixup with the CPU's own fault address and
 * si_code (lib_mem_fixup()).  No system call, so no seccomp policy can
 * stop it; and the details are the CPU's (a read-only stack gives
 * SEGV_ACCERR at the address that failed).
 *
 * If the signals are blocked after all (a program that called
 * rt_sigprocmask itself), a fault in the handler would kill the process:
 * then process_vm_readv/writev, which return an error instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib_internal.h"

/*
 * size_t lib_gcopy(void *dst, const void *src, size_t len, struct lib_mem *m):
 * 0 when all len bytes were copied, else the count left (the fault's
 * details in *m).  The fixup is entered from lib_mem_fixup() with the
 * fault's address in r9 and signal << 16 | si_code in r10; rcx still
 * counts what is left.
 */
size_t lib_gcopy(void *dst, const void *src, size_t len, struct lib_mem *m);
extern const char lib_gcopy_at[], lib_gcopy_fixup[];
__asm__(
	".text\n"
	".globl lib_gcopy\n"
	".hidden lib_gcopy\n"
	".type lib_gcopy, @function\n"
	"lib_gcopy:\n"
	"	mov %rcx, %r8\n"
	"	mov %rdx, %rcx\n"
	".globl lib_gcopy_at\n"
	".hidden lib_gcopy_at\n"
	"lib_gcopy_at:\n"
	"	rep movsb\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".globl lib_gcopy_fixup\n"
	".hidden lib_gcopy_fixup\n"
	"lib_gcopy_fixup:\n"
	"	mov %r9, (%r8)\n"
	"	mov %r10, 8(%r8)\n"
	"	mov %rcx, %rax\n"
	"	ret\n"
	".size lib_gcopy, . - lib_gcopy\n");

_Static_assert(offsetof(struct lib_mem, fault_addr) == 0 &&
	       offsetof(struct lib_mem, fault_what) == 8, "lib_gcopy's fixup stores there");

bool lib_mem_fixup(int sig, const siginfo_t *si, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;

	if ((uintptr_t)g[REG_RIP] != (uintptr_t)lib_gcopy_at)
		return false;
	g[REG_R9] = (greg_t)(uintptr_t)si->si_addr;
	g[REG_R10] = (greg_t)sig << 16 | (uint16_t)si->si_code;
	g[REG_RIP] = (greg_t)(uintptr_t)lib_gcopy_fixup;
	return true;
}

void lib_mem_init(struct lib_mem *m, const ucontext_t *uc)
{
	m->fault_addr = 0;
	m->fault_what = 0;
	m->guarded = !sigismember(&uc->uc_sigmask, SIGSEGV) &&
		     !sigismember(&uc->uc_sigmask, SIGBUS);
}

int lib_mem_fault(const struct lib_mem *m, int *sig, int *code, uint64_t *addr)
{
	if (!m->fault_what)
		return -1;
	*sig = (int)(m->fault_what >> 16);
	*code = (int16_t)(m->fault_what & 0xffff);
	*addr = m->fault_addr;
	return 0;
}

/* Unguarded: the kernel's checked copies (they fail with EFAULT instead of faulting). */
static int lib_vm_copy(void *dst, const void *src, size_t len, bool to_program)
{
	struct iovec local = { to_program ? (void *)src : dst, len };
	struct iovec remote = { to_program ? dst : (void *)src, len };
	ssize_t n = to_program ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0) :
				 process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	return n == (ssize_t)len ? 0 : -EFAULT;
}

static int lib_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct lib_mem *m = ctx;

	if (m->guarded)
		return lib_gcopy(buf, (const void *)(uintptr_t)addr, len, m) ? -EFAULT : 0;
	return lib_vm_copy(buf, (const void *)(uintptr_t)addr, len, false);
}

static int lib_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct lib_mem *m = ctx;

	/* a read-only page fails here as it would for the CPU */
	if (m->guarded)
		return lib_gcopy((void *)(uintptr_t)addr, buf, len, m) ? -EFAULT : 0;
	return lib_vm_copy((void *)(uintptr_t)addr, buf, len, true);
}

void lib_mem_ops(struct regmap_emu_mem *ops, struct lib_mem *m)
{
	ops->read = lib_mem_read;
	ops->write = lib_mem_write;
	ops->ctx = m;
}

/*
 * Up to len code bytes at rip; fewer when the instruction is near the end
 * of a mapping.  rip in page 0 is a jump into the map, not a fetched
 * instruction.
 */
size_t lib_read_code(struct lib_mem *m, uint64_t rip, uint8_t *buf, size_t len)
{
	size_t first = LIB_PAGE_SIZE - (rip & (LIB_PAGE_SIZE - 1));
	struct iovec local = { buf, len };
	struct iovec remote[2] = {
		{ (void *)(uintptr_t)rip, first < len ? first : len },
		{ (void *)(uintptr_t)(rip + first), first < len ? len - first : 0 },
	};
	ssize_t n;

	if (rip < LIB_PAGE_SIZE)
		return 0;
	/*
	 * The CPU fetched the instruction from rip's page, so that page is
	 * mapped, and readable unless protection keys can make it
	 * execute-only.
	 */
	if (lib_state.code_readable && first >= len) {
		memcpy(buf, (const void *)(uintptr_t)rip, len);
		return len;
	}
	if (m->guarded) {
		size_t got = len - lib_gcopy(buf, (const void *)(uintptr_t)rip, len, m);

		if (got)
			return got;
	}
	/* execute-only, or unguarded: one iovec per page, a transfer stops at the first that fails */
	n = process_vm_readv(getpid(), &local, 1, remote, first < len ? 2 : 1, 0);
	return n > 0 ? (size_t)n : 0;
}

/* SEGV_MAPERR or SEGV_ACCERR for addr, without having faulted on it. */
int lib_mem_segv_code(uint64_t addr)
{
	unsigned char vec;

	/* mincore() fails with ENOMEM for an unmapped page */
	return mincore((void *)(uintptr_t)(addr & ~(LIB_PAGE_SIZE - 1)), LIB_PAGE_SIZE, &vec) < 0 &&
	       errno == ENOMEM ? SEGV_MAPERR : SEGV_ACCERR;
}
