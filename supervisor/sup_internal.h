/*
 * Internals shared by the supervisor's files: target memory access, the
 * decode cache, register conversion, /proc helpers and reporting.
 */
#ifndef REGMAP_SUP_INTERNAL_H
#define REGMAP_SUP_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "emu.h"
#include "rewrite.h"
#include "sup.h"

/* ---- target memory (mem.c) ---- */

/*
 * Emulator memory callbacks; ctx points to the pid_t of the stopped
 * thread.  Reads and writes go through process_vm_readv/writev; when
 * those are not permitted (EPERM, ENOSYS) they fall back to
 * PTRACE_PEEKDATA/POKEDATA.  An address the program itself could not
 * access gives -EFAULT, which the emulator turns into a memory fault.
 */
int sup_mem_read(void *ctx, uint64_t addr, void *buf, size_t len);
int sup_mem_write(void *ctx, uint64_t addr, const void *buf, size_t len);

/*
 * Write code (or, for gdb, any bytes) into tid's address space, read-only
 * pages included (/proc/PID/mem, PTRACE_POKEDATA where that is refused):
 * 0, -ESRCH or -EPERM.
 */
int sup_mem_write_code(pid_t tid, uint64_t addr, const void *buf, size_t len);

/*
 * Read up to len instruction bytes at rip; stops at the first page that
 * cannot be read.  Returns the number of bytes read (0 if none).
 */
size_t sup_read_code(pid_t tid, uint64_t rip, uint8_t *buf, size_t len);

/*
 * Read up to len bytes at addr with PTRACE_PEEKDATA, which reads through
 * the page protections; stops at the first word that fails.  Returns the
 * number of bytes read.
 */
size_t sup_mem_peek(pid_t tid, uint64_t addr, uint8_t *buf, size_t len);

/* ---- decode cache (cache.c) ---- */

struct sup_cache *sup_cache_new(void);
void sup_cache_free(struct sup_cache *c);

/*
 * The decoded instruction for the n bytes at rip.  A hit needs the same
 * rip and the same instruction bytes, so self-modifying code and new
 * mappings are seen.  *status is the decode status: on
 * REGMAP_EMU_UNSUPPORTED the insn returned is good for formatting only,
 * on REGMAP_EMU_BAD_INSN the result is NULL.  *hit says whether the
 * cache already had it.  The insn stays valid until the next call.
 */
const struct regmap_emu_insn *sup_cache_get(struct sup_cache *c, uint64_t rip,
					    const uint8_t *bytes, size_t n,
					    enum regmap_emu_status *status, bool *hit);

/* ---- vector and x87 instructions (xstate.c) ---- */

/* Set up the emulator's vector path and the XSAVE buffer (0 or -ENOMEM). */
int sup_xstate_init(struct sup_session *s);
void sup_xstate_free(struct sup_session *s);

/*
 * regmap_emu_execute() for an instruction that needs the thread's vector
 * state: fetched with PTRACE_GETREGSET and written back on success.
 */
enum regmap_emu_status sup_execute_x(struct sup_session *s, pid_t tid,
				     const struct regmap_emu_insn *insn,
				     struct regmap_cpu *cpu,
				     const struct regmap_emu_mem *mem,
				     struct regmap_emu_result *res);

/* ---- registers (fault.c) ---- */

void sup_regs_to_cpu(const struct user_regs_struct *ur, struct regmap_cpu *cpu);
void sup_regs_from_cpu(struct user_regs_struct *ur, const struct regmap_cpu *cpu);

/* ---- the per-fault path (fault.c) ---- */

/*
 * Handle the SIGSEGV (or SIGBUS) signal-delivery-stop of tid: emulate a
 * map access or prepare the signal the program gets.  Returns the signal
 * to continue with (0 after an emulated instruction), or a negative errno
 * if the thread vanished.  SIGFPE stops too when planted code exists
 * (sup_rw_planted()): a fault inside planted code is served at its site,
 * any other SIGFPE (or SIGBUS that is not an alignment check) is
 * returned unchanged.  sup_fault_wanted(): should a stop of sig go here?
 */
static inline bool sup_fault_wanted(const struct sup_session *s, int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || (sig == SIGFPE && s->rw_planted);
}
int sup_fault(struct sup_session *s, pid_t tid);

