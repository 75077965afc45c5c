/*
 * Check tests of the gdb server's packet layer (supervisor/gdb_proto.c):
 * framing, checksums, acknowledgements and resending, no-ack mode,
 * escaping both ways, the interrupt byte, packets split across reads;
 * hex numbers and thread-ids.
 * The "gdb" is the other end of a socketpair.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb.h"

static struct gdb_conn conn;
static int peer;

static void setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&conn, 0, sizeof(conn));
	gdb_conn_init(&conn, sv[0]);
	peer = sv[1];
	/* the peer's reads must never block a failing test */
	fcntl(peer, F_SETFL, O_NONBLOCK);
}

static void teardown(void)
{
	gdb_conn_close(&conn);
	close(peer);
}

static void put(const char *s, size_t n)
{
	ck_assert_int_eq(write(peer, s, n), (ssize_t)n);
	gdb_conn_fill(&conn);
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

/* what the server wrote, as a string */
static const char *got(void)
{
	static char buf[4096];
	ssize_t n = read(peer, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* "$payload#cs" with the right checksum */
static const char *frame(const char *payload)
{
	static char buf[64];
	unsigned sum = 0;

	for (const char *p = payload; *p; p++)
		sum += (unsigned char)*p;
	snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum & 0xff);
	return buf;
}

START_TEST(test_packet_acked)
{
	puts_(frame("qSupported:multiprocess+"));
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "qSupported:multiprocess+");
	ck_assert_str_eq(got(), "+");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);
}
END_TEST

START_TEST(test_bad_checksum_nacked)
{
	puts_("$g#00");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);
	ck_assert_str_eq(got(), "-");
	/* gdb resends: now it is taken */
	puts_(frame("g"));
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "g");
}
END_TEST

START_TEST(test_split_across_reads)
{
	const char *f = frame("m1000,40");
	size_t n = strlen(f);

	put(f, 3);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);
	put(f + 3, n - 4);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);	/* one checksum digit missing */
	put(f + n - 1, 1);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "m1000,40");
}
END_TEST

START_TEST(test_two_packets_one_read)
{
	char both[128];

	snprintf(both, sizeof(both), "%s", frame("?"));
	strncat(both, frame("qC"), sizeof(both) - strlen(both) - 1);
	puts_(both);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "?");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "qC");
}
END_TEST

START_TEST(test_escaped_binary_in)
{
	/* X packet data: '#' '$' '}' and 0x2a escaped as } x^0x20 */
	static const char payload[] = "X10,4:}\x03}\x04}]}\x0a";
	static const char want[] = "X10,4:#$}*";
	char f[64];
	unsigned sum = 0;

	for (size_t i = 0; i < sizeof(payload) - 1; i++)
		sum += (unsigned char)payload[i];
	snprintf(f, sizeof(f), "$%s#%02x", payload, sum & 0xff);
	puts_(f);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_uint_eq(conn.pktlen, sizeof(want) - 1);
	ck_assert_int_eq(memcmp(conn.pkt, want, conn.pktlen), 0);
}
END_TEST

START_TEST(test_escaped_binary_out)
{
	/* a reply holding the four special bytes and a NUL */
	static const char data[] = { 'b', '#', '$', '}', '*', 0, 'z' };
	const char *s;

	gdb_conn_send(&conn, data, sizeof(data));
	s = got();
	/* $b}#}$}]}\n\0z#cs: the checksum is over the escaped bytes */
	ck_assert_int_eq(memcmp(s, "$b}\x03}\x04}]}\x0a", 10), 0);
	{
		unsigned sum = 0;
		char tail[8];

		for (int i = 1; i < 10; i++)
			sum += (unsigned char)s[i];
		sum += 0 + 'z';
		snprintf(tail, sizeof(tail), "#%02x", sum & 0xff);
		ck_assert_int_eq(s[10], 0);
		ck_assert_int_eq(s[11], 'z');
		ck_assert_int_eq(memcmp(s + 12, tail, 3), 0);
	}
}
END_TEST

