/*
 * t_rewrite_signal: a signal handler that uses the map interrupts a loop
 * of native-speed sites, over and over: both the loop and the handler
 * must see their own registers through the map on every execution, and
 * the loop's stub (which works below the red zone) must survive a
 * handler's frame landing right under it.  Another thread sends the
 * signals, one at a time, until the handler has run NSIG_SENT times: no
 * timing is involved.
 *
 *	t_rewrite_signal on|off
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "t_harness.h"
#include "t_rewrite.h"

#define NSIG_SENT	200

extern const unsigned char t_site_sg_loop_load[], t_site_sg_loop_stub[], t_site_sg_handler[];

static atomic_int handled, handler_bad;
static pid_t main_tid;

static void on_usr1(int sig)
{
	uint64_t r, v = 0x5100 + atomic_load(&handled);

	(void)sig;
	__asm__ volatile("mov %1, %%r9\n\t.globl t_site_sg_handler\nt_site_sg_handler:\t"
			 "movq 0x48, %0" : "=r"(r) : "r"(v) : "r9");
	if (r != v)
		atomic_fetch_add(&handler_bad, 1);
	atomic_fetch_add(&handled, 1);
}

static void *sender(void *arg)
{
	(void)arg;
	for (int i = 0; i < NSIG_SENT; i++) {
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
		while (atomic_load(&handled) <= i)
			sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct t_site sites[] = {
		{ "loop load", t_site_sg_loop_load, T_RW_INPLACE, { 0 } },
		{ "loop stub", t_site_sg_loop_stub, T_RW_STUB, { 0 } },
		{ "handler load", t_site_sg_handler, T_RW_INPLACE, { 0 } },
	};
	int on = t_rw_mode(argc, argv);
	uint64_t iters = 0, bad = 0;
	pthread_t th;

	if (on < 0)
		return 2;
	t_sites_save(sites, sizeof(sites) / sizeof(sites[0]));
	main_tid = gettid();
	signal(SIGUSR1, on_usr1);
	if (pthread_create(&th, NULL, sender, NULL)) {
		printf("FAIL: pthread_create\n");
		return 1;
	}
	while (atomic_load(&handled) < NSIG_SENT) {
		uint64_t v = iters * 0x10001, a, d;

		__asm__ volatile("mov %2, %%r10\n\t.globl t_site_sg_loop_load\n"
				 "t_site_sg_loop_load:\tmovq 0x50, %0\n\t"
				 "mov %2, %%r11\n\tmov %k2, %%ecx\n\t.globl t_site_sg_loop_stub\n"
				 "t_site_sg_loop_stub:\tmovl %%ecx, 0x5c\n\tmov %%r11, %1"
				 : "=&r"(a), "=&r"(d) : "r"(v) : "rcx", "r10", "r11");
		bad += a != v;
		bad += d != ((v & 0xffffffffull) | (v << 32));
		iters++;
	}
	pthread_join(th, NULL);
	t_expect("loop: wrong iterations", bad, 0);
	t_expect("handler: wrong loads", atomic_load(&handler_bad), 0);
	t_failures += t_sites_check(sites, sizeof(sites) / sizeof(sites[0]), on);
	printf("%llu iterations, %d signals handled\n", (unsigned long long)iters, NSIG_SENT);
	return t_done("rewrite signal");
}
