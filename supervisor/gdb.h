/*
 * The gdb server of regmap-run (doc/GDB.md): the interface between its
 * files and the hooks the event loop calls.
 *
 *   gdb_proto.c    packets on the socket: framing, checksums, acks,
 *                  escaping, the interrupt byte; no ptrace
 *   gdb_server.c   the listening socket, the client, the states, and
 *                  the event loop's wait while a client is there
 *   gdb_packets.c  what each request asks for (parsing, replies)
 *   gdb_target.c   stops and resumes: what is told to gdb and how the
 *                  threads go on
 *   gdb_regs.c     registers, gdb_mem.c memory and the map image,
 *                  gdb_break.c int3 breakpoints, gdb_watch.c
 *                  watchpoints, gdb_xml.c target description and thread
 *                  list, gdb_monitor.c the monitor commands
 */
#ifndef REGMAP_GDB_H
#define REGMAP_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup_internal.h"

/* ---- the packet layer (gdb_proto.c) ---- */

/* What gdb may send in one packet (advertised as PacketSize, hex). */
#define GDB_PACKET_SIZE		0x4000

/* A growing text/binary buffer for a reply. */
struct gdb_buf {
	char *p;
	size_t len, cap;
	bool oom;		/* an allocation failed: the reply is an error */
};

struct gdb_conn {
	int fd;			/* the socket, -1 when closed */
	bool noack;		/* QStartNoAckMode done: no '+'/'-' either way */
	bool eof;		/* the peer closed (or the socket failed) */
	bool interrupt;		/* a 0x03 came */
	char in[2 * GDB_PACKET_SIZE + 8];	/* bytes received, not parsed yet */
	size_t inlen;
	char pkt[GDB_PACKET_SIZE + 1];	/* the current packet, unescaped, NUL-terminated */
	size_t pktlen;
	struct gdb_buf last;	/* the last packet sent, framed (resent on '-') */
};

void gdb_conn_init(struct gdb_conn *c, int fd);
void gdb_conn_close(struct gdb_conn *c);
/* Read what the socket has (it must be readable); sets eof. */
void gdb_conn_fill(struct gdb_conn *c);
/*
 * Take the next thing from the bytes read: 1 and a packet in c->pkt
 * (checksum verified, acknowledged, unescaped), 0 when no complete packet
 * is there.  Acks are consumed (a '-' resends the last packet) and 0x03
 * sets c->interrupt.  Without packets, stops before a packet (it waits
 * for the program to stop) and takes only acks and interrupts.
 */
int gdb_conn_next(struct gdb_conn *c, bool packets);
/* Send one packet whose payload is data[0..len) (escaped as needed). */
void gdb_conn_send(struct gdb_conn *c, const char *data, size_t len);
void gdb_conn_send_str(struct gdb_conn *c, const char *s);

void gdb_buf_init(struct gdb_buf *b);
void gdb_buf_free(struct gdb_buf *b);
void gdb_buf_add(struct gdb_buf *b, const void *data, size_t len);
void gdb_buf_printf(struct gdb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* bytes as two lower-case hex digits each */
void gdb_buf_hex(struct gdb_buf *b, const void *data, size_t len);

/* Hex digits to bytes: the number of bytes, or -1 on a bad digit. */
ssize_t gdb_unhex(const char *hex, size_t nhex, uint8_t *out, size_t max);
/* A hex number at *p, advancing *p; false if there is none. */
bool gdb_parse_hex(const char **p, uint64_t *v);
/*
 * A thread-id ("p1a.1b", "p1a", "1b", "-1", "0"), advancing *p: the
 * process (-1: any; pid may be NULL) and the thread (-1: all, 0: any).
 */
bool gdb_parse_thread(const char **p, pid_t *pid, pid_t *tid);
/* "addr,len" in hex, advancing *p */
bool gdb_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len);
/* E and two hex digits of the errno (err may be negative) */
void gdb_error_reply(struct gdb_buf *r, int err);

/* ---- breakpoints, watchpoints (gdb_break.c, gdb_watch.c) ---- */

struct gdb_bp {
	uint64_t addr;
	uint8_t orig;		/* the byte the int3 replaced */
};

/* A watchpoint gdb inserted (Z2 write, Z3 read, Z4 access). */
struct gdb_watch {
	uint64_t addr, len;
	int type;		/* 2, 3 or 4 */
	bool map;		/* on the map (exact, through the emulator) */
	uint8_t dr;		/* debug registers it uses (bit i: DRi) */
	uint8_t shadow[32];	/* read watchpoint on memory: the value last seen */
};

#define GDB_NDR		4	/* DR0-DR3 */
#define GDB_MAX_FILES	16	/* vFile: files gdb may have open at once */
#define GDB_MAX_WATCH	32

/* ---- the server's state ---- */

