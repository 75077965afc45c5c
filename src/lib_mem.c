/*
 * Memory access from the fault handler that can never fault: a fault in
 * the handler (SIGSEGV blocked) would make the kernel kill the process.
 * process_vm_readv/writev on our own pid go through the kernel's checked
 * copies, so an unmapped or protected page is an error return, and they
 * need no ptrace permission within one process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib_internal.h"

static int lib_vm_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	(void)ctx;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ?
	       0 : -EFAULT;
}

static int lib_vm_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	(void)ctx;
	/* a read-only page fails here as it would for the CPU */
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ?
	       0 : -EFAULT;
}

const struct regmap_emu_mem lib_mem_ops = {
	.read = lib_vm_read,
	.write = lib_vm_write,
	.ctx = NULL,
};

/*
 * Up to len code bytes at rip; fewer when the instruction is near the end
 * of a mapping.  The kernel never splits one iovec in a partial transfer,
 * so the read is split at the page boundary and returns what the first
 * page had.
 */
size_t lib_read_code(uint64_t rip, uint8_t *buf, size_t len)
{
	size_t first = LIB_PAGE_SIZE - (rip & (LIB_PAGE_SIZE - 1));
	struct iovec local = { buf, len };
	struct iovec remote[2] = {
		{ (void *)(uintptr_t)rip, first < len ? first : len },
		{ (void *)(uintptr_t)(rip + first), first < len ? len - first : 0 },
	};
	ssize_t n;

	/*
	 * The fast way, two system calls fewer per access: the CPU fetched
	 * the instruction from rip's page, so that page is mapped, and it
	 * is readable unless protection keys can make it execute-only.
	 * rip in page 0 is a jump to the map, not a fetched instruction.
	 */
	if (lib_state.code_readable && first >= len && rip >= LIB_PAGE_SIZE) {
		memcpy(buf, (const void *)(uintptr_t)rip, len);
		return len;
	}
	n = process_vm_readv(getpid(), &local, 1, remote, first < len ? 2 : 1, 0);
	if (n > 0)
		return n;
	if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
		/*
		 * Forbidden (seccomp): the CPU just fetched the instruction
		 * from rip's page, so that page at least is readable.
		 */
		memcpy(buf, (const void *)(uintptr_t)rip, remote[0].iov_len);
		return remote[0].iov_len;
	}
	return 0;
}
