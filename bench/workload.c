/*
 * workload.c: runs one benchmark workload in one mode and prints how
 * long its measured part took.
 *
 *	workload WORKLOAD VARIANT N
 *
 * WORKLOAD: loads, alu, mixed (N loop iterations), threads (N loads in
 * each of BENCH_THREADS threads), zero (N steps, no map access),
 * threadzero (N steps of zero in each of BENCH_THREADS threads),
 * first, firststub (BENCH_FIRST_SITES sites run once each: the cost of a
 * site's first execution, N is the value they load), checksum (the mixed
 * kernel over N bytes, a 64 KiB buffer again and again: its whole-run
 * wall time is what counts; prints result=HEX, not checked here).
 * VARIANT:  native  the twin loop on plain registers
 *           map     the map loop; someone else (regmap-run, min_tracer)
 *                   must serve the faults
 *           lib     the map loop, served by libregmap in this process
 *           min     the map loop, served by the minimal handler (loads
 *                   and threads only: it knows one instruction)
 *           minread the same, plus libregmap's read of the code bytes
 *
 * Each run first does a warm-up of N/10 + 1 iterations (decode caches,
 * page faults, alternate stacks; native-speed sites are rewritten there)
 * that is not measured, then the measured run, and checks that the
 * result equals the native twin's.  first/firststub warm up on another
 * site (the loads loop, once), as their own must run once.  It prints
 *	WORKLOAD VARIANT accesses=A ns=T result=ok
 * where T covers the measured run only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "regmap.h"

enum variant { V_NATIVE, V_MAP, V_LIB, V_MIN, V_MINREAD };

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static uint8_t *mixed_buf(uint64_t n)
{
	uint8_t *buf = malloc(n ? n : 1);
	uint64_t i;

	if (!buf)
		return NULL;
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	return buf;
}

/* One run of a single-threaded workload: its result, and its duration in *ns. */
static uint64_t run_once(const char *w, int map, const uint8_t *buf, uint64_t n, uint64_t *ns)
{
	uint64_t t0 = bench_now_ns(), r;

	if (!strcmp(w, "loads"))
		r = map ? bench_loads_map(n) : bench_loads_native(n);
	else if (!strcmp(w, "alu"))
		r = map ? bench_alu_map(n) : bench_alu_native(n);
	else if (!strcmp(w, "mixed"))
		r = map ? bench_mixed_map(buf, n) : bench_mixed_native(buf, n);
	else
		r = bench_zero(n);
	*ns = bench_now_ns() - t0;
	return r;
}

/* first, firststub: each site once, after a warm-up on another site */
static int first(const char *w, const char *variant, int map, uint64_t v)
{
	int stub = !strcmp(w, "firststub");
	uint64_t t0, ns, got, want;

	if (map)
		bench_loads_map(1);
	t0 = bench_now_ns();
	got = map ? (stub ? bench_first_stub_map(v) : bench_first_inplace_map(v)) :
		    (stub ? bench_first_stub_native(v) : bench_first_inplace_native(v));
	ns = bench_now_ns() - t0;
	want = stub ? bench_first_stub_native(v) : bench_first_inplace_native(v);
	printf("%s %s accesses=%d ns=%" PRIu64 " result=%s\n", w, variant, BENCH_FIRST_SITES,
	       ns, got == want ? "ok" : "WRONG");
	return got != want;
}

/* checksum: the mixed kernel over n bytes of a 64 KiB buffer, the result printed */
static int checksum(int map, uint64_t n)
{
	enum { SIZE = 64 * 1024 };
	uint8_t *buf = mixed_buf(SIZE);
	uint64_t r = 0;

	if (!buf) {
		perror("workload: malloc");
		return 1;
	}
	for (uint64_t done = 0; done < n; done += SIZE) {
		uint64_t k = n - done < SIZE ? n - done : SIZE;

		r = r * 31 + (map ? bench_mixed_map(buf, k) : bench_mixed_native(buf, k));
	}
	printf("checksum result=%" PRIx64 "\n", r);
	free(buf);
	return 0;
}

static int parse_variant(const char *s, enum variant *v)
{
	static const char *const names[] = { "native", "map", "lib", "min", "minread" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*v = i;
			return 0;
		}
	}
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: workload loads|alu|mixed|threads|zero|threadzero|first|firststub|"
		"checksum native|map|lib|min|minread N\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *w;
	enum variant v;
	uint64_t n, warmup, ns, per_iter = 1, got, want;
	uint8_t *buf = NULL;
	char *end;
	int map, ret;

	if (argc != 4 || parse_variant(argv[2], &v) < 0)
		return usage();
	w = argv[1];
	n = strtoull(argv[3], &end, 0);
	if (*end || !n)
		return usage();
	if (strcmp(w, "loads") && strcmp(w, "alu") && strcmp(w, "mixed") &&
	    strcmp(w, "threads") && strcmp(w, "zero") && strcmp(w, "threadzero") &&
	    strcmp(w, "first") && strcmp(w, "firststub") && strcmp(w, "checksum"))
		return usage();
	if (v >= V_MIN && strcmp(w, "loads") && strcmp(w, "threads")) {
		fprintf(stderr, "workload: the minimal handler knows only the loads instruction\n");
		return 2;
	}
	map = v != V_NATIVE && strcmp(w, "zero") && strcmp(w, "threadzero");
	warmup = n / 10 + 1;

	if (v == V_LIB && regmap_map_registers() < 0) {
		fprintf(stderr, "workload: regmap_map_registers failed\n");
		return 1;
	}
	if (v >= V_MIN && bench_min_handler_install(v == V_MINREAD) < 0) {
		perror("workload: sigaction");
		return 1;
	}

	if (!strncmp(w, "first", 5))
		return first(w, argv[2], map, n);
	if (!strcmp(w, "checksum"))
		return checksum(map, n);
	if (!strncmp(w, "thread", 6)) {
		int zero = !strcmp(w, "threadzero");

		if (bench_threads(n, zero ? 2 : map, warmup, &ns) < 0) {
			fprintf(stderr, "workload: %s: a thread failed or saw wrong values\n", w);
			return 1;
		}
		printf("%s %s accesses=%" PRIu64 " ns=%" PRIu64 " result=ok\n",
		       w, argv[2], zero ? 0 : (uint64_t)BENCH_THREADS * n, ns);
		return 0;
	}

	if (!strcmp(w, "alu"))
		per_iter = BENCH_ALU_PER_ITER;
	else if (!strcmp(w, "mixed"))
		per_iter = BENCH_MIXED_PER_ITER;
	else if (!strcmp(w, "zero"))
		per_iter = 0;
	if (!strcmp(w, "mixed") && !(buf = mixed_buf(n))) {
		perror("workload: malloc");
		return 1;
	}

	run_once(w, map, buf, warmup, &ns);
	got = run_once(w, map, buf, n, &ns);
	/* the native twin's result; a native run is its own twin */
	want = map ? run_once(w, 0, buf, n, &(uint64_t){ 0 }) : got;
	ret = got != want;
	if (ret)
		fprintf(stderr, "workload: %s %s: result %#" PRIx64 ", native %#" PRIx64 "\n",
			w, argv[2], got, want);
	printf("%s %s accesses=%" PRIu64 " ns=%" PRIu64 " result=%s\n",
	       w, argv[2], per_iter * n, ns, ret ? "WRONG" : "ok");
	free(buf);
	return ret;
}
