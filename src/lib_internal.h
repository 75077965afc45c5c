/*
 * libregmap internals: the in-process backend of the register map.
 *
 * A SIGSEGV (or SIGBUS) handler runs the emulator on the faulting thread's
 * ucontext.  Everything reachable from the handler is async-signal-safe:
 * system calls, atomics and the emulator; no malloc, no stdio, no locks
 * that the interrupted code could hold.
 */
#ifndef REGMAP_LIB_INTERNAL_H
#define REGMAP_LIB_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "emu.h"

/* x86-64's base page; the map lives in page 0. */
#define LIB_PAGE_SIZE	4096ul

/* RFLAGS.AC: alignment check */
#define LIB_RFLAGS_AC	0x40000ull

/*
 * Index of a handled signal in struct lib_state's arrays.  SIGFPE is
 * handled only while sites are rewritten (lib_rewrite.c): a divide
 * error inside a stub is moved back to its site.
 */
enum { LIB_SEGV, LIB_BUS, LIB_FPE, LIB_NSIG };

static inline int lib_sig_index(int sig)
{
	return sig == SIGBUS ? LIB_BUS : sig == SIGFPE ? LIB_FPE : LIB_SEGV;
}

struct lib_state {
	atomic_int enabled;		/* our handlers are installed */
	int have_fsgsbase;		/* rdfsbase/rdgsbase usable (AT_HWCAP2) */
	int code_readable;		/* no protection keys: every code page is readable */
	/*
	 * REGMAP_MAP_ADDRESSING=absolute: only an address written in the
	 * instruction is the map; one computed from registers is a real fault
	 */
	int map_absolute;
	atomic_int fpe_ours;		/* our SIGFPE handler is installed (LIB_FPE) */
};

extern struct lib_state lib_state;

/*
 * lib_sigaction.c: the program's own SIGSEGV/SIGBUS actions ("prev": the
 * one it had before regmap_map_registers(), or set since through our
 * sigaction()/signal()), which non-map faults go to.  lib_prev_get() is
 * lock-free and async-signal-safe; after lib_prev_spend() (an SA_RESETHAND
 * handler ran) it gives SIG_DFL until the next lib_prev_set().
 */
int lib_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
void lib_prev_get(int i, struct sigaction *sa);
void lib_prev_set(int i, const struct sigaction *sa);
void lib_prev_spend(int i);
/* Existing handlers' sa_masks into the kernel's form (forward, at enabling) or back. */
void lib_sigaction_masks(bool forward);

/*
 * lib_sigmask.c: SIGSEGV and SIGBUS are never really blocked while the
 * map is enabled; these stand in for them in the kernel's masks.
 */
#define LIB_STANDIN_SEGV	64	/* SIGRTMAX */
#define LIB_STANDIN_BUS		63	/* SIGRTMAX - 1 */
/* A mask as the program gave it, for the kernel; and back. */
void lib_mask_to_kernel(sigset_t *m);
void lib_mask_to_program(sigset_t *m);
/* Is sig blocked for the program, in this kernel mask? */
bool lib_sig_blocked(const sigset_t *kernel_mask, int sig);
/* rt_sigprocmask itself (0 or -errno), never blocking glibc's own two signals */
int lib_real_sigmask(int how, const sigset_t *set, sigset_t *old);
/* The calling thread's mask into the kernel's form (forward) or back. */
void lib_mask_thread(bool forward);

/* lib_handler.c: the SA_SIGINFO handler for SIGSEGV and SIGBUS, and SIGFPE (entry: clears AC) */
void lib_on_fault_entry(int sig, siginfo_t *si, void *uc);
void lib_on_fault(int sig, siginfo_t *si, void *uc);
/* gregs[] index of each map register (rax, rcx, ...: the map's order) */
extern const uint8_t lib_greg[16];

/* lib_chain.c: what the kernel would have done without regmap */
void lib_chain(int sig, siginfo_t *si, ucontext_t *uc);
/*
 * A signal the CPU raises (forced: SIG_DFL and unblocked if the program
 * ignores or blocks it), delivered right after the handler returns.
 */
void lib_raise_forced(ucontext_t *uc, int sig, int code, uint64_t addr);
/* #DE (#XM, #MF) on the map: the thread gets SIGFPE (code) at the instruction */
void lib_raise_sigfpe(ucontext_t *uc, int code);

/* lib_altstack.c: per-thread state, keyed by process and thread id */
struct lib_thread {
	_Atomic uint64_t owner;	/* pid << 32 | tid; 0: never used */
	char *base;		/* its stack: a guard page, then the stack; or NULL */
};

