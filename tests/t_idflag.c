/*
 * t_idflag: a write to the rflags slot changes the ID flag as popf does
 * (regmap(7)): xor [0x88], 1 << 21 toggles it, and so does the same xor
 * on the flags on the stack followed by popf, natively; mov [0x88], rax
 * sets it to rax's bit.  An access that does not write the rflags slot
 * leaves ID as it was.
 */
#include <stdint.h>
#include <stdio.h>

#define ID	0x200000ull

static uint64_t flags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(f));
	return f;
}

static int fails;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	printf("%-40s ID %s (want %s)\n", what, got & ID ? "set" : "clear",
	       want & ID ? "set" : "clear");
	if ((got ^ want) & ID) {
		printf("FAIL %s\n", what);
		fails++;
	}
}

int main(void)
{
	uint64_t f0 = flags(), f;

	/* natively: the CPU lets a program toggle ID (it has CPUID) */
	__asm__ volatile("pushfq\n\txorq $0x200000, (%%rsp)\n\tpopfq" : : : "cc", "memory");
	f = flags();
	expect("popf with ID toggled", f, f0 ^ ID);
	__asm__ volatile("pushfq\n\txorq $0x200000, (%%rsp)\n\tpopfq" : : : "cc", "memory");
	if ((f ^ f0) & ID) {
		/* through the map */
		__asm__ volatile("xorq $0x200000, 0x88" : : : "cc", "memory");
		expect("xor qword ptr [0x88], 0x200000", flags(), f0 ^ ID);
		__asm__ volatile("xorq $0x200000, 0x88" : : : "cc", "memory");
		expect("the same again", flags(), f0);
		__asm__ volatile("pushfq\n\tpopq %%rax\n\txorq $0x200000, %%rax\n\t"
				 "movq %%rax, 0x88" : : : "rax", "cc", "memory");
		expect("mov qword ptr [0x88], rax (ID toggled)", flags(), f0 ^ ID);
		__asm__ volatile("pushfq\n\tpopq %%rax\n\tandq $~0x200000, %%rax\n\t"
				 "movq %%rax, 0x88" : : : "rax", "cc", "memory");
		expect("mov qword ptr [0x88], rax (ID clear)", flags(), 0);
		/* ID set: an access that does not write rflags keeps it */
		__asm__ volatile("pushfq\n\torq $0x200000, (%%rsp)\n\tpopfq\n\t"
				 "addq $1, 0x0" : : : "rax", "cc", "memory");
		expect("add qword ptr [0x0], 1 (ID set before)", flags(), ID);
		__asm__ volatile("pushfq\n\tandq $~0x200000, (%%rsp)\n\tpopfq" : : : "cc");
	}
	printf("t_idflag: %s\n", fails ? "FAILED" : "ok");
	return fails != 0;
}
