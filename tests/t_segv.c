/*
 * t_segv MODE: a real fault, after some map accesses, in a function with
 * a name the backtrace must show (crash_here):
 *   outside   read address 0x1000, outside the map
 *   partial   an 8-byte read at 0x8c, partly outside the map
 *   stack     push [0x8] with rsp on an unmapped page: the map read is
 *             fine, the stack write is not
 * The program does not handle SIGSEGV: it must die of it (status 139).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "t_map.h"

__attribute__((noinline)) void crash_here(const char *mode)
{
	if (!strcmp(mode, "outside")) {
		__asm__ volatile("movq 0x1000, %%rax" : : : "rax", "memory");
	} else if (!strcmp(mode, "partial")) {
		__asm__ volatile("movq 0x8c, %%rax" : : : "rax", "memory");
	} else if (!strcmp(mode, "stack")) {
		char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (page == MAP_FAILED || munmap(page, 4096))
			return;
		__asm__ volatile("movq %%rsp, %%rbx\n\t"
				 "movq %0, %%rsp\n\t"
				 "pushq 0x8\n\t"
				 "movq %%rbx, %%rsp"
				 : : "r"(page + 4096) : "rbx", "memory");
	}
}

int main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: t_segv outside|partial|stack\n");
		return 2;
	}
	if (t_map_add(1, 2) != 3) {
		printf("FAIL the map's add gave a wrong sum\n");
		return 1;
	}
	crash_here(argv[1]);
	printf("FAIL survived a real fault\n");
	return 1;
}