/* The calling thread's record (with create, made if missing); NULL if none. */
struct lib_thread *lib_thread_self(bool create);
/* The lowest byte of t's stack (mapped now if need be) and its size; NULL if out of memory. */
char *lib_thread_stack(struct lib_thread *t, size_t *size);
/* Is sp on t's stack? */
bool lib_on_own_stack(const struct lib_thread *t, const void *sp);
/*
 * An alternate signal stack for the calling thread.  Returns 1 if it
 * installed one now (described in *installed if not NULL), 0 if the
 * thread had one, or -errno.
 */
int lib_altstack_ensure(stack_t *installed);
void lib_altstack_atfork_child(void);

/* lib_mem.c: the handler's access to the program's memory */
struct lib_mem {
	uint64_t fault_addr;	/* the last failed access: the CPU's fault address */
	uint64_t fault_what;	/* ... signal << 16 | si_code, 0 if none */
	bool guarded;		/* SIGSEGV and SIGBUS unblocked: faults come back to lib_mem_fixup() */
};
/* may_fault: false where a fault in the handler must not happen (on a switched stack) */
void lib_mem_init(struct lib_mem *m, const ucontext_t *uc, bool may_fault);
/* The emulator's callbacks on m. */
void lib_mem_ops(struct regmap_emu_mem *ops, struct lib_mem *m);
size_t lib_read_code(struct lib_mem *m, uint64_t rip, uint8_t *buf, size_t len);
/* The signal, si_code and address of the last failed access: 0, or -1 if not known. */
int lib_mem_fault(const struct lib_mem *m, int *sig, int *code, uint64_t *addr);
/* SEGV_MAPERR or SEGV_ACCERR for an address an access failed at. */
int lib_mem_segv_code(uint64_t addr);
/* In lib_on_fault(): a fault of the guarded copy; resumes it at its fixup. */
bool lib_mem_fixup(int sig, const siginfo_t *si, ucontext_t *uc);

/* lib_cache.c: decode with a small lock-free cache keyed by rip and bytes */
enum regmap_emu_status lib_decode_cached(struct regmap_emu_insn *insn, uint64_t rip,
					 const uint8_t *code, size_t len);

/*
 * lib_rewrite.c: native-speed sites (doc/REWRITE.md section 7).
 * lib_rw_enable(): at regmap_map_registers(), rewriting on if wanted and
 * possible (0, or -ENOSYS, -EACCES, ... why not).  The handler's hooks:
 * lib_rw_orig() replaces the n code bytes read at rip by the original
 * instruction if rip is a site being or having been rewritten and the
 * bytes are ours (returns the count of valid bytes);
 * lib_rw_consider() rewrites the site of an emulated instruction;
 * lib_rw_planted() says whether a fault is inside planted code (*fix:
 * how to get back to the site), lib_rw_rewind() moves the thread there.
 */
struct regmap_rw_fixup;
int lib_rw_enable(void);
void lib_rw_disable(void);
void lib_rw_want(int on);
bool lib_rw_on(void);
size_t lib_rw_orig(uint64_t rip, uint8_t *code, size_t n);
void lib_rw_consider(uint64_t site, const struct regmap_emu_insn *insn, const uint8_t *code,
		     uint64_t rflags);
bool lib_rw_planted(const siginfo_t *si, const ucontext_t *uc, struct regmap_rw_fixup *fix);
void lib_rw_rewind(ucontext_t *uc, const struct regmap_rw_fixup *fix);
void lib_rw_atfork_child(void);

/* lib_rewrite_os.c: the system calls behind it */
struct regmap_near;
int lib_rw_os_setup(void);
bool lib_rw_os_shadow_stack(void);
int lib_rw_os_write(uint64_t addr, const void *buf, size_t len);
void lib_rw_os_sync(void);
uint64_t lib_rw_os_page(uint64_t want);
int lib_rw_os_maps(struct regmap_near *n, char *buf, size_t size, char *line, size_t line_max);
/* What the mappings at [site, site + len) allow (enum regmap_near_code), -1 if unknown. */
int lib_rw_os_code(uint64_t site, unsigned len);

/* lib_report.c: the one-line message for an instruction regmap cannot emulate */
void lib_report_unsupported(const struct regmap_emu_insn *insn, int decoded, uint64_t rip);
/* write(2) a message to stderr, ignoring errors */
void lib_write_err(const char *msg, size_t len);

#endif /* REGMAP_LIB_INTERNAL_H */
