/*
 * regmap-run --in-process: check the program, find libregmap.so and exec
 * the program with it preloaded (see in_process.h).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "in_process.h"

#include "install_paths.h"	/* REGMAP_LIBDIR, REGMAP_PRELOAD_NAME (generated) */

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static int is_exec_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) < 0 ? -errno : 0;
}

/* execvp's search: a name with a slash is a path, others are looked up in PATH. */
static int find_program(const char *name, char *path, size_t size)
{
	const char *dirs = getenv("PATH"), *p, *end;
	int r, best = -ENOENT;

	if (strchr(name, '/')) {
		if ((size_t)snprintf(path, size, "%s", name) >= size)
			return -ENAMETOOLONG;
		return is_exec_file(path);
	}
	if (!dirs)
		dirs = "/usr/local/bin:/bin:/usr/bin";
	for (p = dirs; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory */
		if ((size_t)snprintf(path, size, "%.*s%s%s", (int)(end - p), p,
				     end == p ? "" : "/", name) < size) {
			r = is_exec_file(path);
			if (!r)
				return 0;
			if (r == -EACCES)
				best = r;
		}
		if (!*end)
			return best;
	}
}

/* 0 if path is a dynamically linked x86-64 ELF program or a #! script. */
static int check_program(const char *path, const char *name, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	ssize_t n;
	int fd, i, dynamic = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot read %s: %s", name, strerror(errno));
	n = pread(fd, &eh, sizeof(eh), 0);
	if (n >= 2 && memcmp(&eh, "#!", 2) == 0) {
		/* the interpreter is what runs, and it gets the preload */
		close(fd);
		return 0;
	}
	if (n < (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		close(fd);
		return fail(err, errlen, -ENOEXEC, "%s is not an ELF program", name);
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		close(fd);
		return fail(err, errlen, -ENOEXEC,
			    "%s is not an x86-64 program: regmap needs an x86-64 one", name);
	}
	for (i = 0; i < eh.e_phnum && eh.e_phentsize >= sizeof(ph); i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * eh.e_phentsize) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP)
			dynamic = 1;
	}
	close(fd);
	if (!dynamic)
		return fail(err, errlen, -ENOEXEC,
			    "%s is statically linked: --in-process needs a dynamically "
			    "linked program; run it without --in-process", name);
	return 0;
}

/*
 * The library to preload: REGMAP_LIBRARY if set; else the build tree's,
 * next to an uninstalled regmap-run (src/.libs/, or beside a libtool
 * wrapper's real binary in .libs/); else the installed one, found from
 * where regmap-run itself is (BINDIR/../lib, so an installed tree that
 * was moved, or installed with DESTDIR, finds its own library), and last
 * in the libdir configure was given.
 */
static int find_library(const char *self_exe, char *lib, size_t size,
			char *err, size_t errlen)
{
	const char *env = getenv("REGMAP_LIBRARY");
	char self[PATH_MAX], *slash;
	static const char *const subdirs[] = { "/.libs/", "/", "/../lib/" };
	ssize_t n;
	size_t i;

	if (env && *env) {
		if (access(env, R_OK) < 0)
			return fail(err, errlen, -ELIBACC, "REGMAP_LIBRARY=%s: %s",
				    env, strerror(errno));
		snprintf(lib, size, "%s", env);
		return 0;
	}
	if (!self_exe) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
	} else {
		snprintf(self, sizeof(self), "%s", self_exe);
	}
	slash = strrchr(self, '/');
	if (slash) {
		*slash = '\0';
		for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
			if ((size_t)snprintf(lib, size, "%s%s%s", self, subdirs[i],
					     REGMAP_PRELOAD_NAME) < size &&
			    access(lib, R_OK) == 0)
				return 0;
		}
	}
	snprintf(lib, size, "%s/%s", REGMAP_LIBDIR, REGMAP_PRELOAD_NAME);
	if (access(lib, R_OK) == 0)
		return 0;
	return fail(err, errlen, -ELIBACC,
		    "cannot find %s for --in-process (looked next to %s, in %s/../lib "
		    "and in %s): install regmap, or set REGMAP_LIBRARY", REGMAP_PRELOAD_NAME,
		    self[0] ? self : "regmap-run", self[0] ? self : "regmap-run", REGMAP_LIBDIR);
}

/* Append lib to LD_PRELOAD, after what is there (sanitizer runtimes must stay first). */
static int add_preload(const char *lib, char *err, size_t errlen)
{
	const char *cur = getenv("LD_PRELOAD");
	char *val;
	int r;

	/* the dynamic loader splits LD_PRELOAD at spaces and colons */
	if (strpbrk(lib, " :"))
		return fail(err, errlen, -ELIBACC,
			    "cannot preload %s: its path contains a space or a colon", lib);
	if (cur && *cur && strstr(cur, lib))
		return 0;
	if (cur && *cur)
		r = asprintf(&val, "%s:%s", cur, lib);
	else
		r = asprintf(&val, "%s", lib);
	if (r < 0)
		return fail(err, errlen, -ENOMEM, "out of memory");
	r = setenv("LD_PRELOAD", val, 1);
	free(val);
	return r < 0 ? fail(err, errlen, -errno, "cannot set LD_PRELOAD: %s", strerror(errno)) : 0;
}

int regmap_run_in_process(char *const argv[], const char *self_exe,
			  char *err, size_t errlen)
{
	char path[PATH_MAX], lib[PATH_MAX];
	int r;

	if (!argv || !argv[0])
		return fail(err, errlen, -EINVAL, "no program to run");
	r = find_program(argv[0], path, sizeof(path));
	if (r == -ENOENT || r == -ENOTDIR)
		return fail(err, errlen, -ENOENT, "%s: program not found", argv[0]);
	if (r < 0)
		return fail(err, errlen, r, "%s: cannot run it: %s", argv[0], strerror(-r));
	r = check_program(path, argv[0], err, errlen);
	if (r < 0)
		return r;
	r = find_library(self_exe, lib, sizeof(lib), err, errlen);
	if (r < 0)
		return r;
	r = add_preload(lib, err, errlen);
	if (r < 0)
		return r;
	if (setenv("REGMAP_PRELOAD", "1", 1) < 0)
		return fail(err, errlen, -errno, "cannot set REGMAP_PRELOAD: %s", strerror(errno));
	execv(path, argv);
	r = -errno;
	return fail(err, errlen, r, "cannot run %s: %s", argv[0], strerror(-r));
}
