/*
 * Memory for gdb: m/M/x/X, and the bytes the breakpoints and the
 * watchpoints need.
 *
 * Process memory goes through /proc/TID/mem, which reads and writes
 * through the page protections as a debugger must (code that is not
 * readable, breakpoints in read-only text: the kernel writes a private
 * copy of the page); PTRACE_PEEKDATA/POKEDATA where it is refused.
 *
 * Addresses 0x0-0x8f are the map: the registers of the thread gdb is
 * looking at, in map layout, as the program would see them -- except rip,
 * which is where the thread is (a program reading 0x80 gets the address
 * of the next instruction).  A write there writes the registers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <unistd.h>

#include "gdb.h"

static int open_mem(pid_t tid, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	return open(path, flags | O_CLOEXEC);
}

ssize_t gdb_mem_raw_read(pid_t tid, uint64_t addr, uint8_t *buf, size_t len)
{
	int fd = open_mem(tid, O_RDONLY);
	size_t done = 0;

	if (fd >= 0) {
		while (done < len) {
			ssize_t n = pread(fd, buf + done, len - done, (off_t)(addr + done));

			if (n <= 0)
				break;
			done += n;
		}
		close(fd);
		if (done)
			return done;
	}
	/* refused, or nothing there: the word-wise way */
	done = sup_mem_peek(tid, addr, buf, len);
	return done ? (ssize_t)done : -EFAULT;
}

/* Code and data alike, through the page protections (mem.c) */
int gdb_mem_raw_write(pid_t tid, uint64_t addr, const uint8_t *buf, size_t len)
{
	return sup_mem_write_code(tid, addr, buf, len) < 0 ? -EFAULT : 0;
}

/* The map image of tid: its registers in map layout. */
static int map_image(pid_t tid, struct user_regs_struct *ur, struct regmap_cpu *cpu)
{
	if (ptrace(PTRACE_GETREGS, tid, NULL, ur) < 0)
		return -errno;
	sup_regs_to_cpu(ur, cpu);
	return 0;
}

ssize_t gdb_mem_read(struct sup_session *s, pid_t tid, uint64_t addr, uint8_t *buf,
		     size_t len)
{
	ssize_t n;

	if (addr < REGMAP_MAP_SIZE) {
		struct user_regs_struct ur;
		struct regmap_cpu cpu;
		int ret = map_image(tid, &ur, &cpu);

		if (ret < 0)
			return ret;
		/* the rest of page 0 is not mapped: a short read */
		n = REGMAP_MAP_SIZE - addr < len ? REGMAP_MAP_SIZE - addr : len;
		memcpy(buf, (const uint8_t *)&cpu + addr, n);
		return n;
	}
	n = gdb_mem_raw_read(tid, addr, buf, len);
	if (n > 0)
		gdb_break_hide(s, addr, buf, n);
	return n;
}

int gdb_mem_write(struct sup_session *s, pid_t tid, uint64_t addr, const uint8_t *buf,
		  size_t len)
{
	uint8_t copy[GDB_PACKET_SIZE];

	if (addr < REGMAP_MAP_SIZE) {
		struct user_regs_struct ur;
		struct regmap_cpu cpu;
		int ret;

		if (len > REGMAP_MAP_SIZE - addr)
			return -EFAULT;
		ret = map_image(tid, &ur, &cpu);
		if (ret < 0)
			return ret;
		memcpy((uint8_t *)&cpu + addr, buf, len);
		sup_regs_from_cpu(&ur, &cpu);
		return ptrace(PTRACE_SETREGS, tid, NULL, &ur) < 0 ? -errno : 0;
	}
	if (len > sizeof(copy))
		return -EINVAL;
	memcpy(copy, buf, len);
	gdb_break_shadow(s, addr, copy, len);
	return gdb_mem_raw_write(tid, addr, copy, len);
}
