/*
 * t_rewrite_threads: 8 threads loop over the same native-speed sites
 * while they are rewritten (in place, and with a stub), all released at
 * once so that the first trap's rewrite happens with the others running
 * the same code.  Each thread's results must be exact: every iteration
 * checks its own register values, and the sums must come out right.
 *
 *	t_rewrite_threads on|off
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "t_harness.h"
#include "t_rewrite.h"

#define NTHREADS	8
#define NITER		20000

extern const unsigned char t_site_thr_load[], t_site_thr_store32[], t_site_thr_add[];

struct worker {
	pthread_t th;
	uint64_t id;
	uint64_t bad, sum, want;
};

static pthread_barrier_t go;

static void *work(void *p)
{
	struct worker *w = p;
	uint64_t x = w->id << 40;

	pthread_barrier_wait(&go);
	for (uint64_t i = 0; i < NITER; i++) {
		uint64_t v = x + i, loaded, hi, acc = v;

		/* in place: rax = rdx */
		__asm__ volatile("mov %1, %%rdx\n\t.globl t_site_thr_load\nt_site_thr_load:\t"
				 "movq 0x10, %0" : "=a"(loaded) : "r"(v) : "rdx");
		/* stub: ecx into rdx's top half, the bottom half kept */
		__asm__ volatile("mov %1, %%rdx\n\tmov %2, %%ecx\n\t"
				 ".globl t_site_thr_store32\nt_site_thr_store32:\tmovl %%ecx, 0x14\n\t"
				 "mov %%rdx, %0" : "=r"(hi) : "r"(v), "r"((uint32_t)i) : "rcx", "rdx");
		/* in place, read-modify-write: rsi += rdi */
		__asm__ volatile("mov %1, %%rdi\n\t.globl t_site_thr_add\nt_site_thr_add:\t"
				 "addq %%rdi, 0x30" : "+S"(acc) : "r"(i) : "rdi", "cc");
		w->bad += loaded != v;
		w->bad += hi != ((v & 0xffffffffull) | (i << 32));
		w->bad += acc != v + i;
		w->sum += loaded + (hi >> 32) + acc;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[NTHREADS];
	struct t_site sites[] = {
		{ "in place load", t_site_thr_load, T_RW_INPLACE, { 0 } },
		{ "stub store", t_site_thr_store32, T_RW_STUB, { 0 } },
		{ "in place add", t_site_thr_add, T_RW_INPLACE, { 0 } },
	};
	int on = t_rw_mode(argc, argv);

	if (on < 0)
		return 2;
	t_sites_save(sites, sizeof(sites) / sizeof(sites[0]));
	pthread_barrier_init(&go, NULL, NTHREADS);
	for (uint64_t t = 0; t < NTHREADS; t++) {
		w[t] = (struct worker){ .id = t + 1 };
		/* sum over i of (x + i) + i + (x + 2i) */
		w[t].want = NITER * ((w[t].id << 40) * 2) + 4 * ((uint64_t)NITER * (NITER - 1) / 2);
		if (pthread_create(&w[t].th, NULL, work, &w[t])) {
			printf("FAIL: pthread_create\n");
			return 1;
		}
	}
	for (unsigned t = 0; t < NTHREADS; t++) {
		char what[64];

		pthread_join(w[t].th, NULL);
		snprintf(what, sizeof(what), "thread %u: wrong iterations", t);
		t_expect(what, w[t].bad, 0);
		snprintf(what, sizeof(what), "thread %u: sum", t);
		t_expect(what, w[t].sum, w[t].want);
	}
	t_failures += t_sites_check(sites, sizeof(sites) / sizeof(sites[0]), on);
	printf("%d threads x %d iterations\n", NTHREADS, NITER);
	return t_done("rewrite threads");
}
