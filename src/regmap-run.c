/*
 * regmap-run: run an x86-64 program with its registers mapped at address
 * 0 (regmap-run(1), regmap(7)).
 *
 * This file is the command: options, messages, signals sent to
 * regmap-run, and the exit status.  The tracing is in supervisor/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "in_process.h"
#include "run_attach.h"
#include "run_check.h"
#include "run_output.h"
#include "sup.h"

extern char **environ;

static volatile pid_t target_pid;

#define MAX_BT_SITES	64

static void usage(FILE *f)
{
	fprintf(f,
"Usage: regmap-run [OPTIONS] [--] PROGRAM [ARGS...]\n"
"       regmap-run [OPTIONS] -p PID [-p PID...]\n"
"Run PROGRAM with its registers mapped at address 0: an access to bytes\n"
"0x0-0x8f reads or writes rax, rcx, ..., r15, rip, rflags (see regmap(7)).\n"
"\n"
"  -p, --attach=PID    serve the running process PID and all its threads;\n"
"                      Ctrl-C, SIGTERM or SIGHUP detach (then its map\n"
"                      accesses fault for real)\n"
"  -f, --follow        trace children made by fork and vfork (the default)\n"
"      --no-follow     do not trace fork/vfork children (threads always are)\n"
"  -t, --trace[=FILE]  print every map access: thread, R/W, size, offset,\n"
"                      register, value, instruction, rip <symbol+offset>;\n"
"                      -tFILE: FILE attached (a separate word is PROGRAM)\n"
"      --trace-format=text|json  json: one JSON object per line\n"
"      --backtrace-on-access=SITE  a backtrace at each access from SITE:\n"
"                      all, a function, function+offset or an address\n"
"      --map-addressing=any|absolute  absolute: only an address written in the\n"
"                      instruction ([0x10]) is the map; one computed from\n"
"                      registers ([rdx+8], a null pointer's member) is a\n"
"                      real fault.  any (the default): both are the map\n"
"      --no-rewrite    keep every map access trapping: do not turn sites with\n"
"                      a constant address ([0x10]) into native code\n"
"      --rewrite-threshold=N  rewrite such a site at its Nth emulated\n"
"                      execution (default 1: the first)\n"
"  -q, --quiet         do not report real faults (the signals still arrive)\n"
"  -o, --output=FILE   write reports and the trace to FILE, not stderr\n"
"  -c, --cpu=N         run regmap-run and PROGRAM on CPU N\n"
"      --no-pin        do not pin regmap-run and PROGRAM to one CPU\n"
"      --in-process    no supervisor: run PROGRAM with libregmap preloaded\n"
"                      (dynamically linked programs only; see regmap(3))\n"
"  -s, --stats         at exit, accesses per register, site and thread,\n"
"                      real faults, and the cost per access\n"
"      --gdb[=PORT]    serve gdb on 127.0.0.1:PORT (a free port if none):\n"
"                      PROGRAM waits before its first instruction (with -p:\n"
"                      where it is) until gdb connects; the map shows as\n"
"                      memory at 0x0-0x8f and can be watched\n"
"      --gdb-on-fault[=PORT]  run normally; at a real fault, stop at the\n"
"                      faulting instruction and wait for gdb\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"Exit status: PROGRAM's own; if PROGRAM was killed by a signal, regmap-run\n"
"kills itself with the same signal.  125: regmap-run failed (bad usage,\n"
"ptrace not permitted), or PROGRAM exited 0 but reports or trace could not\n"
"be written (said once on stderr).  126: PROGRAM cannot be executed (not\n"
"executable, not an x86-64 program), 127: PROGRAM not found.  With -p: 0\n"
"after a detach or when every attached process has exited, 125 if none\n"
"could be attached to.\n");
}

/*
 * Ctrl-C, Ctrl-\ and a terminal hangup reach the whole foreground process
 * group, so the program already has its copy: regmap-run ignores those
 * and keeps serving it, as strace does.  The same signals sent to
 * regmap-run alone by kill(1) are passed on to the program.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code <= 0 && target_pid > 0)
		kill(target_pid, sig);
}

static void setup_signals(void)
{
	static const int forward[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forward) / sizeof(forward[0]); i++)
		sigaction(forward[i], &sa, NULL);
	/*
	 * A report written from the background must not stop regmap-run
	 * while the program waits in a ptrace stop.  SIGTSTP keeps its
	 * default: Ctrl-Z stops regmap-run together with the program, so the
	 * shell's job control sees the job stop and fg continues both.
	 */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Leave as the program left: its exit code, or death by its signal;
 * RUN_EXIT_FAILURE if it succeeded but reports or trace were lost.
 */
