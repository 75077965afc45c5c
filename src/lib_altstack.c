/*
 * Alternate signal stacks, so the handler (and the handler it chains to)
 * has room even on a thread with a small stack.
 *
 * sigaltstack() only sets the calling thread's stack, so there is no way
 * to give one to threads that already exist, and no hook that runs in a
 * new thread.  Interposing pthread_create() would miss threads made with
 * clone(), those of statically linked programs and those that existed
 * before regmap_map_registers().  Instead every thread gets its stack
 * lazily: regmap_map_registers() sets up the caller's, and the handler
 * sets up a thread's at its first map access (lib_on_fault() then returns
 * and lets the instruction fault again, on the new stack).  A thread that
 * already has an alternate stack (its own, or a sanitizer's) keeps it.
 *
 * Stacks are never freed while their thread may run on them.  Each one is
 * recorded in a slot owned by the thread id; when a thread needs a stack,
 * a slot whose owner has exited (tgkill(pid, tid, 0) says ESRCH) is taken
 * over, so the memory of dead threads is reused, without malloc, locks or
 * thread-exit hooks.  Past LIB_SLOTS threads alive at once, stacks are
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
#define LIB_SLOTS	1024

struct lib_slot {
	atomic_int owner;	/* tid; 0: never used; -1: being set up */
	char *base;		/* the mapping: a guard page, then the stack */
};

static struct lib_slot lib_slots[LIB_SLOTS];

static size_t lib_stack_size(void)
{
	size_t min = getauxval(AT_MINSIGSTKSZ);
	size_t size = LIB_STACK_SIZE;

	/* large XSAVE areas (AVX-512, AMX) make each signal frame bigger */
	while (size < 8 * min)
		size *= 2;
	return size;
}

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

static bool lib_tid_gone(pid_t pid, int tid)
{
	return syscall(SYS_tgkill, pid, tid, 0) < 0 && errno == ESRCH;
}

/* A slot for thread tid: a dead thread's stack, or a new one. */
static char *lib_slot_take(pid_t pid, int tid, size_t size)
{
	int i, o;

	for (i = 0; i < LIB_SLOTS; i++) {
		struct lib_slot *s = &lib_slots[i];

		o = atomic_load(&s->owner);
		if (o == 0) {
			if (!atomic_compare_exchange_strong(&s->owner, &o, -1))
				continue;
			s->base = lib_stack_map(size);
			if (!s->base) {
				atomic_store(&s->owner, 0);
				return NULL;
			}
			atomic_store(&s->owner, tid);
			return s->base;
		}
		/* o == tid: a dead thread's id reused, or our own stack that was turned off */
		if (o > 0 && (o == tid || lib_tid_gone(pid, o)) &&
		    atomic_compare_exchange_strong(&s->owner, &o, tid))
			return s->base;
	}
	return lib_stack_map(size);
}

int lib_altstack_ensure(stack_t *installed)
{
	size_t size = lib_stack_size();
	stack_t ss;
	char *base;

	if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE))
		return 0;
	base = lib_slot_take(getpid(), gettid(), size);
	if (!base)
		return -ENOMEM;
	ss.ss_sp = base + LIB_PAGE_SIZE;
	ss.ss_size = size;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) < 0)
		return -errno;
	if (installed)
		*installed = ss;
	return 1;
}

/*
 * After fork the child's only thread runs with the forking thread's
 * stack, whose slot names a thread of the parent: claim it, or another
 * thread of the child would take it over.
 */
void lib_altstack_atfork_child(void)
{
	stack_t ss;
	int i, tid = gettid();

	if (sigaltstack(NULL, &ss) < 0 || (ss.ss_flags & SS_DISABLE))
		return;
	for (i = 0; i < LIB_SLOTS; i++) {
		if (atomic_load(&lib_slots[i].owner) > 0 &&
		    lib_slots[i].base + LIB_PAGE_SIZE == (char *)ss.ss_sp)
			atomic_store(&lib_slots[i].owner, tid);
	}
}
