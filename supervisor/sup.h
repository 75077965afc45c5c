/*
 * regmap supervisor: runs a program under ptrace and serves its accesses
 * to the register map with the emulator (doc/DESIGN.md, section 7).
 *
 * This is the interface src/regmap-run.c uses.  The supervisor never
 * prints and never exits: every message goes through the report callback
 * in struct sup_config, and every function returns 0 or a negative errno.
 */
#ifndef REGMAP_SUP_H
#define REGMAP_SUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emu.h"

/* Name of the variable that tells libregmap it runs under regmap-run. */
#define SUP_ENV_RUN_PID		"REGMAP_RUN_PID"

/* struct sup_config.cpu: choose a CPU (the one regmap-run runs on) / don't pin. */
#define SUP_CPU_AUTO		(-1)
#define SUP_CPU_NONE		(-2)

enum sup_msg {
	SUP_MSG_FAULT,		/* first line of a real-fault report */
	SUP_MSG_FRAME,		/* one backtrace line of that report */
	SUP_MSG_TRACE,		/* one emulated access (--trace) */
	SUP_MSG_WARNING,	/* something odd that does not stop the run */
	SUP_MSG_INFO,		/* attach/detach notices, the --stats summary */
	SUP_MSG_ACCESS_BT,	/* first line of a --backtrace-on-access report */
	SUP_MSG_GDB,		/* the gdb server's notices: for the person at the terminal */
};

/* struct sup_config.gdb */
#define SUP_GDB_START		1	/* hold the program at its start, wait for gdb */
#define SUP_GDB_FAULT		2	/* at a real fault, hold it there and wait for gdb */

/* struct sup_config.trace_format */
enum sup_trace_format {
	SUP_TRACE_TEXT,		/* one human-readable line per access */
	SUP_TRACE_JSON,		/* one JSON object per line */
};

struct sup_config {
	bool follow_forks;	/* trace fork/vfork children (threads always) */
	bool trace;		/* report every emulated instruction */
	enum sup_trace_format trace_format;
	bool stats;		/* count accesses per register, site, thread; time them */
	/*
	 * Backtrace at accesses whose instruction is at one of these
	 * sites: "all", a symbol, "symbol+off" or an address (0x...).
	 */
	const char *const *bt_sites;
	unsigned n_bt_sites;
	bool quiet;		/* no fault reports (signals are still delivered) */
	/*
	 * --map-addressing=absolute: only an instruction whose address is a
	 * constant ([disp32], moffs: regmap_emu_insn_const_addr()) accesses
	 * the map; one computed from registers (p->b with p == NULL) is a
	 * real fault.
	 */
	bool map_absolute;
	/*
	 * Native-speed sites (doc/REWRITE.md): a constant-address map site
	 * is rewritten into native code at its rewrite_threshold-th
	 * emulated execution (0 means 1), unless no_rewrite.
	 */
	bool no_rewrite;
	unsigned rewrite_threshold;
	int cpu;		/* CPU for tracer and target, or SUP_CPU_AUTO/NONE */
	/* the gdb server (doc/GDB.md): SUP_GDB_START and/or SUP_GDB_FAULT, or 0 */
	int gdb;
	int gdb_port;		/* 127.0.0.1 port; 0: any free one */
	int gdb_fd;		/* SUP_GDB_START: the socket sup_gdb_bind() made */
	const char *gdb_program;	/* PROGRAM as the user named it (the line to paste) */
	/* Receives every message; text has no "regmap-run:" prefix, no newline. */
	void (*report)(void *ctx, enum sup_msg kind, const char *text);
	void *report_ctx;
};

/* What went wrong in sup_launch(), for src/ to explain. */
enum sup_stage {
	SUP_STAGE_NONE = 0,
	SUP_STAGE_SETUP,	/* pipe, fork, affinity, environment */
	SUP_STAGE_SEIZE,	/* PTRACE_SEIZE of the new child failed */
	SUP_STAGE_EXEC,		/* execve() of the program failed in the child */
};

struct sup_launch_error {
	enum sup_stage stage;
	int err;		/* positive errno */
	pid_t tracer_pid;	/* SEIZE: the child's TracerPid if another tracer got it first */
};

struct sup_stats {
	uint64_t emulated;	/* instructions emulated */
	uint64_t cache_hits;	/* of which the decode cache already knew */
	uint64_t signals;	/* signals delivered to tracees */
	uint64_t faults;	/* real faults reported or delivered */
};

