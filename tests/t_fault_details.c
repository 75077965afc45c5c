/*
 * t_fault_details: the program's own SIGSEGV handler gets from a map
 * instruction the fault the CPU would give, compared with the same
 * instruction on a register (run natively):
 *
 *   push qword [0x10] onto a read-only stack, against push rdx: the
 *   address of the failed write and SEGV_ACCERR, rip on the push;
 *   mov [0x80], rax with a non-canonical rax (a jump through the rip
 *   slot), against jmp rax: SI_KERNEL, no address, rip on the
 *   instruction, rax unchanged;
 *   cli, hlt, in al, dx and a far ret (no map operand, #GP): SI_KERNEL
 *   at the instruction, and regmap says nothing about them (the runner
 *   checks standard error).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "t_harness.h"

struct seen {
	int sig, code;
	uint64_t addr, rip, rax;
};

static sigjmp_buf jb;
static struct seen seen;
static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	seen.sig = sig;
	seen.code = si->si_code;
	seen.addr = (uint64_t)(uintptr_t)si->si_addr;
	seen.rip = uc->uc_mcontext.gregs[REG_RIP];
	seen.rax = uc->uc_mcontext.gregs[REG_RAX];
	siglongjmp(jb, 1);
}

extern char push_reg[], push_map[], jmp_reg[], jmp_map[];
extern char gp_cli[], gp_hlt[], gp_in[], gp_lret[];

/* rsp on a read-only page's top for one push; rdx and the map's 0x10 hold it */
static void push_on(uint64_t top, int map)
{
	if (map)
		__asm__ volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n"
				 "push_map:\n\tpushq 0x10\n\tmov %%rbx, %%rsp"
				 : : "r"(top) : "rbx", "memory");
	else
		__asm__ volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n"
				 "push_reg:\n\tpush %%rdx\n\tmov %%rbx, %%rsp"
				 : : "r"(top) : "rbx", "rdx", "memory");
}

static void jump_to(uint64_t target, int map)
{
	if (map)
		__asm__ volatile("jmp_map:\n\tmovq %%rax, 0x80" : : "a"(target) : "memory");
	else
		__asm__ volatile("jmp_reg:\n\tjmp *%%rax" : : "a"(target) : "memory");
}

static struct seen try_push(uint64_t top, int map)
{
	memset(&seen, 0, sizeof(seen));
	if (!sigsetjmp(jb, 1))
		push_on(top, map);
	return seen;
}

static struct seen try_jump(uint64_t target, int map)
{
	memset(&seen, 0, sizeof(seen));
	if (!sigsetjmp(jb, 1))
		jump_to(target, map);
	return seen;
}

static void gp(const char *name, int which, const char *at)
{
	memset(&seen, 0, sizeof(seen));
	if (!sigsetjmp(jb, 1)) {
		switch (which) {
		case 0:
			__asm__ volatile("gp_cli:\n\tcli");
			break;
		case 1:
			__asm__ volatile("gp_hlt:\n\thlt");
			break;
		case 2:
			__asm__ volatile("xor %%edx, %%edx\n\tgp_in:\n\tinb %%dx, %%al" : : : "rax", "rdx");
			break;
		default:
			/* a null code segment selector: #GP */
			__asm__ volatile("pushq $0\n\tpushq $0\n\tgp_lret:\n\tlretq" : : : "memory");
			break;
		}
	}
	printf("%s: signal %d code %d\n", name, seen.sig, seen.code);
	t_expect(name, seen.sig, SIGSEGV);
	t_expect(name, (uint64_t)seen.code, SI_KERNEL);
	t_expect(name, seen.rip, (uint64_t)(uintptr_t)at);
}

int main(void)
{
	static uint8_t altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	struct seen nat, map;
	uint8_t *ro;
	uint64_t top, bad = 0x8000000000000000ull;

	/* the handler needs a stack the faulting push cannot give it */
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		return 2;
	top = (uint64_t)(uintptr_t)ro + 4096;
	nat = try_push(top, 0);
	map = try_push(top, 1);
	printf("push onto a read-only stack: native code %d at top%+lld, map code %d at "
	       "top%+lld\n", nat.code, (long long)(nat.addr - top), map.code,
	       (long long)(map.addr - top));
	t_expect("push: signal", map.sig, nat.sig);
	t_expect("push: si_code", (uint64_t)map.code, (uint64_t)nat.code);
	t_expect("push: si_addr", map.addr, nat.addr);
	t_expect("push: rip (map)", map.rip, (uint64_t)(uintptr_t)push_map);
	t_expect("push: rip (native)", nat.rip, (uint64_t)(uintptr_t)push_reg);

	nat = try_jump(bad, 0);
	map = try_jump(bad, 1);
	printf("jump to %#llx: native code %d rip %s, map code %d rip %s\n",
	       (unsigned long long)bad, nat.code, nat.rip == (uintptr_t)jmp_reg ? "at the jmp" : "elsewhere",
	       map.code, map.rip == (uintptr_t)jmp_map ? "at the mov" : "elsewhere");
	t_expect("jump: signal", map.sig, nat.sig);
	t_expect("jump: si_code", (uint64_t)map.code, (uint64_t)nat.code);
	t_expect("jump: si_addr", map.addr, nat.addr);
	t_expect("jump: rip (native)", nat.rip, (uint64_t)(uintptr_t)jmp_reg);
	t_expect("jump: rip (map)", map.rip, (uint64_t)(uintptr_t)jmp_map);
	t_expect("jump: rax", map.rax, bad);

	gp("cli", 0, gp_cli);
	gp("hlt", 1, gp_hlt);
	gp("in al, dx", 2, gp_in);
	gp("far ret", 3, gp_lret);

	return t_done("t_fault_details");
}