static __attribute__((noreturn)) void exit_like(int status)
{
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status) == 0 && run_output_lost() ? RUN_EXIT_FAILURE :
		     WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit none = { 0, 0 };
		sigset_t set;

		/* the program may have dumped core; regmap-run must not add one */
		setrlimit(RLIMIT_CORE, &none);
		fflush(NULL);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		/* a signal whose default is not to die cannot have killed it */
		exit(128 + sig);
	}
	exit(RUN_EXIT_FAILURE);
}

/* --in-process: exec PROGRAM with libregmap preloaded; returns only to fail. */
static __attribute__((noreturn)) void run_in_process(char *const argv[])
{
	char err[1024];
	int ret = regmap_run_in_process(argv, NULL, err, sizeof(err));

	run_die(ret == -ENOENT ? RUN_EXIT_NOT_FOUND :
	    ret == -ELIBACC ? RUN_EXIT_FAILURE : RUN_EXIT_CANNOT_EXEC, "%s", err);
}

/*
 * --backtrace-on-access: a site that cannot be right is an error before
 * anything runs; a function that is not there (yet) is a warning, and
 * sup_bt_sites_report() warns at the end about sites that never matched.
 * exe: the program file (launch), else the processes pids (attach).
 */
static void check_sites(const struct sup_config *cfg, const char *exe, const char *name,
			const pid_t *pids, unsigned npids)
{
	struct sup_site_check out[MAX_BT_SITES];
	char msg[1024];

	sup_bt_sites_check(cfg->bt_sites, cfg->n_bt_sites, exe, pids, npids, out);
	for (unsigned i = 0; i < cfg->n_bt_sites; i++) {
		const char *site = cfg->bt_sites[i];

		switch (out[i].state) {
		case SUP_SITE_OK:
			break;
		case SUP_SITE_EMPTY:
			run_die(RUN_EXIT_FAILURE, "--backtrace-on-access: an empty site: give all, "
				"a function, function+offset or an address");
		case SUP_SITE_BAD_ADDRESS:
			run_die(RUN_EXIT_FAILURE, "--backtrace-on-access=%s: not an address (a site "
				"that starts with a digit is an address: 0x401136 or 4198710)", site);
		case SUP_SITE_BAD_OFFSET:
			run_die(RUN_EXIT_FAILURE, "--backtrace-on-access=%s: %.*s is only %llu "
				"bytes long (offsets 0 to %llu)", site, (int)strcspn(site, "+"),
				site, (unsigned long long)out[i].size,
				(unsigned long long)out[i].size - 1);
		case SUP_SITE_NOT_FOUND:
			if (exe)
				snprintf(msg, sizeof(msg), "--backtrace-on-access=%s: %s has no "
					 "function %.*s: the site can only match in a library it "
					 "loads", site, name, (int)strcspn(site, "+"), site);
			else
				snprintf(msg, sizeof(msg), "--backtrace-on-access=%s: no function "
					 "%.*s in pid %s or its libraries: the site can only match "
					 "in code loaded later", site, (int)strcspn(site, "+"), site,
					 name);
			run_say("warning: ", msg);
			break;
		}
	}
}

/* getopt values of the long options without a letter */
enum { OPT_NO_FOLLOW = 256, OPT_NO_PIN, OPT_IN_PROCESS, OPT_TRACE_FORMAT, OPT_BT_ACCESS,
       OPT_MAP_ADDRESSING, OPT_GDB, OPT_GDB_FAULT, OPT_NO_REWRITE, OPT_REWRITE_THRESHOLD };

/*
 * Options that only the supervisor carries out, by their getopt value:
 * given with --in-process (no supervisor) or -p (some of them), they do
 * nothing, and regmap-run says so.
 */
