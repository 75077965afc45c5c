/*
 * SIGSEGV and SIGBUS are never really blocked while the map is enabled.
 *
 * A fault raised while its signal is blocked is forced by the kernel: the
 * action becomes SIG_DFL and the process dies, libregmap's handler never
 * runs.  So a map access inside a handler with a full sa_mask, or between
 * sigprocmask(SIG_BLOCK, {SIGSEGV}) and the unblock, would kill the
 * program.  Instead, wherever the program blocks SIGSEGV (SIGBUS), the
 * kernel blocks a stand-in, SIGRTMAX (SIGRTMAX - 1): sigprocmask(),
 * pthread_sigmask() and sigsuspend() translate the sets they are given
 * and give back, and sigaction() the sa_mask of every handler
 * (lib_sigaction.c).  The kernel keeps the stand-in like any blocked
 * signal (in signal frames, across sigreturn, siglongjmp, fork, and into
 * new threads), so "is SIGSEGV blocked for the program" is simply "is
 * either blocked in the kernel's mask" (lib_sig_blocked()), with no state
 * of our own to go stale.  A real fault while it is blocked for the
 * program gets what the kernel would do (lib_chain.c: death).
 *
 * The cost: the program cannot use SIGRTMAX and SIGRTMAX - 1 for itself,
 * and calls that take masks without going through these functions (a
 * raw rt_sigprocmask, ppoll, pselect, epoll_pwait, signalfd, sigwaitinfo,
 * posix_spawn's attributes) block SIGSEGV for real (regmap(3)).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib_internal.h"

/* glibc keeps these two for itself and never lets a program block them */
#define LIB_SIGCANCEL	32
#define LIB_SIGSETXID	33

extern int __sigsuspend(const sigset_t *mask);

static int lib_standin(int sig)
{
	return sig == SIGSEGV ? LIB_STANDIN_SEGV : LIB_STANDIN_BUS;
}

static bool lib_translating(void)
{
	return atomic_load(&lib_state.enabled);
}

void lib_mask_to_kernel(sigset_t *m)
{
	static const int sigs[] = { SIGSEGV, SIGBUS };

	for (unsigned i = 0; i < 2; i++)
		if (sigismember(m, sigs[i])) {
			sigdelset(m, sigs[i]);
			sigaddset(m, lib_standin(sigs[i]));
		}
}

void lib_mask_to_program(sigset_t *m)
{
	static const int sigs[] = { SIGSEGV, SIGBUS };

	for (unsigned i = 0; i < 2; i++)
		if (sigismember(m, lib_standin(sigs[i]))) {
			sigdelset(m, lib_standin(sigs[i]));
			sigaddset(m, sigs[i]);
		}
}

bool lib_sig_blocked(const sigset_t *kernel_mask, int sig)
{
	return sigismember(kernel_mask, sig) ||
	       ((sig == SIGSEGV || sig == SIGBUS) && sigismember(kernel_mask, lib_standin(sig)));
}

int lib_real_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t local;

	if (set && (sigismember(set, LIB_SIGCANCEL) || sigismember(set, LIB_SIGSETXID))) {
		local = *set;
		sigdelset(&local, LIB_SIGCANCEL);
		sigdelset(&local, LIB_SIGSETXID);
		set = &local;
	}
	return syscall(SYS_rt_sigprocmask, how, set, old, sizeof(uint64_t)) < 0 ? -errno : 0;
}

/* The program's pthread_sigmask() (a positive errno), translated. */
static int lib_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t k;
	int err;

	if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return EINVAL;
	if (set && lib_translating()) {
		k = *set;
		lib_mask_to_kernel(&k);
		/* unblocking SIGSEGV unblocks a real one too (a raw rt_sigprocmask's) */
		if (how == SIG_UNBLOCK) {
			if (sigismember(set, SIGSEGV))
				sigaddset(&k, SIGSEGV);
			if (sigismember(set, SIGBUS))
				sigaddset(&k, SIGBUS);
		}
		set = &k;
	}
	err = lib_real_sigmask(how, set, old);
	if (!err && old && lib_translating())
		lib_mask_to_program(old);
	return -err;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return lib_sigmask(how, set, old);
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int err = lib_sigmask(how, set, old);

	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int sigsuspend(const sigset_t *mask)
{
	sigset_t k;

	if (lib_translating()) {
		k = *mask;
		lib_mask_to_kernel(&k);
		mask = &k;
	}
	return __sigsuspend(mask);
}

/*
 * The calling thread's mask when the map is enabled (forward) or
 * disabled: blocked SIGSEGV and SIGBUS become their stand-ins, or back.
 */
void lib_mask_thread(bool forward)
{
	sigset_t cur;

	if (lib_real_sigmask(SIG_BLOCK, NULL, &cur))
		return;
	if (forward)
		lib_mask_to_kernel(&cur);
	else
		lib_mask_to_program(&cur);
	lib_real_sigmask(SIG_SETMASK, &cur, NULL);
}