/* ---- real-fault reports (report.c, backtrace.c) ---- */

struct sup_fault_info {
	pid_t tid;
	int signo;			/* the signal the program gets */
	const siginfo_t *si;		/* the original SIGSEGV */
	uint64_t rip;
	enum regmap_emu_status status;
	const struct regmap_emu_insn *insn;	/* NULL if it did not decode */
	const uint8_t *bytes;		/* code bytes read at rip */
	size_t nbytes;
	uint64_t fault_addr;		/* PARTIAL, MEM_FAULT */
	const char *why;		/* overrides the explanation, or NULL */
	bool tf;			/* TF was set: the CPU traps after the instruction */
};

/* snprintf at buf+*len that never runs past size; *len advances */
void __attribute__((format(printf, 4, 5)))
sup_append(char *buf, size_t size, size_t *len, const char *fmt, ...);

void sup_report_fault(struct sup_session *s, const struct sup_fault_info *f);
void sup_report_trace(struct sup_session *s, pid_t tid, uint64_t rip,
		      const struct regmap_emu_insn *insn,
		      const struct regmap_emu_result *res);
/* The register names an access covers, each in quote, separated by sep. */
void sup_access_regs(const struct regmap_emu_access *a, char *buf, size_t size,
		     const char *quote, const char *sep);
