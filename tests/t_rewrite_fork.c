/*
 * t_rewrite_fork: native-speed sites across fork, vfork and exec (one
 * address space each, doc/REWRITE.md section 6).
 *
 *	t_rewrite_fork on|off
 *
 * - Sites rewritten before fork() are native in the child too (it has a
 *   copy of the memory), with right results; a site the child rewrites
 *   stays as it was in the parent until the parent runs it.
 * - A vfork() child shares the parent's memory: a site it rewrites is
 *   rewritten for the parent too.
 * - After exec the program's code is its file's again: sites trap and are
 *   rewritten anew (the exec'd copy checks this: "t_rewrite_fork on
 *   exec").
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_harness.h"
#include "t_rewrite.h"

extern const unsigned char t_site_fk_inplace[], t_site_fk_stub[], t_site_fk_child[],
	t_site_fk_vfork[];

/* rax = rdx (in place) */
T_SITE_FN uint64_t fk_inplace(uint64_t v)
{
	uint64_t r;

	__asm__ volatile("mov %1, %%rdx\n\t.globl t_site_fk_inplace\nt_site_fk_inplace:\t"
			 "movq 0x10, %0" : "=a"(r) : "r"(v) : "rdx");
	return r;
}

/* rdx's top half = ecx (a stub) */
T_SITE_FN uint64_t fk_stub(uint64_t v)
{
	uint64_t r;

	__asm__ volatile("xor %%edx, %%edx\n\tmov %1, %%rcx\n\t"
			 ".globl t_site_fk_stub\nt_site_fk_stub:\tmovl %%ecx, 0x14\n\tmov %%rdx, %0"
			 : "=r"(r) : "r"(v) : "rcx", "rdx");
	return r;
}

/* rax = rbx (in place), first run by the fork child */
T_SITE_FN uint64_t fk_child(uint64_t v)
{
	uint64_t r;

	__asm__ volatile("mov %1, %%rbx\n\t.globl t_site_fk_child\nt_site_fk_child:\t"
			 "movq 0x18, %0" : "=a"(r) : "r"(v) : "rbx");
	return r;
}

/* Run the fork sites n times; the count of wrong results. */
static int run_sites(int n)
{
	int bad = 0;

	for (uint64_t i = 1; i <= (uint64_t)n; i++) {
		bad += fk_inplace(i * 3) != i * 3;
		bad += fk_stub(i) != (i & 0xffffffffull) << 32;
	}
	return bad;
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int exec_part(int on)
{
	struct t_site s[] = {
		{ "in place, after exec", t_site_fk_inplace, T_RW_INPLACE, { 0 } },
		{ "stub, after exec", t_site_fk_stub, T_RW_STUB, { 0 } },
	};

	/* the file's code: nothing of the parent's rewriting is left */
	t_sites_save(s, 2);
	t_expect("exec'd copy: wrong results", run_sites(50), 0);
	t_failures += t_sites_check(s, 2, on);
	return t_done("rewrite fork (exec'd copy)");
}

int main(int argc, char **argv)
{
	struct t_site sites[] = {
		{ "in place", t_site_fk_inplace, T_RW_INPLACE, { 0 } },
		{ "stub", t_site_fk_stub, T_RW_STUB, { 0 } },
	};
	struct t_site child_site = { "child's site", t_site_fk_child, T_RW_INPLACE, { 0 } };
	struct t_site vfork_site = { "vfork child's site", t_site_fk_vfork, T_RW_INPLACE,
				     { 0 } };
	int on = t_rw_mode(argc, argv);
	unsigned char before[16];
	pid_t pid;

	if (on < 0)
		return 2;
	if (argc > 2 && !strcmp(argv[2], "exec"))
		return exec_part(on);
	t_sites_save(sites, 2);
	t_site_save(&child_site);
	t_site_save(&vfork_site);
	t_expect("before fork: wrong results", run_sites(50), 0);
	t_failures += t_sites_check(sites, 2, on);

	/* fork: the child has the rewritten code, and a space of its own */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int bad = run_sites(50);

		for (uint64_t i = 0; i < 50; i++)
			bad += fk_child(i) != i;
		bad += !t_site_check(&child_site, on);
		for (unsigned i = 0; i < 2; i++)
			bad += !t_site_check(&sites[i], on);
		_exit(bad ? 1 : 0);
	}
	t_expect("fork child's results and sites (exit status)", child_status(pid), 0);
	memcpy(before, (const void *)t_site_fk_child, sizeof(before));
	t_expect("the child's rewrite is not the parent's",
		 memcmp(before, child_site.before, sizeof(before)) != 0, 0);
	for (uint64_t i = 0; i < 20; i++)
		t_expect("parent, child's site", fk_child(i), i);
	if (!t_site_check(&child_site, on))
		t_failures++;

	/* vfork: the child runs in the parent's memory until it exits */
	pid = vfork();
	if (pid == 0) {
		uint64_t r;

		__asm__ volatile("mov $7, %%rsi\n\t.globl t_site_fk_vfork\nt_site_fk_vfork:\t"
				 "movq 0x30, %0" : "=r"(r) : : "rsi");
		_exit(r == 7 ? 0 : 1);
	}
	t_expect("vfork child's result (exit status)", child_status(pid), 0);
	if (!t_site_check(&vfork_site, on))
		t_failures++;

	/* exec: the code is the file's again */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], argv[1], "exec", NULL };

		execv("/proc/self/exe", args);
		_exit(127);
	}
	t_expect("exec'd copy (exit status)", child_status(pid), 0);
	return t_done("rewrite fork");
}