static const struct {
	int opt;
	const char *name;
	bool with_attach;	/* still meaningful with -p */
} sup_only[] = {
	{ 't', "--trace", true },
	{ OPT_TRACE_FORMAT, "--trace-format", true },
	{ OPT_BT_ACCESS, "--backtrace-on-access", true },
	{ 's', "--stats", true },
	{ 'q', "--quiet", true },
	{ 'o', "--output", true },
	{ 'f', "--follow", true },
	{ OPT_NO_FOLLOW, "--no-follow", true },
	{ 'c', "--cpu", false },
	{ OPT_NO_PIN, "--no-pin", false },
	/* libregmap rewrites at the first execution (--no-rewrite it has) */
	{ OPT_REWRITE_THRESHOLD, "--rewrite-threshold", true },
};
#define N_SUP_ONLY	(sizeof(sup_only) / sizeof(sup_only[0]))

static bool given[N_SUP_ONLY];

static void note_given(int opt)
{
	for (unsigned i = 0; i < N_SUP_ONLY; i++)
		if (sup_only[i].opt == opt)
			given[i] = true;
}

/* Warn about each option given that does nothing in this mode. */
static void warn_unused(bool attach, const char *why)
{
	char msg[512];

	for (unsigned i = 0; i < N_SUP_ONLY; i++)
		if (given[i] && (!attach || !sup_only[i].with_attach)) {
			snprintf(msg, sizeof(msg), "%s does nothing %s", sup_only[i].name, why);
			run_say("warning: ", msg);
		}
}

/* A usage error: "regmap-run: -x is not an option ..." and where to look. */
static __attribute__((noreturn)) void bad_option(const char *word, int opt, const char *what)
{
	char name[256];

	/* optopt is the letter of a short option; for a long one, the word */
	if (opt && strncmp(word, "--", 2)) {
		snprintf(name, sizeof(name), "-%c", opt);
	} else {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
		/* a known long option given a value it does not take */
		if (opt && strchr(word, '='))
			what = "takes no value";
	}
	fprintf(stderr, "regmap-run: %s %s (see regmap-run --help)\n", name, what);
	exit(RUN_EXIT_FAILURE);
}

static pid_t parse_pid(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > INT_MAX)
		run_die(RUN_EXIT_FAILURE, "-p %s: not a process id", arg);
	return (pid_t)v;
}

/* --gdb=PORT: 1-65535 (no PORT: 0, a free port) */
static int parse_port(const char *opt, const char *arg)
{
	char *end;
	long v;

	if (!arg)
		return 0;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 65535)
		run_die(RUN_EXIT_FAILURE, "%s=%s: not a TCP port (1-65535; leave it out for a "
		    "free one)", opt, arg);
	return (int)v;
}

/* --gdb: listen before the program starts, so a busy port stops us first */
static void gdb_listen_early(struct sup_config *cfg)
{
	int port = cfg->gdb_port, fd = sup_gdb_bind(port, &cfg->gdb_port);

	if (fd < 0)
		run_die(RUN_EXIT_FAILURE, "--gdb: cannot listen on 127.0.0.1:%d: %s%s", port,
		    strerror(-fd), port ? " (--gdb without a port takes a free one)" : "");
	cfg->gdb_fd = fd;
}

static unsigned parse_threshold(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > INT_MAX)
		run_die(RUN_EXIT_FAILURE, "--rewrite-threshold=%s: give a number of executions, "
		    "1 or more (--no-rewrite keeps every site trapping)", arg);
	return (unsigned)v;
}