struct sup_cache;
struct sup_symcache;
struct sup_symbols;
struct sup_detail;
struct sup_procs;
struct sup_gdb;
struct sup_as;

/* sup_session.last_fault: the last SIGSEGV stop the fault path saw */
enum {
	SUP_FAULT_NONE,		/* a map access emulated, or not a fault (kill()) */
	SUP_FAULT_OTHER,	/* a real fault that does not involve the map */
	SUP_FAULT_MAP,		/* a real fault at a map access (always reported) */
};

/* A traced thread (threads.c). */
struct sup_thread {
	pid_t tid;		/* 0: empty slot, -1: deleted */
	pid_t tgid;		/* its process, 0 until someone needs it */
	bool traced;		/* still traced by us (false once it exited or we let go) */
	bool let_go;		/* sup_detach_all() detached it (tgid is then known) */
	uint64_t accesses;	/* emulated map instructions (--stats) */
	struct sup_as *as;	/* its address space (aspace.c), NULL if not known */
	/* stopping the world (world.c) */
	uint8_t wstate;		/* SUP_W_* */
	bool wsds;		/* held in a signal-delivery-stop (wsig can go with the resume) */
	bool wstay;		/* stays held at sup_world_resume() */
	bool in_vfork;		/* blocked in vfork() until its child execs or exits */
	bool wmember;		/* in the scope of the stop numbered wgen */
	unsigned wgen;
	unsigned wqueued;	/* events of it in the world's queue */
	int wsig;		/* signal to deliver when the world resumes it */
	/* the gdb server (gdb_*.c) */
	bool step;		/* resume with PTRACE_SINGLESTEP */
	unsigned drgen;		/* debug registers applied (gdb_watch.c) */
};

/* One waitpid() result the world queued (world.c). */
struct sup_event {
	pid_t tid;
	int status;
};

/* Which threads sup_world_stop_scope() stops. */
enum sup_world_scope {
	SUP_WORLD_ALL,		/* every traced thread of the session */
	SUP_WORLD_PROCESS,	/* the threads of one process (thread group) */
	SUP_WORLD_MM,		/* the threads sharing one address space */
};

struct sup_world {
	bool stopped;		/* some threads are held */
	bool drain;		/* sup_wait() hands out queued events of held threads */
	enum sup_world_scope scope;
	pid_t key;		/* scope's process id or thread id */
	pid_t except;		/* the thread the caller of the last stop holds */
	unsigned gen;		/* bumped at each stop: invalidates sup_thread.wmember */
	struct sup_event *queue;
	unsigned qhead, qlen, qcap;
	int sigfd;		/* signalfd for SIGCHLD, or -1 until needed */
};

struct sup_threads {
	struct sup_thread *slot;
	unsigned size;		/* a power of two, or 0 */
	unsigned used;		/* slots ever used (live + deleted) */
	unsigned live;
};

struct sup_session {
	struct sup_config cfg;
	pid_t pid;		/* the launched program (its first process) */
	int pinned_cpu;		/* CPU the tracer is pinned to, or -1 */
	bool exec_done;		/* the program's first execve() succeeded */
	bool pid_done;		/* status below is valid */
	int status;		/* wait status of pid */
	struct sup_cache *cache;
	void *xbuf;		/* XSAVE area for vector instructions, or NULL */
	size_t xsize;
	struct sup_stats stats;
	/* -p: attached, not launched; set by sup_attach() */
	bool attached;
	/* regmap-run sets *detach (from a signal handler) to make sup_run() let go */
	volatile sig_atomic_t *detach;
	unsigned detached;	/* threads sup_detach_all() let go */
	struct sup_threads threads;
	struct sup_symcache *syms;	/* symbol names for --trace, --stats, backtraces */
	struct sup_symbols *symbols;	/* symbol tables, loaded at the first name needed */
	struct sup_detail *detail;	/* --stats counters, or NULL */
	uint64_t *bt_hits;	/* accesses each --backtrace-on-access site matched */
	struct sup_procs *procs;	/* per-process records (procs.c) */
	struct sup_as *aspaces;		/* address spaces (aspace.c) */
	unsigned rw_planted;		/* rewritten sites with rewind points, all spaces */
	struct sup_world world;		/* stopping every thread (world.c) */
	struct sup_gdb *gdb;		/* the gdb server, or NULL */
	bool exec_held;			/* launch left the program at its exec stop (--gdb) */
	int last_fault;			/* SUP_FAULT_* */
};