enum gdb_state {
	GDB_OFF,		/* no client and none awaited: the plain loop */
	GDB_AWAITING,		/* the program is held, waiting for gdb to connect */
	GDB_STOPPED,		/* a client, the world stopped: serving packets */
	GDB_RESUMING,		/* resumed by gdb; queued events still to go through */
	GDB_RUNNING,		/* the program runs; 0x03 or a stop comes next */
};

/* Why a thread stopped, for the stop reply. */
enum gdb_why {
	GDB_WHY_SIGNAL,		/* a signal (sig) */
	GDB_WHY_STEP,		/* the end of a single-step */
	GDB_WHY_BREAK,		/* an int3 the server planted */
	GDB_WHY_WATCH,		/* a watchpoint: watch_addr, watch_type */
	GDB_WHY_INTERRUPT,	/* Ctrl-C: stopped by the server, no signal */
	GDB_WHY_START,		/* held at the start (--gdb): a trap, no signal */
	GDB_WHY_EXEC,		/* the process exec'd a new program */
};

struct sup_gdb {
	int mode;		/* SUP_GDB_START | SUP_GDB_FAULT */
	int port;		/* asked for (0: any), then bound */
	int lfd;		/* the listening socket, or -1 */
	struct gdb_conn conn;	/* the client (conn.fd -1: none) */
	enum gdb_state state;
	bool started;		/* the start (--gdb) has been set up */
	pid_t pid;		/* the debugged process */
	const char *program;	/* PROGRAM for the line to paste, or NULL */
	bool attached;		/* -p: qAttached says 1 */
	bool exec_events;	/* gdb follows execs (qSupported exec-events+) */
	pid_t cur;		/* the thread of Hg (0: that of the last stop) */
	pid_t last;		/* the thread of the last stop told to gdb */
	enum gdb_why why;	/* why it stopped */
	int last_sig;		/* its signal (host number) */
	uint64_t watch_addr;	/* GDB_WHY_WATCH: the address and kind */
	int watch_type;
	bool dead;		/* the process ended while gdb was not waiting */
	int dead_status;
	uint64_t pass[2];	/* QPassSignals: signals 0..127 to deliver silently */
	/* a watchpoint the last emulated instruction hit (sup_gdb_access) */
	pid_t hit_tid;
	uint64_t hit_addr;
	int hit_type;
	/* software breakpoints */
	struct gdb_bp *bp;
	unsigned nbp, capbp;
	unsigned vforks;	/* vfork children running in our memory: int3s lifted */
	/* watchpoints; debug registers */
	struct gdb_watch watch[GDB_MAX_WATCH];
	unsigned nwatch;
	unsigned drgen;		/* bumped whenever the debug registers change */
	uint64_t dr_addr[GDB_NDR];
	uint8_t dr_len[GDB_NDR], dr_rw[GDB_NDR];
	uint8_t dr_used;	/* bit i: DRi in use */
	/* registers */
	bool avx;		/* the target description has the AVX upper halves */
	unsigned avx_off;	/* offset of the AVX state in the XSAVE area */
	char *xml;		/* the target description */
	size_t xml_len;
	int files[GDB_MAX_FILES];	/* vFile's open files, -1 when free */
};

/* ---- gdb_server.c ---- */

struct sup_gdb *gdb_new(const struct sup_config *cfg);
void gdb_free(struct sup_gdb *g);

/* The client is gone (EOF, error, or after a kill/detach): close, go on. */
void gdb_disconnect(struct sup_session *s, const char *why);
/* Make the listening socket if there is none (a warning if it fails); 0 or -errno. */
int gdb_bind(struct sup_session *s);
/* gdb_bind(), and say so: the line to paste. */
int gdb_listen(struct sup_session *s);
bool gdb_is_member(struct sup_session *s, pid_t tid);

/* ---- gdb_packets.c ---- */

/* Answer one packet (state GDB_STOPPED). */
void gdb_handle_packet(struct sup_session *s, char *pkt, size_t len);

/* ---- gdb_query.c ---- */

/* A q request; no reply in r means "not supported". */
void gdb_query(struct sup_session *s, const char *pkt, struct gdb_buf *r);
/* A Q request; true if it answered itself already. */
bool gdb_set(struct sup_session *s, const char *pkt, struct gdb_buf *r);


/* ---- gdb_target.c ---- */

/*
 * Stop the world around tid, which is in the stop status, hold it and
 * tell gdb (state GDB_STOPPED after).
 */
void gdb_stop(struct sup_session *s, pid_t tid, int status, enum gdb_why why, int sig,
	      uint64_t watch_addr, int watch_type);
/* The stop reply of the last stop into b ('?'). */
void gdb_stop_reply(struct sup_session *s, struct gdb_buf *b);
/* Resume as a vCont asks (args after "vCont"); false if it does not parse. */
bool gdb_resume(struct sup_session *s, const char *args);
/* 0x03 while running. */
void gdb_interrupt(struct sup_session *s);
/*
 * D: let go of the process; it goes on under regmap-run.  Breakpoint,
 * watchpoint and step traps already queued are undone, not delivered.
 */