START_TEST(test_nack_resends_last)
{
	gdb_conn_send_str(&conn, "OK");
	ck_assert_str_eq(got(), "$OK#9a");
	puts_("-");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);
	ck_assert_str_eq(got(), "$OK#9a");
	puts_("+");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 0);
	ck_assert_str_eq(got(), "");
}
END_TEST

START_TEST(test_noack_mode)
{
	conn.noack = true;
	/* no '+' back, and a checksum is not checked any more */
	puts_("$vCont?#00");
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "vCont?");
	ck_assert_str_eq(got(), "");
}
END_TEST

START_TEST(test_interrupt)
{
	/* 0x03 while the program runs: taken, a packet behind it left alone */
	char buf[72];

	snprintf(buf, sizeof(buf), "\x03%s", frame("g"));
	puts_(buf);
	ck_assert_int_eq(gdb_conn_next(&conn, false), 0);
	ck_assert(conn.interrupt);
	ck_assert_uint_gt(conn.inlen, 0);
	ck_assert_int_eq(gdb_conn_next(&conn, true), 1);
	ck_assert_str_eq(conn.pkt, "g");
}
END_TEST

START_TEST(test_eof)
{
	close(peer);
	peer = -1;
	gdb_conn_fill(&conn);
	ck_assert(conn.eof);
}
END_TEST

START_TEST(test_hex)
{
	uint8_t out[4];
	const char *p = "7fff,10";
	uint64_t v;

	ck_assert_int_eq(gdb_unhex("00ff7A", 6, out, sizeof(out)), 3);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 0xff);
	ck_assert_int_eq(out[2], 0x7a);
	ck_assert_int_eq(gdb_unhex("0g", 2, out, sizeof(out)), -1);
	ck_assert_int_eq(gdb_unhex("abc", 3, out, sizeof(out)), -1);
	ck_assert(gdb_parse_hex(&p, &v));
	ck_assert_uint_eq(v, 0x7fff);
	ck_assert_int_eq(*p, ',');
	p = "10000000000000000";	/* 65 bits */
	ck_assert(!gdb_parse_hex(&p, &v));
}
END_TEST

START_TEST(test_thread_ids)
{
	const char *p;
	pid_t pid, tid;

	p = "p1a.1b;c";
	ck_assert(gdb_parse_thread(&p, &pid, &tid));
	ck_assert_int_eq(pid, 0x1a);
	ck_assert_int_eq(tid, 0x1b);
	ck_assert_str_eq(p, ";c");
	p = "p1a.-1";
	ck_assert(gdb_parse_thread(&p, &pid, &tid));
	ck_assert_int_eq(pid, 0x1a);
	ck_assert_int_eq(tid, -1);
	p = "p-1";
	ck_assert(gdb_parse_thread(&p, &pid, &tid));
	ck_assert_int_eq(pid, -1);
	ck_assert_int_eq(tid, -1);
	p = "2f";
	ck_assert(gdb_parse_thread(&p, NULL, &tid));
	ck_assert_int_eq(tid, 0x2f);
	p = "0";
	ck_assert(gdb_parse_thread(&p, &pid, &tid));
	ck_assert_int_eq(tid, 0);
	p = "p1a.";
	ck_assert(!gdb_parse_thread(&p, &pid, &tid));
	p = "x";
	ck_assert(!gdb_parse_thread(&p, &pid, &tid));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gdb_proto");
	TCase *tc = tcase_create("packets");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_packet_acked);
	tcase_add_test(tc, test_bad_checksum_nacked);
	tcase_add_test(tc, test_split_across_reads);
	tcase_add_test(tc, test_two_packets_one_read);
	tcase_add_test(tc, test_escaped_binary_in);
	tcase_add_test(tc, test_escaped_binary_out);
	tcase_add_test(tc, test_nack_resends_last);
	tcase_add_test(tc, test_noack_mode);
	tcase_add_test(tc, test_interrupt);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_thread_ids);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
