/*
 * The program's own SIGSEGV and SIGBUS actions while the map is enabled.
 *
 * libregmap's handler must stay installed, yet the program must keep
 * seeing and setting its own action: a program usually installs its crash
 * handler in main(), after regmap_map_registers() (always so under
 * `regmap-run --in-process`, where the map is enabled from a constructor).
 * So libregmap defines sigaction() and signal(): for SIGSEGV and SIGBUS,
 * while the map is enabled, they read and write the action libregmap
 * passes non-map faults to ("prev"), and the kernel's action stays
 * libregmap's.  Everything else goes to glibc (__sigaction, bsd_signal).
 * A program that calls the rt_sigaction system call directly bypasses
 * this.
 *
 * The handler reads prev[] without locks: two copies per signal and an
 * index, so a writer never changes the copy a reader uses (a handler
 * interrupting a writer in the same thread included).  Writers take a
 * spinlock that a nested call in the same thread (sigaction() from a
 * signal handler interrupting sigaction()) does not wait for.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib_internal.h"

/* glibc's implementations, under names it exports for this purpose */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);
extern __sighandler_t bsd_signal(int sig, __sighandler_t handler);

static struct sigaction lib_prev[LIB_NSIG][2];
static atomic_int lib_prev_idx[LIB_NSIG];
static atomic_int lib_prev_spent[LIB_NSIG];
static atomic_int lib_prev_owner;	/* tid holding the writers' lock, 0: free */

int lib_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return __sigaction(sig, act, old);
}

void lib_prev_get(int i, struct sigaction *sa)
{
	*sa = lib_prev[i][atomic_load(&lib_prev_idx[i])];
	if (atomic_load(&lib_prev_spent[i])) {
		memset(sa, 0, sizeof(*sa));
		sa->sa_handler = SIG_DFL;
	}
}

void lib_prev_set(int i, const struct sigaction *sa)
{
	int tid = gettid(), free_ = 0, nested;
	int next;

	nested = atomic_load(&lib_prev_owner) == tid;
	while (!nested && !atomic_compare_exchange_weak(&lib_prev_owner, &free_, tid))
		free_ = 0;
	next = !atomic_load(&lib_prev_idx[i]);
	lib_prev[i][next] = *sa;
	atomic_store(&lib_prev_idx[i], next);
	atomic_store(&lib_prev_spent[i], 0);
	if (!nested)
		atomic_store(&lib_prev_owner, 0);
}

void lib_prev_spend(int i)
{
	atomic_store(&lib_prev_spent[i], 1);
}

static int lib_intercepted(int sig)
{
	if (sig == SIGFPE)
		return atomic_load(&lib_state.fpe_ours);
	return (sig == SIGSEGV || sig == SIGBUS) && atomic_load(&lib_state.enabled);
}

/*
 * Any other signal's action, its sa_mask with SIGSEGV and SIGBUS given to
 * the kernel as their stand-ins (lib_sigmask.c) while the map is enabled.
 */
static int lib_sigaction_other(int sig, const struct sigaction *act, struct sigaction *old)
{
	bool translate = atomic_load(&lib_state.enabled);
	struct sigaction k;
	int ret;

	if (act && translate) {
		k = *act;
		lib_mask_to_kernel(&k.sa_mask);
		act = &k;
	}
	ret = __sigaction(sig, act, old);
	if (!ret && old && translate)
		lib_mask_to_program(&old->sa_mask);
	return ret;
}

void lib_sigaction_masks(bool forward)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction cur;

		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGKILL || sig == SIGSTOP ||
		    __sigaction(sig, NULL, &cur) < 0 || cur.sa_handler == SIG_DFL ||
		    cur.sa_handler == SIG_IGN)
			continue;
		if (!sigismember(&cur.sa_mask, forward ? SIGSEGV : LIB_STANDIN_SEGV) &&
		    !sigismember(&cur.sa_mask, forward ? SIGBUS : LIB_STANDIN_BUS))
			continue;
		if (forward)
			lib_mask_to_kernel(&cur.sa_mask);
		else
			lib_mask_to_program(&cur.sa_mask);
		__sigaction(sig, &cur, NULL);
	}
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction cur;
	int i = lib_sig_index(sig);

	if (!lib_intercepted(sig))
		return lib_sigaction_other(sig, act, old);
	lib_prev_get(i, &cur);
	if (act)
		lib_prev_set(i, act);
	if (old)
		*old = cur;
	return 0;
}

/* signal() as glibc's: BSD semantics, the signal blocked in its handler */
__sighandler_t signal(int sig, __sighandler_t handler)
{
	struct sigaction sa, old;

	if (!lib_intercepted(sig))
		return bsd_signal(sig, handler);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	sigaction(sig, &sa, &old);
	return old.sa_handler;
}
