/*
 * Signal actions of the target, changed from outside: rt_sigaction run
 * in a stopped thread (sup_inject_sigaction), and the kernel's rule for
 * signals the CPU raises (sup_force_signal).
 *
 * rt_sigaction needs its structs in the target's memory.  They go on the
 * thread's stack below the red zone (the 128 bytes under rsp that leaf
 * code may use): memory the program cannot count on keeping, since a
 * signal handler may be pushed there at any moment; its bytes are put
 * back anyway.  Where the stack has no room (the bottom of a small
 * alternate stack), a page mapped for the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "sup_internal.h"

#define RED_ZONE	128
#define SCRATCH		(2 * sizeof(struct sup_ksigaction))

static int call_sigaction(struct sup_session *s, pid_t tid, int sig, uint64_t base,
			  const struct sup_ksigaction *act, struct sup_ksigaction *old,
			  long *ret)
{
	long args[6] = { sig, act ? (long)base : 0,
			 old ? (long)(base + sizeof(*act)) : 0, 8, 0, 0 };
	int err;

	if (act && sup_mem_write(&tid, base, act, sizeof(*act)) < 0)
		return -EFAULT;
	err = sup_inject_syscall(s, tid, SYS_rt_sigaction, args, ret);
	if (!err && !*ret && old && sup_mem_read(&tid, base + sizeof(*act), old, sizeof(*old)) < 0)
		return -EFAULT;
	return err;
}

int sup_inject_sigaction(struct sup_session *s, pid_t tid, int sig,
			 const struct sup_ksigaction *act, struct sup_ksigaction *old)
{
	struct user_regs_struct r;
	uint8_t saved[SCRATCH];
	long ret = -EFAULT, args[6] = { 0, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 };
	uint64_t base;
	int err;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
		return -ESRCH;
	base = (r.rsp - RED_ZONE - SCRATCH) & ~15ull;
	if (sup_mem_read(&tid, base, saved, sizeof(saved)) == 0) {
		err = call_sigaction(s, tid, sig, base, act, old, &ret);
		if (sup_mem_write(&tid, base, saved, sizeof(saved)) < 0 && !err)
			err = -EFAULT;
		return err ? err : (int)ret;
	}
	/* no stack below rsp to borrow */
	err = sup_inject_syscall(s, tid, SYS_mmap, args, &ret);
	if (err)
		return err;
	if (ret < 0)
		return (int)ret;
	base = (uint64_t)ret;
	err = call_sigaction(s, tid, sig, base, act, old, &ret);
	args[0] = (long)base;
	args[1] = 4096;
	if (!err) {
		long unmapped;

		err = sup_inject_syscall(s, tid, SYS_munmap, args, &unmapped);
	}
	return err ? err : (int)ret;
}

int sup_force_signal(struct sup_session *s, pid_t tid, int sig)
{
	struct sup_ksigaction dfl;
	uint64_t blocked, ignored = 0, bit = 1ull << (sig - 1);
	int err;

	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(blocked), &blocked) < 0)
		return -ESRCH;
	sup_proc_sigmask(tid, "SigIgn", &ignored);
	if (!((blocked | ignored) & bit))
		return 0;
	/* force_sig_info_to_task(): the default action, and unblocked */
	memset(&dfl, 0, sizeof(dfl));
	err = sup_inject_sigaction(s, tid, sig, &dfl, NULL);
	if (err < 0)
		return err;
	blocked &= ~bit;
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(blocked), &blocked) < 0)
		return -ESRCH;
	return 0;
}
