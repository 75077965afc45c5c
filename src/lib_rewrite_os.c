/*
 * What libregmap's rewriter needs from the kernel (doc/REWRITE.md,
 * section 7): writing its own code through /proc/self/mem, the sync-core
 * membarrier, pages for stubs, and the memory map.  Everything here may
 * run in the fault handler: system calls only, no allocation, no stdio.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib_internal.h"
#include "near.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif


/*
 * The process the file descriptor and the membarrier registration belong
 * to.  After fork() the child inherits a /proc/self/mem opened by its
 * parent, which writes the *parent's* memory: a write from a process
 * whose pid is not os_pid first opens its own.  The old descriptor is
 * closed only if it is still the file we opened (a vfork child shares
 * these variables, not its parent's descriptor table).
 */
static struct {
	pid_t pid;
	int fd;
	dev_t dev;
	ino_t ino;
	int maps;		/* /proc/self/maps for PROCMAP_QUERY, -1 if none */
	bool no_query;		/* the kernel has no PROCMAP_QUERY */
} lib_os = { 0, -1, 0, 0, -1, false };

static int lib_membarrier(int cmd)
{
	return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

static int lib_os_open(void)
{
	pid_t pid = (pid_t)syscall(SYS_getpid);
	struct stat st;
	int fd;

	if (lib_os.pid == pid && lib_os.fd >= 0)
		return 0;
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (lib_os.fd >= 0 && fstat(lib_os.fd, &st) == 0 && st.st_dev == lib_os.dev &&
	    st.st_ino == lib_os.ino)
		close(lib_os.fd);
	/* a new process is a new mm: register it (again) */
	if (lib_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) < 0) {
		int err = -errno;

		close(fd);
		lib_os.fd = -1;
		return err;
	}
	if (fstat(fd, &st) == 0) {
		lib_os.dev = st.st_dev;
		lib_os.ino = st.st_ino;
	}
	lib_os.fd = fd;
	lib_os.pid = pid;
	/*
	 * The maps file of this process (one of another one answers for its
	 * mm); not closed if it came from the parent: it may be one of the
	 * program's files by now, as above.
	 */
	lib_os.maps = lib_os.no_query ? -1 : open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	return 0;
}

int lib_rw_os_code(uint64_t site, unsigned len)
{
	uint64_t at = site;

	if (lib_os_open() < 0 || lib_os.maps < 0)
		return -1;
	while (at < site + len) {
		struct regmap_procmap_query q;

		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_addr = at;
		if (ioctl(lib_os.maps, REGMAP_PROCMAP_QUERY, &q) < 0) {
			if (errno == ENOENT)
				return REGMAP_NEAR_CODE_UNMAPPED;
			/* ENOTTY: an older kernel; read the file from now on */
			lib_os.no_query = errno == ENOTTY || errno == EINVAL;
			return -1;
		}
		if (regmap_near_code_flags(q.vma_flags) != REGMAP_NEAR_CODE_OK)
			return regmap_near_code_flags(q.vma_flags);
		at = q.vma_end;
	}
	return REGMAP_NEAR_CODE_OK;
}

/*
 * A CET shadow stack checks every RET against its CALL: stubs that leave
 * with RET or IRETQ, and in-place call forms, would not match it, so a
 * thread with one rewrites nothing.
 */
bool lib_rw_os_shadow_stack(void)
{
	unsigned long features = 0;

	/* ARCH_SHSTK_STATUS (asm/prctl.h, Linux 6.6); bit 0: ARCH_SHSTK_SHSTK */
	return syscall(SYS_arch_prctl, 0x5005, &features) == 0 && (features & 1);
}

int lib_rw_os_write(uint64_t addr, const void *buf, size_t len)
{
	ssize_t n;

	if (lib_os_open() < 0)
		return -EIO;
	do
		n = pwrite(lib_os.fd, buf, len, (off_t)addr);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -EIO;
}

void lib_rw_os_sync(void)
{
	lib_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
}

int lib_rw_os_setup(void)
{
	static const uint8_t probe = 0xc3;
	int cmds = lib_membarrier(MEMBARRIER_CMD_QUERY);
	uint8_t *page, got;
	int err;

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE))
		return -ENOSYS;
	err = lib_os_open();
	if (err < 0)
		return err == -ENOSYS || err == -EINVAL ? -ENOSYS : err;
	/*
	 * Can we write code the program cannot write?  A kernel may refuse
	 * forced writes through /proc/PID/mem (proc_mem.force_override).
	 */
	page = mmap(NULL, LIB_PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (page == MAP_FAILED)
		return -ENOMEM;
	err = lib_rw_os_write((uintptr_t)page, &probe, 1);
	got = page[0];
	munmap(page, LIB_PAGE_SIZE);
	if (err < 0 || got != probe)
		return -EACCES;
	return 0;
}

uint64_t lib_rw_os_page(uint64_t want)
{
	long p = syscall(SYS_mmap, want, LIB_PAGE_SIZE, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p < 0 && p > -4096)
		return 0;
	/* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
	if ((uint64_t)p != want) {
		syscall(SYS_munmap, p, LIB_PAGE_SIZE);
		return 0;
	}
	return want;
}

/*
 * Feed /proc/self/maps to n, line by line.  buf (size bytes) holds what
 * is read; a line longer than line_max is cut (only its start matters).
 * Returns 0 or -errno.
 */
int lib_rw_os_maps(struct regmap_near *n, char *buf, size_t size, char *line, size_t line_max)
{
	struct regmap_maps_line m;
	size_t len = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got = read(fd, buf, size);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (len < line_max)
					line[len++] = buf[i];
				continue;
			}
			if (regmap_maps_parse(line, len, &m))
				regmap_near_feed(n, &m);
			len = 0;
		}
	}
	close(fd);
	regmap_near_done(n);
	return 0;
}
