/*
 * Access to the traced program's memory: the emulator's callbacks for
 * the operands outside the map (stack, string operands) and the read of
 * the instruction bytes at rip.
 *
 * process_vm_readv/writev move any length in one system call and, like
 * the CPU, fail on memory the program cannot access (a write to a
 * read-only page is a fault, as it would be without regmap).  Where they
 * are not allowed (EPERM from an LSM or seccomp, ENOSYS) we fall back to
 * PTRACE_PEEKDATA/POKEDATA, one word at a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sup_internal.h"

#define WORD	sizeof(long)
#define PAGE	4096ull

static bool vm_unavailable(int err)
{
	return err == EPERM || err == ENOSYS;
}

static int peek_word(pid_t tid, uint64_t addr, long *word)
{
	errno = 0;
	*word = ptrace(PTRACE_PEEKDATA, tid, (void *)addr, NULL);
	if (errno)
		return errno == ESRCH ? -ESRCH : -EFAULT;
	return 0;
}

static int peek_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t base = addr & ~(uint64_t)(WORD - 1);
		size_t skip = addr - base;
		size_t n = WORD - skip < len ? WORD - skip : len;
		long word;
		int ret = peek_word(tid, base, &word);

		if (ret)
			return ret;
		memcpy(out, (uint8_t *)&word + skip, n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}

/* Write len bytes with PTRACE_POKEDATA (read-modify-write of partial words); fail on error. */
static int poke_words(pid_t tid, uint64_t addr, const void *buf, size_t len, int fail)
{
	const uint8_t *in = buf;

	while (len) {
		uint64_t base = addr & ~(uint64_t)(WORD - 1);
		size_t skip = addr - base;
		size_t n = WORD - skip < len ? WORD - skip : len;
		long word = 0;
		int ret = n == WORD ? 0 : peek_word(tid, base, &word);

		if (ret)
			return ret;
		memcpy((uint8_t *)&word + skip, in, n);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)base, (void *)word) < 0)
			return errno == ESRCH ? -ESRCH : fail;
		in += n;
		addr += n;
		len -= n;
	}
	return 0;
}

/*
 * POKEDATA writes with FOLL_FORCE, so it would also write pages the
 * program cannot write; check the mapping first to keep the CPU's rule.
 */
static int poke_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct sup_mapping m;

	for (uint64_t a = addr & ~(PAGE - 1); a < addr + len; a += PAGE)
		if (sup_proc_find_mapping(tid, a, &m) || m.perms[1] != 'w')
			return -EFAULT;
	return poke_words(tid, addr, buf, len, -EFAULT);
}

int sup_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	pid_t tid = *(const pid_t *)ctx;
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && vm_unavailable(errno))
		return peek_read(tid, addr, buf, len);
	if (n < 0 && errno == ESRCH)
		return -ESRCH;
	return -EFAULT;
}

int sup_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	pid_t tid = *(const pid_t *)ctx;
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	n = process_vm_writev(tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && vm_unavailable(errno))
		return poke_write(tid, addr, buf, len);
	if (n < 0 && errno == ESRCH)
		return -ESRCH;
	return -EFAULT;
}

size_t sup_read_code(pid_t tid, uint64_t rip, uint8_t *buf, size_t len)
{
	uint64_t page_end = (rip | (PAGE - 1)) + 1;
	size_t first = page_end - rip < len ? page_end - rip : len;
	struct iovec local = { buf, len };
	/*
	 * One remote element per page: a transfer stops at the first element
	 * that faults, so an instruction at the end of the last code page
	 * still gives its bytes on the readable page.
	 */
	struct iovec remote[2] = {
		{ (void *)rip, first },
		{ (void *)page_end, len - first },
	};
	ssize_t n;

	n = process_vm_readv(tid, &local, 1, remote, first < len ? 2 : 1, 0);
	if (n > 0)
		return n;
	/* execute-only pages and a refused process_vm_readv: PEEKDATA forces the read */
	return sup_mem_peek(tid, rip, buf, len);
}

/* Aligned words never straddle a page: the count stops at the first that fails. */
size_t sup_mem_peek(pid_t tid, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len) {
		uint64_t a = addr + n, base = a & ~(uint64_t)(WORD - 1);
		size_t skip = a - base;
		size_t k = WORD - skip < len - n ? WORD - skip : len - n;
		long word;

		if (peek_word(tid, base, &word))
			break;
		memcpy(buf + n, (uint8_t *)&word + skip, k);
		n += k;
	}
	return n;
}

/*
 * Code: /proc/PID/mem writes what the program itself may not (a
 * read-only text page gets a private copy; the file on disk is never
 * touched).  Where opening it is refused, PTRACE_POKEDATA, which forces
 * the same way, a word at a time.
 */
int sup_mem_write_code(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		do
			n = pwrite(fd, buf, len, (off_t)addr);
		while (n < 0 && errno == EINTR);
		close(fd);
		if (n == (ssize_t)len)
			return 0;
	}
	return poke_words(tid, addr, buf, len, -EPERM);
}
