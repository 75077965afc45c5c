/*
 * Pre-launch checks of PROGRAM: found, executable, an x86-64 ELF (or a
 * #! script, whose interpreter the kernel runs and regmap-run follows).
 * Catching these before fork() gives one clear line instead of an
 * execve() errno, and a 32-bit program its own message: regmap's map and
 * emulator are for 64-bit code.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_check.h"

/*
 * execvp()'s search: the first executable regular file wins; if there is
 * none but a file that is not executable, report that one (-EACCES).
 */
static int search_path(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH");
	char first[4096] = "";

	if (!dirs)
		dirs = "/usr/local/bin:/bin:/usr/bin";
	for (;;) {
		size_t len = strcspn(dirs, ":");
		struct stat st;

		/* an empty entry means the current directory */
		snprintf(path, size, "%.*s%s%s", (int)len, dirs, len ? "/" : "", name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(path, X_OK) == 0)
				return 0;
			if (!first[0])
				snprintf(first, sizeof(first), "%s", path);
		}
		if (!dirs[len])
			break;
		dirs += len + 1;
	}
	if (!first[0])
		return -ENOENT;
	snprintf(path, size, "%s", first);
	return -EACCES;
}

static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386:		return "i386";
	case EM_X86_64:		return "x86-64";
	case EM_ARM:		return "ARM";
	case EM_AARCH64:	return "AArch64";
	case EM_RISCV:		return "RISC-V";
	case EM_PPC:		return "PowerPC";
	case EM_PPC64:		return "PowerPC64";
	case EM_S390:		return "S/390";
	case EM_MIPS:		return "MIPS";
	default:		return NULL;
	}
}

/* Check the first bytes of the file; 0 if regmap can run it. */
static int check_header(const char *name, const unsigned char *h, size_t n,
			char *msg, size_t msgsize)
{
	unsigned machine, type;
	const char *mname;

	if (n >= 2 && h[0] == '#' && h[1] == '!')
		return 0;
	if (n < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG)) {
		snprintf(msg, msgsize, "%s: not an executable program (neither an ELF file "
			 "nor a #! script)", name);
		return RUN_EXIT_CANNOT_EXEC;
	}
	if (n < sizeof(Elf32_Ehdr) || h[EI_DATA] != ELFDATA2LSB) {
		snprintf(msg, msgsize, "%s: not an x86-64 program (a big-endian or truncated "
			 "ELF file)", name);
		return RUN_EXIT_CANNOT_EXEC;
	}
	/* e_type and e_machine sit at the same place in both ELF classes */
	type = h[16] | h[17] << 8;
	machine = h[18] | h[19] << 8;
	mname = machine_name(machine);
	if (h[EI_CLASS] == ELFCLASS32) {
		if (machine == EM_386)
			snprintf(msg, msgsize, "%s: is a 32-bit i386 program; regmap runs "
				 "64-bit x86-64 programs only (rebuild it without -m32)", name);
		else if (machine == EM_X86_64)
			snprintf(msg, msgsize, "%s: is an x32 (ILP32) program; regmap runs "
				 "64-bit x86-64 programs only (rebuild it without -mx32)", name);
		else
			snprintf(msg, msgsize, "%s: is a 32-bit program for %s%s; regmap runs "
				 "x86-64 programs only", name, mname ? mname : "another CPU",
				 mname ? "" : " (ELF machine number unknown to regmap)");
		return RUN_EXIT_CANNOT_EXEC;
	}
	if (h[EI_CLASS] != ELFCLASS64 || machine != EM_X86_64) {
		if (mname)
			snprintf(msg, msgsize, "%s: is a program for %s; regmap runs x86-64 "
				 "programs only", name, mname);
		else
			snprintf(msg, msgsize, "%s: is an ELF file for another CPU (machine "
				 "%u); regmap runs x86-64 programs only", name, machine);
		return RUN_EXIT_CANNOT_EXEC;
	}
	if (type != ET_EXEC && type != ET_DYN) {
		snprintf(msg, msgsize, "%s: is an x86-64 %s, not an executable program", name,
			 type == ET_REL ? "object file (.o): link it first" :
			 type == ET_CORE ? "core dump" : "ELF file of unknown type");
		return RUN_EXIT_CANNOT_EXEC;
	}
	return 0;
}

int run_check_program(const char *name, char *path, size_t pathsize,
		      char *msg, size_t msgsize)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	struct stat st;
	ssize_t n;
	int fd, ret;

	if (!name[0]) {
		snprintf(msg, msgsize, "empty program name");
		return RUN_EXIT_NOT_FOUND;
	}
	if (!strchr(name, '/')) {
		ret = search_path(name, path, pathsize);
		if (ret == -ENOENT) {
			snprintf(msg, msgsize, "%s: command not found in PATH (give a path, "
				 "e.g. ./%s, for a program in this directory)", name, name);
			return RUN_EXIT_NOT_FOUND;
		}
	} else {
		snprintf(path, pathsize, "%s", name);
	}
	if (stat(path, &st) < 0) {
		snprintf(msg, msgsize, "%s: %s", name, errno == ENOENT ?
			 "no such file" : strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? RUN_EXIT_NOT_FOUND :
							      RUN_EXIT_CANNOT_EXEC;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsize, "%s: is a directory, not a program", name);
		return RUN_EXIT_CANNOT_EXEC;
	}
	if (!S_ISREG(st.st_mode)) {
		/* chmod +x would not help a device, a pipe or a socket */
		snprintf(msg, msgsize, "%s: is %s, not a program file", name,
			 S_ISCHR(st.st_mode) ? "a character device" :
			 S_ISBLK(st.st_mode) ? "a block device" :
			 S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)" :
			 S_ISSOCK(st.st_mode) ? "a socket" : "not a regular file");
		return RUN_EXIT_CANNOT_EXEC;
	}
	if (access(path, X_OK) < 0) {
		snprintf(msg, msgsize, "%s: not executable (permission denied): make it "
			 "executable with chmod +x", name);
		return RUN_EXIT_CANNOT_EXEC;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* executable but unreadable (mode 711): the kernel can still run it */
		return 0;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
	return check_header(name, h, n < 0 ? 0 : (size_t)n, msg, msgsize);
}