void gdb_detach(struct sup_session *s);
/* k, vKill: end the process. */
void gdb_kill(struct sup_session *s);
/* Signal numbers of the protocol (gdb's) and of Linux; -1 if none. */
int gdb_signal_from_host(int sig);
int gdb_signal_to_host(int gsig);
/* The thread gdb means (Hg, else the last stop's). */
pid_t gdb_current(struct sup_session *s);
/* The threads of the debugged process gdb can see, into tids (at most max). */
unsigned gdb_threads(struct sup_session *s, pid_t *tids, unsigned max);

/* ---- gdb_regs.c ---- */

struct gdb_reg {
	const char *name;
	unsigned bits;
	const char *type;	/* gdb's type name in the target description */
	const char *group;	/* or NULL */
	unsigned feature;	/* index into gdb_features[] */
};

extern const char *const gdb_features[];
/* The registers in gdb's numbering (the g packet's order); n set by gdb_regs_init. */
extern const struct gdb_reg gdb_regs[];
unsigned gdb_nregs(const struct sup_gdb *g);
/* Find out what the CPU has (AVX); 0 or -errno. */
int gdb_regs_init(struct sup_gdb *g);
/* g: every register of tid as hex ("xx" for those not available). */
int gdb_regs_read(struct sup_session *s, pid_t tid, struct gdb_buf *b, int only);
/* G / P: hex of every register, or of register only (only >= 0). */
int gdb_regs_write(struct sup_session *s, pid_t tid, const char *hex, int only);

/* ---- gdb_mem.c ---- */

/* Read memory as the program sees it (the map: tid's registers); bytes read or -errno. */
ssize_t gdb_mem_read(struct sup_session *s, pid_t tid, uint64_t addr, uint8_t *buf,
		     size_t len);
int gdb_mem_write(struct sup_session *s, pid_t tid, uint64_t addr, const uint8_t *buf,
		  size_t len);
/* Raw access to process memory (breakpoint bytes included). */
ssize_t gdb_mem_raw_read(pid_t pid, uint64_t addr, uint8_t *buf, size_t len);
int gdb_mem_raw_write(pid_t pid, uint64_t addr, const uint8_t *buf, size_t len);

/* ---- gdb_break.c ---- */

int gdb_break_insert(struct sup_session *s, uint64_t addr);
int gdb_break_remove(struct sup_session *s, uint64_t addr);
bool gdb_break_at(struct sup_session *s, uint64_t addr);
/* Show the original bytes in a read of [addr, addr + len). */
void gdb_break_hide(struct sup_session *s, uint64_t addr, uint8_t *buf, size_t len);
/* A write of [addr, addr + len): keep the int3 bytes, remember the new originals. */
void gdb_break_shadow(struct sup_session *s, uint64_t addr, uint8_t *buf, size_t len);
/* Remove every breakpoint from memory (detach) or forget them (exec). */
void gdb_break_clear(struct sup_session *s, bool restore);
/* Put the original bytes back in the memory of a fork child. */
void gdb_break_unplant(struct sup_session *s, pid_t child);
/* Take the int3s out of memory (lift) or put them back, the table unchanged. */
void gdb_break_lift(struct sup_session *s, bool lift);

/* ---- gdb_watch.c ---- */

int gdb_watch_insert(struct sup_session *s, int type, uint64_t addr, uint64_t len);
int gdb_watch_remove(struct sup_session *s, int type, uint64_t addr, uint64_t len);
void gdb_watch_clear(struct sup_session *s);
/*
 * A SIGTRAP from a debug register in tid: 1 and the watchpoint if it is
 * one gdb must see, 0 if not (a read watchpoint whose value changed),
 * -1 if no debug register of ours fired.
 */
int gdb_watch_hw_hit(struct sup_session *s, pid_t tid, uint64_t *addr, int *type);
/* Put tid's debug registers in line with the watchpoints (tid stopped). */
void gdb_watch_apply(struct sup_session *s, struct sup_thread *t);

/* ---- gdb_xml.c ---- */

int gdb_xml_target(struct sup_gdb *g);
/* The CPU thread tid last ran on (field 39 of /proc/TID/stat), or -1. */
int gdb_thread_core(pid_t tid);
void gdb_xml_threads(struct sup_session *s, struct gdb_buf *b);

/* ---- gdb_file.c ---- */

/* vFile:... (pkt after "vFile:"), read-only. */
void gdb_file(struct sup_session *s, const char *pkt, struct gdb_buf *r);
void gdb_file_close_all(struct sup_gdb *g);

/* ---- gdb_monitor.c ---- */

/* qRcmd: the command's output into out (text). */
void gdb_monitor(struct sup_session *s, const char *cmd, struct gdb_buf *out);

#endif /* REGMAP_GDB_H */
