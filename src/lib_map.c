/*
 * regmap_map_registers() and friends: install and remove libregmap's
 * fault handlers, and stay out of the way under regmap-run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "lib_internal.h"
#include "regmap.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE		(1 << 1)
#endif

struct lib_state lib_state;

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static const int lib_sigs[LIB_NSIG] = {
	[LIB_SEGV] = SIGSEGV, [LIB_BUS] = SIGBUS, [LIB_FPE] = SIGFPE,
};

static bool lib_is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == lib_on_fault_entry;
}

/* TracerPid from /proc/self/status, 0 if none, -1 if unknown. */
static long lib_tracer_pid(void)
{
	static const char key[] = "\nTracerPid:";
	char buf[4096], *p;
	ssize_t n;
	size_t len = 0;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	p = strstr(buf, key);
	return p ? strtol(p + sizeof(key) - 1, NULL, 10) : -1;
}

/*
 * regmap-run puts its pid in REGMAP_RUN_PID; it serves the map only while
 * it is also our tracer (a program it started may have been detached, or
 * may have inherited the variable through a --no-follow fork).
 */
static bool lib_under_regmap_run(void)
{
	const char *env = getenv("REGMAP_RUN_PID");
	char *end;
	long want;

	if (!env || !*env)
		return false;
	errno = 0;
	want = strtol(env, &end, 10);
	if (errno || *end || want <= 0)
		return false;
	return lib_tracer_pid() == want;
}

/* the emulator's vector path, when it is built in (see lib_handler.c) */
#pragma weak regmap_emu_xinit

/*
 * Protection keys enabled by the OS (CPUID.7.0:ECX.OSPKE): only then can
 * a page be executable and not readable (mprotect(PROT_EXEC) uses a key).
 */
static int lib_have_ospke(void)
{
	unsigned a = 7, b, c = 0, d;

	__asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return !!(c & (1u << 4));
}

static void lib_setup_once(void)
{
	lib_state.have_fsgsbase = !!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE);
	lib_state.code_readable = !lib_have_ospke();
	/* not fatal: without it vector instructions on the map are unsupported */
	if (regmap_emu_xinit)
		regmap_emu_xinit();
	/* the forking thread keeps its alternate stack in the child */
	pthread_atfork(NULL, NULL, lib_altstack_atfork_child);
	pthread_atfork(NULL, NULL, lib_rw_atfork_child);
}

/* REGMAP_MAP_ADDRESSING: unset, "" or "any" 0, "absolute" 1, else -EINVAL. */
static int lib_map_addressing(void)
{
	static const char msg[] = "regmap: REGMAP_MAP_ADDRESSING: use any (the default) "
				  "or absolute\n";
	const char *env = getenv("REGMAP_MAP_ADDRESSING");

	if (!env || !*env || !strcmp(env, "any"))
		return 0;
	if (!strcmp(env, "absolute"))
		return 1;
	lib_write_err(msg, sizeof(msg) - 1);
	return -EINVAL;
}

/*
 * Install lib_on_fault_entry() for lib_sigs[i], keeping the program's action as
 * "prev" (under lib_lock): 0 or -errno.
 */
static int lib_install(int i)
{
	struct sigaction sa, cur;

	if (lib_sigaction(lib_sigs[i], NULL, &cur) < 0)
		return -errno;
	if (lib_is_ours(&cur))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = lib_on_fault_entry;
	/*
	 * Asynchronous signals wait until our handler returns: it may run on
	 * a stack of its own, where the kernel must not put a frame
	 * (lib_handler.c); lib_chain() unblocks them for a handler of the
	 * program it calls.  The signals of faults stay unblocked (and
	 * SIGSEGV itself, SA_NODEFER): the guarded copy's faults come back to
	 * the handler (lib_mem.c), and a blocked fault would be forced.
	 */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER;
	sigfillset(&sa.sa_mask);
	sigdelset(&sa.sa_mask, SIGSEGV);
	sigdelset(&sa.sa_mask, SIGBUS);
	sigdelset(&sa.sa_mask, SIGFPE);
	sigdelset(&sa.sa_mask, SIGILL);
	sigdelset(&sa.sa_mask, SIGTRAP);
	sigdelset(&sa.sa_mask, SIGSYS);
	/* saved before ours is installed: a fault right after finds it */
	lib_prev_set(i, &cur);
	if (lib_sigaction(lib_sigs[i], &sa, NULL) < 0)
		return -errno;
	if (i == LIB_FPE)
		atomic_store(&lib_state.fpe_ours, 1);
	return 0;
}