static int parse_cpu(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX)
		run_die(RUN_EXIT_FAILURE, "--cpu=%s: not a CPU number (see nproc)", arg);
	return (int)v;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "trace", optional_argument, NULL, 't' },
		{ "trace-format", required_argument, NULL, OPT_TRACE_FORMAT },
		{ "backtrace-on-access", required_argument, NULL, OPT_BT_ACCESS },
		{ "attach", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "no-pin", no_argument, NULL, OPT_NO_PIN },
		{ "in-process", no_argument, NULL, OPT_IN_PROCESS },
		{ "map-addressing", required_argument, NULL, OPT_MAP_ADDRESSING },
		{ "no-rewrite", no_argument, NULL, OPT_NO_REWRITE },
		{ "rewrite-threshold", required_argument, NULL, OPT_REWRITE_THRESHOLD },
		{ "stats", no_argument, NULL, 's' },
		{ "gdb", optional_argument, NULL, OPT_GDB },
		{ "gdb-on-fault", optional_argument, NULL, OPT_GDB_FAULT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sup_config cfg = {
		.follow_forks = true,
		.cpu = SUP_CPU_AUTO,
		.report = run_report,
	};
	struct sup_launch_error err;
	struct sup_session s;
	char path[4096], msg[1024];
	bool in_process = false;
	const char *addressing = NULL;	/* --map-addressing as given */
	static const char *bt_sites[MAX_BT_SITES];
	pid_t pids[MAX_PIDS];
	unsigned npids = 0;
	int opt, ret;

	/*
	 * '+': options end at PROGRAM, whose own options are its business;
	 * ':': regmap-run words the errors itself (getopt would start them
	 * with argv[0]); "t::": -t takes FILE attached (-tFILE), as a
	 * separate word would be PROGRAM.
	 */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:fqt::so:c:p:hV", longopts, NULL)) != -1) {
		note_given(opt);
		switch (opt) {
		case 'f':
			cfg.follow_forks = true;
			break;
		case OPT_NO_FOLLOW:
			cfg.follow_forks = false;
			break;
		case 't':
			cfg.trace = true;
			if (optarg) {
				if (!optarg[0])
					run_die(RUN_EXIT_FAILURE, "--trace=: empty file name (give a "
					    "file, or --trace alone for standard error)");
				if (run_trace_to(optarg) < 0)
					run_die(RUN_EXIT_FAILURE, "cannot write %s: %s", optarg,
					    strerror(errno));
			}
			break;
		case OPT_TRACE_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				run_die(RUN_EXIT_FAILURE, "--trace-format=%s: use text or json", optarg);
			run_trace_json(!strcmp(optarg, "json"));
			cfg.trace_format = run_trace_is_json() ? SUP_TRACE_JSON : SUP_TRACE_TEXT;
			break;
		case OPT_BT_ACCESS:
			/*
			 * several sites: the option repeated, or separated by
			 * commas; an empty one is kept, for check_sites() to refuse
			 */
			for (char *site = optarg, *comma;; site = comma + 1) {
				comma = strchr(site, ',');
				if (comma)
					*comma = '\0';
				if (cfg.n_bt_sites == MAX_BT_SITES)
					run_die(RUN_EXIT_FAILURE, "--backtrace-on-access: more than "
					    "%d sites", MAX_BT_SITES);
				bt_sites[cfg.n_bt_sites++] = site;
				if (!comma)
					break;
			}
			cfg.bt_sites = bt_sites;
			break;
		case 'p':
			if (npids == MAX_PIDS)
				run_die(RUN_EXIT_FAILURE, "-p: more than %d processes", MAX_PIDS);
			pids[npids++] = parse_pid(optarg);
			break;
		case 'q':
			cfg.quiet = true;
			break;
		case 'o':
			if (!optarg[0])
				run_die(RUN_EXIT_FAILURE, "-o: empty file name (give a file, or "
				    "leave -o out for standard error)");
			if (run_output_to(optarg) < 0)
				run_die(RUN_EXIT_FAILURE, "cannot write %s: %s", optarg,
				    strerror(errno));
			break;
		case 'c':
			cfg.cpu = parse_cpu(optarg);
			break;
		case OPT_NO_PIN:
			cfg.cpu = SUP_CPU_NONE;
			break;
		case OPT_IN_PROCESS:
			in_process = true;
			break;
		case OPT_MAP_ADDRESSING:
			if (strcmp(optarg, "absolute") && strcmp(optarg, "any"))
				run_die(RUN_EXIT_FAILURE, "--map-addressing=%s: use any (the "
				    "default) or absolute", optarg);
			cfg.map_absolute = !strcmp(optarg, "absolute");
			addressing = optarg;
			break;
		case OPT_NO_REWRITE:
			cfg.no_rewrite = true;
			break;
		case OPT_REWRITE_THRESHOLD:
			cfg.rewrite_threshold = parse_threshold(optarg);
			break;
		case 's':
			cfg.stats = true;
			break;
		case OPT_GDB:
		case OPT_GDB_FAULT:
			cfg.gdb |= opt == OPT_GDB ? SUP_GDB_START : SUP_GDB_FAULT;
			if (optarg || !cfg.gdb_port)
				cfg.gdb_port = parse_port(opt == OPT_GDB ? "--gdb" : "--gdb-on-fault",
							  optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("regmap-run (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		case ':':
			bad_option(argv[optind - 1], optopt, "needs an argument");
		default:
			bad_option(argv[optind - 1], optopt, "is not an option of regmap-run");
		}
	}
	if (cfg.gdb && in_process)
		run_die(RUN_EXIT_FAILURE, "--gdb and --gdb-on-fault need the supervisor: they "
		    "do not go with --in-process");
	if (cfg.gdb && npids > 1)
		run_die(RUN_EXIT_FAILURE, "--gdb and --gdb-on-fault debug one process: give one -p");
	if (run_trace_is_json() && !cfg.trace)
		run_say("warning: ", "--trace-format=json does nothing without --trace: "
			"nothing is traced");
	if (npids) {
		if (cfg.gdb & SUP_GDB_START)
			gdb_listen_early(&cfg);
		if (optind < argc)
			run_die(RUN_EXIT_FAILURE, "-p PID and PROGRAM exclude each other: attach "
			    "to a running process or start one");
		if (in_process)
			run_die(RUN_EXIT_FAILURE, "--in-process cannot attach to a running process");
		warn_unused(true, "with -p: the attached program's threads keep the CPUs "
			    "they have");
		if (cfg.n_bt_sites) {
			char name[16];

			for (unsigned i = 0; i < npids; i++) {
				snprintf(name, sizeof(name), "%d", (int)pids[i]);
				check_sites(&cfg, NULL, name, pids + i, 1);
			}
		}
		run_attached(&cfg, pids, npids);
	}
	if (optind >= argc)
		run_die(RUN_EXIT_FAILURE, "no program given: usage: regmap-run [OPTIONS] "
		    "PROGRAM [ARGS...] (see regmap-run --help)");

	ret = run_check_program(argv[optind], path, sizeof(path), msg, sizeof(msg));
	if (ret)
		run_die(ret, "%s", msg);
	if (in_process) {
		warn_unused(false, "with --in-process: libregmap serves the map inside "
			    "the program, and no supervisor watches it");
		/* libregmap's form of the option (regmap(3)) */
		if (addressing && setenv("REGMAP_MAP_ADDRESSING", addressing, 1))
			run_die(RUN_EXIT_FAILURE, "cannot set REGMAP_MAP_ADDRESSING: %s",
			    strerror(errno));
		if (cfg.no_rewrite && setenv("REGMAP_NO_REWRITE", "1", 1))
			run_die(RUN_EXIT_FAILURE, "cannot set REGMAP_NO_REWRITE: %s",
			    strerror(errno));
		run_in_process(argv + optind);
	}
	if (cfg.n_bt_sites)
		check_sites(&cfg, path, argv[optind], NULL, 0);
	if (cfg.gdb & SUP_GDB_START)
		gdb_listen_early(&cfg);
	cfg.gdb_program = argv[optind];

	/* waitpid() needs our children to be reported, not reaped for us */
	signal(SIGCHLD, SIG_DFL);
	if (sup_launch(&s, &cfg, path, argv + optind, environ, &err) < 0) {
		ret = run_explain_launch(argv[optind], &err, msg, sizeof(msg));
		run_die(ret, "%s", msg);
	}
	target_pid = s.pid;
	setup_signals();

	ret = sup_run(&s);
	if (ret < 0 && !s.pid_done)
		run_die(RUN_EXIT_FAILURE, "lost track of %s: %s", argv[optind], strerror(-ret));
	sup_bt_sites_report(&s);
	if (cfg.stats)
		sup_stats_report(&s);
	run_flush_trace();
	sup_session_free(&s);
	exit_like(s.status);
}