/*
 * Start path (a resolved file name) with argv and envp, traced, with
 * REGMAP_RUN_PID added to its environment.  Returns when the program's
 * execve() has succeeded (the program is then running) or failed.  On
 * error, *err says at which stage and why, and no child is left behind.
 */
int sup_launch(struct sup_session *s, const struct sup_config *cfg,
	       const char *path, char *const argv[], char *const envp[],
	       struct sup_launch_error *err);

/*
 * Serve the program until every traced task has exited (or, after
 * sup_attach(), until *s->detach is set and every thread is let go).
 * Then, in launch mode, s->status holds the wait status of the
 * program's first process.
 */
int sup_run(struct sup_session *s);

/* What went wrong in sup_attach(), for src/ to explain. */
struct sup_attach_error {
	int err;		/* positive errno of PTRACE_SEIZE, or ESRCH */
	bool zombie;		/* the process has exited, its parent did not reap it */
	bool kthread;		/* a kernel thread: no user space to serve */
	pid_t tracer_pid;	/* another tracer already has it */
	/*
	 * This session already serves the process (the pid given twice, or
	 * a thread of a process attached before): err is EALREADY.
	 */
	bool duplicate;
	pid_t tgid;		/* the process pid belongs to, once known */
};

/*
 * Set up a session for sup_attach() (launch mode does this itself):
 * no CPU placement, as the program's threads already run where they run.
 */
int sup_session_init(struct sup_session *s, const struct sup_config *cfg);

/*
 * Attach to every thread of process pid (or of the process thread pid
 * belongs to) with PTRACE_SEIZE, rescanning
 * /proc/PID/task until no new thread appears; *nthreads gets the count.
 * Several processes may be attached to one session; one already
 * attached is refused with -EALREADY (err->duplicate) and stays served.
 * On other failures no thread of pid stays attached.
 */
int sup_attach(struct sup_session *s, pid_t pid, unsigned *nthreads,
	       struct sup_attach_error *err);

/*
 * Let go of every traced thread (sup_run() calls it when *s->detach is
 * set): each is interrupted and detached with the signal it was about
 * to receive, except a map access, which is emulated first; a process
 * in a group-stop stays stopped.  Returns the number of threads let go.
 */
int sup_detach_all(struct sup_session *s);

/* What sup_bt_sites_check() found for one --backtrace-on-access site. */
enum sup_site_state {
	SUP_SITE_OK,		/* all, an address, or a function (the offset inside it) */
	SUP_SITE_EMPTY,		/* "" */
	SUP_SITE_BAD_ADDRESS,	/* starts with a digit, but is not a number */
	SUP_SITE_BAD_OFFSET,	/* function+off, off at or past its end (size) */
	SUP_SITE_NOT_FOUND,	/* no such function in the program (or processes) */
};

struct sup_site_check {
	enum sup_site_state state;
	uint64_t size;		/* SUP_SITE_BAD_OFFSET: the function's size */
};

/*
 * Check --backtrace-on-access sites before the run: against the
 * program file exe (its libraries are not loaded yet), or, with exe
 * NULL, against the running processes pids[0..npids) and every library
 * they have loaded.  out[i] is the verdict on sites[i].
 */
void sup_bt_sites_check(const char *const *sites, unsigned n, const char *exe,
			const pid_t *pids, unsigned npids, struct sup_site_check *out);

/* At the end: a warning (SUP_MSG_WARNING) for each site that matched no access. */
void sup_bt_sites_report(struct sup_session *s);

/*
 * Listen on 127.0.0.1:port (0: a free port) for gdb; returns the socket
 * (for struct sup_config.gdb_fd) and the port in *bound, or -errno.
 */
int sup_gdb_bind(int port, int *bound);

/* Emit the --stats summary (SUP_MSG_INFO lines). */
void sup_stats_report(struct sup_session *s);

/* Release what sup_launch() or sup_session_init() allocated. */
void sup_session_free(struct sup_session *s);

/*
 * Choose and apply the CPU placement for cfg->cpu: pin the calling
 * process (the tracer) to one CPU and return it, or return -1 if
 * placement is off.  -EINVAL if cfg->cpu is not a CPU we may run on.
 */
int sup_cpu_place(const struct sup_config *cfg);

#endif /* REGMAP_SUP_H */