void sup_msgf(const struct sup_session *s, enum sup_msg kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Emit a backtrace of the stopped thread tid (SUP_MSG_FRAME lines).
 * Returns the number of frames.
 */
int sup_backtrace(struct sup_session *s, pid_t tid);

/*
 * "name+22" for the code address ip in tid's process, "libc.so.6+0x8a3f4"
 * if no symbol contains it, or "" if no file is mapped there.  Slow
 * (symbols.c); symcache.c caches it for the options that ask per access.
 */
void sup_symbolize(struct sup_session *s, pid_t tid, uint64_t ip, char *buf, size_t size);

/* Forget the names of process tgid (after an exec): symbol and name caches. */
void sup_names_forget(struct sup_session *s, pid_t tgid);

/* ---- symbol tables (symbols.c, elfutils' libdwfl) ---- */

struct sup_symbols *sup_symbols_new(void);
void sup_symbols_free(struct sup_symbols *c);
void sup_symbols_forget(struct sup_symbols *c, pid_t tgid);
/*
 * The function that contains ip in process tgid, as "name" or
 * "name+off" (decimal), else the file and the address in its ELF image
 * ("libc.so.6+0x8a3f4"), else "" (no file mapped there).  return_addr:
 * ip is a return address, so the call before it is looked up.  obj, if
 * not NULL, gets the file's base name (or "").
 */
void sup_symbols_name(struct sup_symbols *c, pid_t tgid, uint64_t ip, bool return_addr,
		      char *name, size_t size, char *obj, size_t objsize);
/*
 * Is there a function called name (any version) in process tgid (tgid >
 * 0) or in the ELF file path?  1 with its size in *size (the largest, 0
 * if unknown), 0 if not, -1 if the process or file cannot be read.
 */
int sup_symbols_find(struct sup_symbols *c, pid_t tgid, const char *path, const char *name,
		     uint64_t *size);

/* ---- symbol cache (symcache.c) ---- */

#define SUP_SYM_MAX	96

struct sup_symcache *sup_symcache_new(void);
void sup_symcache_free(struct sup_symcache *c);
/* Forget the names of process tgid (after an exec). */
void sup_symcache_flush(struct sup_symcache *c, pid_t tgid);
/* The cached sup_symbolize() of ip in tid's process; valid until the next call. */
const char *sup_sym(struct sup_session *s, pid_t tid, uint64_t ip);
/* The process of thread tid (cached in the thread table). */
pid_t sup_thread_tgid(struct sup_session *s, pid_t tid);

/* ---- thread table (threads.c) ---- */

/*
 * The entry of tid; with add, create it if missing (NULL only if out of
 * memory).  Adding a thread may move every entry (see threads.c).
 */
struct sup_thread *sup_thread_get(struct sup_threads *t, pid_t tid, bool add);
void sup_thread_del(struct sup_threads *t, pid_t tid);
/* Record that tid is (no longer) traced by us; adds it if traced. */
void sup_thread_mark(struct sup_threads *t, pid_t tid, bool traced);
void sup_threads_free(struct sup_threads *t);

/* ---- stopping the world (world.c) ---- */

/* sup_thread.wstate */
enum {
	SUP_W_NONE = 0,		/* the loop's: running, or in a stop being handled */
	SUP_W_PENDING,		/* interrupted, its stop not seen yet */
	SUP_W_HELD,		/* stopped and held; resumed by sup_world_resume() */
	SUP_W_HELD_LISTEN,	/* held in a group-stop: PTRACE_LISTEN again at resume */
	SUP_W_RUN,		/* let go by a partial resume while others stay held */
};

/*
 * Stop every traced thread of the session that is running (all-stop);
 * threads already in a ptrace-stop that the loop has not resumed yet
 * (e.g. the one being served, named by except; 0 for none) stay as they
 * are.  Events that waitpid() returns meanwhile for other reasons (a
 * signal-delivery-stop, a new clone, an exit, a SIGSEGV map access) are
 * queued, not lost; the threads they belong to are in a ptrace-stop and
 * count as stopped.  New threads created meanwhile end up stopped too;
 * a thread in a group-stop is held in it; a thread blocked in vfork()
 * counts as stopped.  The stopped threads stay stopped until
 * sup_world_resume().  Returns 0, -EBUSY if the world is already
 * stopped with another scope, or -errno.
 */
int sup_world_stop(struct sup_session *s, pid_t except);
/*
 * The same for the threads of one scope: SUP_WORLD_PROCESS stops the
 * threads of the process of thread key, SUP_WORLD_MM the threads that
 * share key's address space (kcmp(KCMP_VM); the process where kcmp is
 * not available).  Threads outside the scope run on and their events
 * are handed to the loop as usual.  Stopping again with the same scope
 * while stopped stops the threads a partial resume let go.
 */
int sup_world_stop_scope(struct sup_session *s, pid_t except,
			 enum sup_world_scope scope, pid_t key);
/*
 * Resume what sup_world_stop() stopped, exactly as each was running
 * before: a thread stopped by PTRACE_INTERRUPT is PTRACE_CONT'ed with no
 * signal, one whose resume the loop deferred (sup_resume()) gets the
 * signal the loop meant to deliver, a thread in a group-stop is put back
 * into it with PTRACE_LISTEN, a thread with .step set is single-stepped.
 * Threads with .wstay set stay held (the world stays stopped for them).
 * Queued events are handed to the event loop by sup_wait(), in order.
 */
int sup_world_resume(struct sup_session *s);
/*
 * The caller has tid in a ptrace-stop (wait status status) and gives it
 * to the stopped world: it is held until sup_world_resume().
 */
void sup_world_hold(struct sup_session *s, pid_t tid, int status);
/* Is the world holding tid (stopped, its resume deferred)? */
bool sup_world_holds(struct sup_session *s, struct sup_thread *t);
/* Do threads a and b share an address space?  (kcmp; else: one process) */
bool sup_world_same_mm(struct sup_session *s, pid_t a, pid_t b);
/* world.c and world_queue.c: would the loop's resume of t be deferred now? */
bool sup_world_defers(struct sup_session *s, struct sup_thread *t);
/* world.c and world_queue.c: queue one waitpid() result. */
void sup_world_push(struct sup_session *s, pid_t tid, int status);
/* Does tid belong to the stopped world's scope? */
bool sup_world_member(struct sup_session *s, struct sup_thread *t);
/*
 * Take queued event i (s->world.queue[i]) out of the queue: its thread
 * stays in that stop, held, and is resumed with no signal.
 */
void sup_world_unqueue(struct sup_session *s, unsigned i);
/* Any queued event of a thread in the stopped world's scope? */
bool sup_world_queued(struct sup_session *s);
/*
 * The event loop's waitpid(-1, ..., __WALL | options): queued events
 * first.  While the world is stopped, events of held threads are queued
 * rather than returned, unless s->world.drain is set (then those of
 * threads without .wstay are returned, and their resumes deferred).
 */
pid_t sup_wait(struct sup_session *s, int *status);
pid_t sup_wait_opts(struct sup_session *s, int *status, int options);
/*
 * The loop's way to continue a tracee after a stop (PTRACE_CONT with
 * sig, or PTRACE_SINGLESTEP when .step is set), and to leave it in a
 * group-stop (PTRACE_LISTEN).  For a thread the stopped world holds, the
 * resume is recorded and done by sup_world_resume().
 */
void sup_resume(struct sup_session *s, pid_t tid, int sig);
void sup_listen(struct sup_session *s, pid_t tid);
/* A signalfd that is readable when SIGCHLD is pending (SIGCHLD blocked), or -errno. */
int sup_sigchld_fd(struct sup_session *s);
/* Read the signalfd empty (before a waitpid(WNOHANG) drain). */
void sup_sigchld_clear(struct sup_session *s);
/* Forget a thread's world state (it exited, or we let go of it). */
void sup_world_forget(struct sup_session *s, struct sup_thread *t);
void sup_world_free(struct sup_session *s);

/* ---- the event loop (loop.c) ---- */

/* One waitpid() result: decide and resume (sup_run() is sup_wait() + this). */
void sup_handle_event(struct sup_session *s, pid_t tid, int status);

/* ---- the gdb server's hooks (gdb_*.c; called only when s->gdb is set) ---- */

/*
 * A signal-delivery-stop of tid for sig, after the fault path: *deliver
 * is the signal the loop will continue with (0 after an emulated map
 * access).  Returns true if the server took the stop (the thread stays
 * stopped for gdb); it may change *deliver (a trap of its own is not the
 * program's).
 */
bool sup_gdb_signal(struct sup_session *s, pid_t tid, int sig, int *deliver);
/* After an emulated instruction of tid: watchpoints on the map. */
void sup_gdb_access(struct sup_session *s, pid_t tid, const struct regmap_emu_result *res);
/* A task has ended (waitpid status). */
void sup_gdb_exit(struct sup_session *s, pid_t tid, int status);
/*
 * tid has exec'd (it is in that stop): the old breakpoints are gone with
 * the old memory.  True if the stop was taken for gdb (an exec event).
 */
bool sup_gdb_exec(struct sup_session *s, pid_t tid, int status);
/* tid made child with a clone/fork/vfork event ev. */
void sup_gdb_new_task(struct sup_session *s, pid_t tid, pid_t child, int ev);
/* tid's vfork child has exec'd or exited. */
void sup_gdb_vfork_done(struct sup_session *s, pid_t tid);
/* t is about to be resumed (world.c): its debug registers. */
void sup_gdb_resuming(struct sup_session *s, struct sup_thread *t);
/* The event loop's wait while a client is there or awaited. */
pid_t sup_gdb_wait(struct sup_session *s, int *status);

/*
 * For the native-speed rewriter (doc/GDB.md section 11): does a gdb
 * watchpoint cover map offsets [off, off + len), does a gdb breakpoint
 * lie in code [addr, addr + len)?  Such a site must stay trapping.  Both
 * may be called with s->gdb NULL (false).
 */
bool sup_gdb_watched(struct sup_session *s, unsigned off, unsigned len);
bool sup_gdb_breakpoint_in(struct sup_session *s, uint64_t addr, uint64_t len);
/* regmap-run lets go of every thread (-p): end the gdb session first. */
void sup_gdb_shutdown(struct sup_session *s);

/* ---- --stats and --backtrace-on-access (stats.c, btsite.c) ---- */

struct sup_detail *sup_detail_new(void);
void sup_detail_free(struct sup_detail *d);
/* Count one emulated instruction with its map accesses. */
void sup_detail_count(struct sup_session *s, pid_t tid, uint64_t rip,
		      const struct regmap_emu_insn *insn,
		      const struct regmap_emu_result *res);
/* What became of the site at rip (enum sup_rw_state, enum sup_rw_why). */
void sup_detail_rewrite(struct sup_session *s, pid_t tid, uint64_t rip, unsigned state,
			unsigned why);
/* Time spent serving one SIGSEGV stop, in nanoseconds. */
void sup_detail_time(struct sup_session *s, uint64_t ns);
/* Of that time, ns went to finding symbol names: not part of the cost. */
void sup_detail_untime(struct sup_session *s, uint64_t ns);
/* Of that time, ns went to one attempt to rewrite a site: counted apart. */
void sup_detail_rewrite_time(struct sup_session *s, uint64_t ns);

/* Does the instruction at rip match a --backtrace-on-access site? */
bool sup_bt_site_match(struct sup_session *s, pid_t tid, uint64_t rip);

/* ---- /proc (proc.c) ---- */

/* The numeric value of a "Key:\tvalue" line of /proc/PID/status, or -errno. */
long sup_proc_status_long(pid_t pid, const char *key);

/* Has thread tid a CET shadow stack enabled (x86_Thread_features)? */
bool sup_proc_shadow_stack(pid_t tid);

/* Does thread tid have a handler for sig (SigCgt)?  false if unknown. */
bool sup_proc_sig_caught(pid_t tid, int sig);

/*
 * The state letter of /proc/TID/stat ('R', 'S', 'Z', ...), or 0 if gone;
 * *flags gets the task's flags (field 9) if flags is not NULL.
 */
char sup_proc_stat(pid_t tid, unsigned long *flags);
/*
 * /proc/TID/stat read into buf: a pointer to its fields from the third
 * (the state letter) on, past the command name, or NULL if it is gone.
 */
const char *sup_proc_stat_fields(pid_t tid, char *buf, size_t size);

/* The signal set on the "key:" line of /proc/TID/status (SigPnd, SigBlk, ...): 0 or -errno. */
int sup_proc_sigmask(pid_t tid, const char *key, uint64_t *mask);

struct sup_mapping {
	uint64_t start, end;
	char perms[5];		/* "r-xp" */
	char path[256];		/* "" for anonymous mappings */
};

/* The mapping of pid that contains addr: 0, -ENOENT, or -errno. */
int sup_proc_find_mapping(pid_t pid, uint64_t addr, struct sup_mapping *m);

/* Feed pid's /proc/PID/maps to n (near.h) and finish it: 0 or -errno. */
struct regmap_near;
int sup_proc_near(pid_t pid, struct regmap_near *n);
/*
 * What pid's mappings at [site, site + len) allow (enum
 * regmap_near_code), from PROCMAP_QUERY; -1 if the kernel cannot say so.
 */
int sup_proc_code(pid_t pid, uint64_t site, unsigned len);

/* ---- per-process records (procs.c) ---- */

/* Instructions found in the target (codefind.c) */
enum sup_code {
	SUP_CODE_SYSCALL,	/* syscall: 0f 05 */
	SUP_CODE_POPF,		/* popfq: 9d */
	SUP_CODE_N
};

/* struct sup_proc.segv_src: where the shadow of the SIGSEGV action comes from */
enum {
	SUP_SEGV_NONE,		/* nowhere: not known */
	SUP_SEGV_FILTER,	/* followed from the start (the seccomp filter) */
	SUP_SEGV_ATTACH,	/* read when regmap-run attached (-p) */
	SUP_SEGV_PENDING,	/* -p: to be read at the next interrupt stop of segv_read_tid */
};

/* rt_sigaction's struct on x86-64 */
struct sup_ksigaction {
	uint64_t handler;	/* or SIG_DFL (0), SIG_IGN (1) */
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct sup_proc {
	pid_t tgid;		/* 0: empty slot, -1: deleted */
	uint64_t code[SUP_CODE_N];	/* where each is, 0: not known */
	/* the program's SIGSEGV action (sigshadow.c) */
	struct sup_ksigaction segv;
	uint8_t segv_src;	/* SUP_SEGV_* */
	bool segv_caught_seen;	/* SUP_SEGV_NONE: sigcatch had SIGSEGV at the last look */
	bool segv_warned;	/* something about it was said */
	pid_t segv_read_tid;	/* SUP_SEGV_PENDING */
	bool segv_asked;	/* ... and interrupted */
	int stat_fd;		/* /proc/TGID/stat, or -1 */
};

/* The record of process tgid; with add, create it (NULL only if out of memory). */
struct sup_proc *sup_proc_get(struct sup_session *s, pid_t tgid, bool add);
/* The records one by one: start with *i = 0; NULL at the end. */
struct sup_proc *sup_proc_next(struct sup_session *s, unsigned *i);
/* tgid exec'd: forget what belonged to its old address space. */
void sup_proc_exec(struct sup_session *s, pid_t tgid);
/* tgid ended. */
void sup_proc_gone(struct sup_session *s, pid_t tgid);
void sup_procs_free(struct sup_session *s);

/*
 * The address of an instruction (its bytes) in an executable mapping of
 * tid's process, or 0 if there is none (codefind.c).
 */
uint64_t sup_find_code(struct sup_session *s, pid_t tid, enum sup_code which);

/* ---- address spaces and their rewritten sites (aspace.c) ---- */

/* What became of a site (struct sup_rw_site.state). */
enum sup_rw_state {
	SUP_RW_COUNTING = 0,	/* emulated; rewritten when its count reaches the threshold */
	SUP_RW_INPLACE,		/* rewritten: one native instruction */
	SUP_RW_STUB,		/* rewritten: a jump to a stub */
	SUP_RW_KEPT,		/* stays trapping (why) */
};

/*
 * Why a site is not rewritten: the rewriter's reasons (enum
 * regmap_rw_reason), then the supervisor's own.  The transient ones
 * (SUP_RW_WHY_BUSY and up) leave the site SUP_RW_COUNTING: it is tried
 * again at its next trap.
 */
enum sup_rw_why {
	SUP_RW_WHY_OFF = 64,	/* --no-rewrite */
	SUP_RW_WHY_TRACE,	/* --trace sees every access */
	SUP_RW_WHY_BT,		/* --backtrace-on-access sees this site */
	SUP_RW_WHY_WATCH,	/* a gdb watchpoint on the map bytes it touches */
	SUP_RW_WHY_BREAK,	/* a gdb breakpoint inside its bytes */
	SUP_RW_WHY_CODE,	/* +enum regmap_near_code: where the code is */
	SUP_RW_WHY_WRITE = SUP_RW_WHY_CODE + 8,	/* the kernel refused to write the code */
	SUP_RW_WHY_PAGE,	/* no page for stubs within 2 GiB */
	SUP_RW_WHY_SHSTK,	/* the thread has a CET shadow stack */
	SUP_RW_WHY_BUSY,	/* transient: a thread could not be stopped, or gdb holds them */
	SUP_RW_WHY_INSIDE,	/* transient: a thread stood inside the bytes */
	SUP_RW_WHY_STEP,	/* transient: executed with TF set (single-stepping) */
	SUP_RW_WHY_UNKNOWN,	/* transient: the thread's address space is not known yet */
};

/* One site of an address space: an instruction that accessed the map. */
struct sup_rw_site {
	uint64_t rip;			/* 0: empty */
	uint64_t count;			/* emulated executions */
	uint64_t stub;			/* SUP_RW_STUB: its slot */
	uint8_t state;			/* enum sup_rw_state */
	uint8_t why;			/* SUP_RW_KEPT, or the last transient reason */
	uint8_t len;
	uint8_t orig[REGMAP_EMU_MAX_INSN];	/* the instruction (what the count is of) */
	uint8_t bytes[REGMAP_EMU_MAX_INSN];	/* rewritten: what replaced it */
	uint8_t map_off, map_len;		/* rewritten: the map bytes it touches */
	uint8_t nrewind;			/* rewritten: its rewind points */
	struct regmap_rw_rewind rewind[REGMAP_RW_MAX_REWIND];
};

/*
 * An address space: the tasks sharing one mm (a process's threads, and a
 * vfork child or CLONE_VM task while it shares it), its sites and the
 * pages holding its stubs.  A fork child gets a copy, exec a new one.
 */
struct sup_as {
	struct sup_as *next;		/* the session's list */
	unsigned refs;			/* traced tasks in it */
	struct sup_rw_site *site;	/* open addressing by rip */
	unsigned size, used;
	uint64_t *page;			/* stub pages (REGMAP_RW_STUB_MAX slots each) */
	uint8_t *page_used;		/* slots handed out per page */
	unsigned npage, page_cap;
	unsigned planted;		/* rewritten sites with rewind points */
};

/* Assign tid an address space: a new one (launch, attach: one per process). */
int sup_as_start(struct sup_session *s, pid_t tid);
/* The parent's clone/fork/vfork event: the child shares or copies its space. */
void sup_as_clone(struct sup_session *s, pid_t parent, pid_t child);
/* tid exec'd (former: its id before, if another thread of the process exec'd). */
void sup_as_exec(struct sup_session *s, pid_t tid, pid_t former);
/* tid is gone (exited, or let go). */
void sup_as_drop(struct sup_session *s, pid_t tid);
/* tid's address space, or NULL if not known (yet). */
struct sup_as *sup_as_of(struct sup_session *s, pid_t tid);
/* The site at rip, or NULL; with add, create it (NULL only if out of memory). */
struct sup_rw_site *sup_as_site(struct sup_as *as, uint64_t rip, bool add);
/* A new stub page at page (mapped by the caller): 0 or -ENOMEM. */
int sup_as_add_page(struct sup_as *as, uint64_t page);
void sup_as_free_all(struct sup_session *s);

/* ---- native-speed sites (rewrite.c, doc/REWRITE.md section 6) ---- */

/*
 * Before emulating the nbytes code bytes read at rip: if rip is a site
 * this session rewrote and the bytes are its replacement (a thread that
 * faulted on the original before the change), put the original back in
 * bytes.  Returns the number of valid bytes.
 */
size_t sup_rw_orig(struct sup_session *s, pid_t tid, uint64_t rip, uint8_t *bytes, size_t nbytes);
/*
 * After emulating a constant-address instruction at rip (insn, decoded
 * from bytes; rflags as it started): count it, maybe rewrite it.
 */
void sup_rw_after(struct sup_session *s, pid_t tid, uint64_t rip,
		  const struct regmap_emu_insn *insn, const uint8_t *bytes, uint64_t rflags);
/*
 * A real fault (si) of tid, whose registers are *ur: if rip is inside
 * planted code, move the thread back to its site (in *ur and with
 * PTRACE_SETREGS), put the original instruction in bytes, and return its
 * length (else 0).
 */
size_t sup_rw_rewind(struct sup_session *s, pid_t tid, const siginfo_t *si,
		     struct user_regs_struct *ur, uint8_t *bytes);
/* Is there planted code with rewind points anywhere in the session? */
bool sup_rw_planted(const struct sup_session *s);
/*
 * Put back the original instruction of every rewritten site of tid's
 * address space that touches map bytes [off, off + len) (a gdb
 * watchpoint inserted on them), or whose bytes overlap [addr, addr +
 * len) (sup_rw_revert_range: a breakpoint there).  The caller has
 * stopped every task of that address space.  Returns the number of sites
 * put back, or -errno.
 */
int sup_rw_revert_offsets(struct sup_session *s, pid_t tid, unsigned off, unsigned len);
int sup_rw_revert_range(struct sup_session *s, pid_t tid, uint64_t addr, uint64_t len);
/* A short English description of why. */
const char *sup_rw_why_str(unsigned why);

/* ---- the event loop's bookkeeping (loop.c) ---- */

/* Thread tid ended with wait status status (for code that waits for tid itself). */
void sup_note_exit(struct sup_session *s, pid_t tid, int status);

/* ---- system calls run in a stopped thread (inject.c) ---- */

/*
 * tid is in a PTRACE_EVENT_SECCOMP stop of one of the program's own
 * filters (SECCOMP_RET_TRACE): do what the kernel does when no tracer
 * asked for those stops, fail the call with ENOSYS.
 */
void sup_seccomp_untraced(pid_t tid);

/*
 * SECCOMP_RET_DATA of regmap-run's own seccomp filter: a
 * PTRACE_EVENT_SECCOMP stop with another value comes from one of the
 * program's filters.
 */
#define SUP_SECCOMP_DATA	0x5247

/*
 * Run system call nr(args[0..5]) in thread tid, which must be in one of
 * these ptrace-stops:
 *   a signal-delivery-stop (such as the SIGSEGV being served): on return
 *     the thread is in a signal-delivery-stop again, with the same
 *     siginfo, to be continued with the same signal (or 0) as before;
 *   PTRACE_EVENT_STOP (after PTRACE_INTERRUPT, a new task's first stop,
 *     a group-stop): on return it is in a PTRACE_EVENT_STOP again;
 *   PTRACE_EVENT_EXEC: on return it is in the exit-stop of the injected
 *     call; continue it with PTRACE_CONT and no signal (read the event
 *     message first).
 * A system call the thread was in when it stopped is restarted or not
 * exactly as it would have been.  The thread's registers and signal mask
 * are as before (every signal but SIGSYS is blocked during the call, so
 * no handler of the program runs); other threads' events are not
 * consumed.  The thread must have been seized with
 * PTRACE_O_TRACESYSGOOD; Linux 5.3 or later (PTRACE_GET_SYSCALL_INFO).
 *
 * *ret gets the call's return value: a negative errno is a result, not a
 * failure; a call a seccomp filter of the target denies gives the errno
 * it chose, one it traps (SIGSYS) is not run and gives -ENOSYS (the
 * SIGSYS is discarded; if the program ignores SIGSYS, the kernel resets
 * that to SIG_DFL, as for any forced signal), and one it kills kills the
 * thread.
 *
 * Returns 0, or -ESRCH (the thread is gone; its exit was noted with
 * sup_note_exit()), -ENOSYS (no `syscall` instruction found in its
 * address space), -EBUSY (a stop not listed above, or a thread inside a
 * call with a temporary signal mask, see inject.c), -EINVAL (32-bit code).
 */
int sup_inject_syscall(struct sup_session *s, pid_t tid, long nr, const long args[6], long *ret);

/* ---- signal actions of the target (sigact.c) ---- */

/*
 * rt_sigaction(sig, act, old) run in stopped thread tid (either pointer
 * may be NULL), with the structs in scratch memory of the thread (its
 * stack below the red zone, put back afterwards).  Returns the call's
 * result (0 or its negative errno) or sup_inject_syscall()'s error.
 */
int sup_inject_sigaction(struct sup_session *s, pid_t tid, int sig,
			 const struct sup_ksigaction *act, struct sup_ksigaction *old);

/*
 * tid is about to get sig from the CPU (SIGFPE of an emulated division,
 * SIGTRAP after a single-stepped one): the kernel forces such signals,
 * so if sig is blocked or ignored, make it SIG_DFL and unblocked, as
 * force_sig_info_to_task() would.  0, or a negative errno.
 */
int sup_force_signal(struct sup_session *s, pid_t tid, int sig);

/* ---- the program's SIGSEGV action kept through map accesses (sigshadow.c) ---- */

/* In the launched child before its execve: the filter that stops at rt_sigaction(SIGSEGV, act). */
int sup_segv_filter_install(void);
/* The launched program's first exec succeeded; filtered: the filter is in place. */
void sup_segv_launched(struct sup_session *s, pid_t pid, bool filtered);
/* A PTRACE_EVENT_SECCOMP stop of ours: read the new action. */
void sup_segv_seccomp(struct sup_session *s, pid_t tid);
/* A fork/vfork/clone of parent made a new process: it inherits the action. */
void sup_segv_new_process(struct sup_session *s, pid_t parent, pid_t child);
/* tid exec'd: the kernel's reset of handlers. */
void sup_segv_exec(struct sup_session *s, pid_t tid);
/* SIGSEGV is being delivered to tid's handler (SA_RESETHAND). */
void sup_segv_delivered(struct sup_session *s, pid_t tid);
/*
 * A map access was served at tid's SIGSEGV stop and no SIGSEGV goes to
 * the program: undo what forcing the fault did to its SIGSEGV action and
 * mask.  0, or -ESRCH.
 */
int sup_segv_after_access(struct sup_session *s, pid_t tid);
/* -p: read process tgid's action at thread tid's next interrupt stop. */
void sup_segv_attach(struct sup_session *s, pid_t tgid, pid_t tid);
/* sup_run() starts: ask for the interrupt stops the reads of sup_segv_attach() need. */
void sup_segv_start(struct sup_session *s);
/* tid is in a PTRACE_EVENT_STOP (not a group-stop): a pending read of -p. */
void sup_segv_event_stop(struct sup_session *s, pid_t tid);

/*
 * Give stopped thread tid (in a signal-delivery-stop) the ID flag id:
 * only a popf of its own can (idflag.c).  Its registers, mask and
 * siginfo stay as they were.  0, or a negative errno (-ENOSYS: no popf
 * byte in its code).
 */
int sup_set_id_flag(struct sup_session *s, pid_t tid, bool id);

#endif /* REGMAP_SUP_INTERNAL_H */
