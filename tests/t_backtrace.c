/*
 * t_backtrace: a thread made by pthread_create() (its stack runs through
 * libc's start_thread and clone3, which stripped libc.so.6 does not
 * export) makes a real fault outside the map in crash_in_thread().
 * Before that it prints every loaded library as "object PATH 0xBIAS"
 * (its load bias), so that tests/run_backtrace.sh can turn the
 * backtrace's addresses into addresses in the files and check each name
 * against their symbol tables and gdb.  Dies of SIGSEGV.
 */
#define _GNU_SOURCE
#include <link.h>
#include <pthread.h>
#include <stdio.h>

static int print_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name && info->dlpi_name[0] == '/')
		printf("object %s 0x%lx\n", info->dlpi_name, (unsigned long)info->dlpi_addr);
	return 0;
}

__attribute__((noinline)) void crash_in_thread(void)
{
	__asm__ volatile("movq 0x1000, %%rax" : : : "rax", "memory");
}

static void *thread_main(void *arg)
{
	(void)arg;
	crash_in_thread();
	return NULL;
}

int main(void)
{
	pthread_t t;

	dl_iterate_phdr(print_object, NULL);
	fflush(stdout);
	if (pthread_create(&t, NULL, thread_main, NULL))
		return 2;
	pthread_join(t, NULL);
	return 3;	/* not reached: the fault kills the process */
}
