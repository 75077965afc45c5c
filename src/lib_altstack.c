/*
 * Per-thread state of the handler, above all its stacks: an alternate
 * signal stack for a thread that has none, so the handler (and the
 * handler it chains to) has room even on a thread with a small stack;
 * and, for a thread whose alternate stack is the program's own, a stack
 * the emulation switches to, so that it uses only a few hundred bytes of
 * the program's (an 8 KiB SIGSTKSZ stack, as Rust's runtime installs,
 * holds two signal frames and little more).
 *
 * Threads are keyed by process and thread id as the kernel knows them,
 * not by TLS or pthreads: threads made with a raw clone() (with or
 * without CLONE_THREAD or CLONE_SETTLS, even processes sharing the
 * memory with CLONE_VM) and the child of a raw fork() each get their own.
 * There is no hook that runs in a new thread, so a thread gets its
 * record lazily, at its first map access (the first fault of a thread
 * without an alternate stack returns at once and faults again on the new
 * one).
 *
 * Records live in an open-addressing table keyed by tid, claimed with one
 * compare-and-swap, never freed while their thread may run on their
 * stack: a thread that needs one takes over the record of a thread of its
 * own process that has exited (tgkill(pid, tid, 0) says ESRCH), so the
 * stacks of dead threads are reused without malloc, locks or thread-exit
 * hooks.  A record of another process is never taken over: in a process
 * sharing the memory it is that process's thread's, and in a forked
 * child it is a copy some thread of the child may be running on (the
 * forking thread's alternate stack).  Past LIB_SLOTS threads, stacks are
 * still given out but not recorded (and not reused).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib_internal.h"

#define LIB_STACK_SIZE	(128 * 1024ul)
#define LIB_SLOTS	1024	/* a power of two */
#define LIB_BUSY	(~0ull)	/* owner of a record being set up */

static struct lib_thread lib_threads[LIB_SLOTS];

static uint64_t lib_owner(pid_t pid, pid_t tid)
{
	return (uint64_t)(uint32_t)pid << 32 | (uint32_t)tid;
}

static size_t lib_stack_size(void)
{
	size_t min = getauxval(AT_MINSIGSTKSZ);
	size_t size = LIB_STACK_SIZE;

	/* large XSAVE areas (AVX-512, AMX) make each signal frame bigger */
	while (size < 8 * min)
		size *= 2;
	return size;
}

/* A guard page, then the stack; NULL if out of memory. */
static char *lib_stack_map(size_t size)
{
	char *p = mmap(NULL, size + LIB_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* overflowing the stack then faults instead of corrupting memory */
	mprotect(p, LIB_PAGE_SIZE, PROT_NONE);
	return p;
}

/* A thread id used again: what the exited thread had left is not the new one's. */
static void lib_thread_reset(struct lib_thread *t)
{
	(void)t;	/* the stack stays: nothing runs on it any more */
}

static bool lib_tid_gone(uint64_t owner)
{
	return syscall(SYS_tgkill, (pid_t)(owner >> 32), (pid_t)(uint32_t)owner, 0) < 0 &&
	       errno == ESRCH;
}

/*
 * The stack of an exited thread of process pid, wherever its record is
 * (records sit where their thread's id hashes): taken off the record,
 * which keeps its owner and is found again only to be reused.
 */
static char *lib_dead_stack(pid_t pid)
{
	for (unsigned i = 0; i < LIB_SLOTS; i++) {
		struct lib_thread *t = &lib_threads[i];
		uint64_t o = atomic_load(&t->owner);
		char *b;

		if (!o || o == LIB_BUSY || (pid_t)(o >> 32) != pid || !t->base || !lib_tid_gone(o) ||
		    !atomic_compare_exchange_strong(&t->owner, &o, LIB_BUSY))
			continue;
		b = t->base;
		t->base = NULL;
		atomic_store(&t->owner, o);
		if (b)
			return b;
	}
	return NULL;
}

static unsigned lib_hash(pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (LIB_SLOTS - 1);
}

struct lib_thread *lib_thread_self(bool create)
{
	pid_t pid = getpid(), tid = gettid();
	uint64_t me = lib_owner(pid, tid), o;
	unsigned i, h = lib_hash(tid);

	/* its own record, if it has one: the chain from its hash up to a free slot */
	for (i = 0; i < LIB_SLOTS; i++) {
		struct lib_thread *t = &lib_threads[(h + i) & (LIB_SLOTS - 1)];

		o = atomic_load(&t->owner);
		if (o == me)
			return t;
		if (!o)
			break;
	}
	if (!create)
		return NULL;
	for (i = 0; i < LIB_SLOTS; i++) {
		struct lib_thread *t = &lib_threads[(h + i) & (LIB_SLOTS - 1)];

		o = atomic_load(&t->owner);
		if (o == me)
			return t;
		if (!o || (o != LIB_BUSY && (pid_t)(o >> 32) == pid && lib_tid_gone(o))) {
			if (!atomic_compare_exchange_strong(&t->owner, &o, LIB_BUSY))
				continue;
			/* what a thread of this id that exited had left here goes */
			lib_thread_reset(t);
			if (!t->base)
				t->base = lib_dead_stack(pid);
			atomic_store(&t->owner, me);
			return t;
		}
	}
	return NULL;
}

char *lib_thread_stack(struct lib_thread *t, size_t *size)
{
	*size = lib_stack_size();
	if (!t->base)
		t->base = lib_stack_map(*size);
	return t->base ? t->base + LIB_PAGE_SIZE : NULL;
}

bool lib_on_own_stack(const struct lib_thread *t, const void *sp)
{
	const char *p = sp;

	return t && t->base && p > t->base + LIB_PAGE_SIZE &&
	       p <= t->base + LIB_PAGE_SIZE + lib_stack_size();
}

int lib_altstack_ensure(stack_t *installed)
{
	struct lib_thread *t;
	size_t size;
	stack_t ss;
	char *sp;

	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE))
		return 0;
	t = lib_thread_self(true);
	sp = t ? lib_thread_stack(t, &size) : NULL;
	if (!t) {
		/* no record left: a stack all the same, never reused */
		size = lib_stack_size();
		sp = lib_stack_map(size);
		sp = sp ? sp + LIB_PAGE_SIZE : NULL;
	}
	if (!sp)
		return -ENOMEM;
	ss.ss_sp = sp;
	ss.ss_size = size;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) < 0)
		return -errno;
	if (installed)
		*installed = ss;
	return 1;
}

/*
 * After fork() the child's only thread runs with the forking thread's
 * alternate stack, whose record names a thread of the parent: make it
 * the child's (a raw fork leaves it as it is: the child's threads then
 * get stacks of their own, and the copy is never taken over).
 */
void lib_altstack_atfork_child(void)
{
	stack_t ss;

	if (sigaltstack(NULL, &ss) < 0 || (ss.ss_flags & SS_DISABLE))
		return;
	for (unsigned i = 0; i < LIB_SLOTS; i++) {
		struct lib_thread *t = &lib_threads[i];
		uint64_t o = atomic_load(&t->owner);

		if (o && o != LIB_BUSY && t->base && t->base + LIB_PAGE_SIZE == (char *)ss.ss_sp) {
			/* it must sit in the chain of our tid: move the stack there */
			struct lib_thread *mine;

			atomic_store(&t->owner, LIB_BUSY);
			mine = lib_thread_self(true);
			if (mine && mine != t) {
				char *b = mine->base;

				mine->base = t->base;
				t->base = b;
			}
			atomic_store(&t->owner, o);
			return;
		}
	}
}