int regmap_map_registers(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int i, ret = 0;

	if (lib_under_regmap_run())
		return 0;
	ret = lib_map_addressing();
	if (ret < 0)
		return ret;
	lib_state.map_absolute = ret;
	ret = 0;
	pthread_once(&once, lib_setup_once);
	/* not fatal: a thread without one gets one at its first map access */
	lib_altstack_ensure(NULL);

	pthread_mutex_lock(&lib_lock);
	for (i = 0; i < LIB_FPE && !ret; i++)
		ret = lib_install(i);
	/* native-speed sites: a divide error in a stub goes back to its site */
	if (!ret && lib_rw_enable() == 0 && lib_rw_on() && lib_install(LIB_FPE) < 0)
		lib_rw_disable();
	if (!ret && !atomic_load(&lib_state.enabled)) {
		/* from now on SIGSEGV and SIGBUS are blocked only by stand-ins (lib_sigmask.c) */
		lib_sigaction_masks(true);
		lib_mask_thread(true);
		atomic_store(&lib_state.enabled, 1);
	}
	pthread_mutex_unlock(&lib_lock);
	if (ret)
		regmap_unmap_registers();
	return ret;
}

int regmap_unmap_registers(void)
{
	struct sigaction cur, old;
	int i, ret = 0;

	pthread_mutex_lock(&lib_lock);
	/* from here the program's sigaction() calls reach the kernel again */
	if (atomic_load(&lib_state.enabled)) {
		atomic_store(&lib_state.enabled, 0);
		lib_sigaction_masks(false);
		lib_mask_thread(false);
	}
	/* sites rewritten so far stay native: they are correct without us */
	lib_rw_disable();
	for (i = 0; i < LIB_NSIG; i++) {
		/* one installed behind our back (rt_sigaction) stays */
		if (lib_sigaction(lib_sigs[i], NULL, &cur) < 0 || !lib_is_ours(&cur))
			continue;
		lib_prev_get(i, &old);
		if (lib_sigaction(lib_sigs[i], &old, NULL) < 0)
			ret = -errno;
		else if (i == LIB_FPE)
			atomic_store(&lib_state.fpe_ours, 0);
	}
	pthread_mutex_unlock(&lib_lock);
	return ret;
}

int regmap_set_rewrite(int on)
{
	int ret = 0;

	pthread_mutex_lock(&lib_lock);
	lib_rw_want(on);
	/* otherwise it takes effect at regmap_map_registers() */
	if (atomic_load(&lib_state.enabled)) {
		if (!on) {
			lib_rw_disable();
		} else {
			ret = lib_rw_enable();
			if (!ret && (ret = lib_install(LIB_FPE)) < 0)
				lib_rw_disable();
		}
	}
	pthread_mutex_unlock(&lib_lock);
	return ret;
}

void map_registers(void)
{
	static const char msg[] = "regmap: map_registers: cannot install the SIGSEGV handler\n";

	if (regmap_map_registers() < 0)
		lib_write_err(msg, sizeof(msg) - 1);
}

int regmap_mode(void)
{
	struct sigaction cur;

	if (lib_sigaction(SIGSEGV, NULL, &cur) == 0 && lib_is_ours(&cur))
		return REGMAP_MODE_IN_PROCESS;
	if (lib_under_regmap_run())
		return REGMAP_MODE_SUPERVISED;
	return REGMAP_MODE_OFF;
}
