/*
 * t_seccomp_vm [vm|all]: map accesses under a seccomp policy like
 * Docker's default profile without CAP_SYS_PTRACE, which refuses
 * process_vm_readv and process_vm_writev (EPERM):
 *
 *   vm   push qword [0x10] and rep movsq out of the map work (their other
 *        operand is the program's own memory), and exit 0;
 *   all  rt_sigaction, tgkill and rt_tgsigqueueinfo are refused too: the
 *        accesses still work, then a real fault with the default action
 *        kills the program with SIGSEGV (the runner expects 139), as
 *        without regmap, instead of spinning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int deny(const long *nrs, unsigned n)
{
	struct sock_filter f[2 + 2 * 8];
	struct sock_fprog prog = { 0, f };
	unsigned k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = k;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

int main(int argc, char *argv[])
{
	static const long vm[] = { SYS_process_vm_readv, SYS_process_vm_writev,
				   SYS_rt_sigaction, SYS_tgkill, SYS_rt_tgsigqueueinfo };
	int all = argc > 1 && !strcmp(argv[1], "all");
	uint64_t pushed, rdx = 0x1122334455667788ull, out[3] = { 0, 0, 0 }, *dst = out;
	int fails = 0;

	if (deny(vm, all ? 5 : 2)) {
		perror("t_seccomp_vm: seccomp");
		return 2;
	}
	if (syscall(SYS_process_vm_readv, getpid(), NULL, 0, NULL, 0, 0) != -1 || errno != EPERM) {
		printf("FAIL the filter does not refuse process_vm_readv\n");
		return 2;
	}

	/* push [0x10]: rdx onto the real stack */
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpushq 0x10\n\tpop %0\n\tlea 128(%%rsp), %%rsp"
			 : "=r"(pushed) : "d"(rdx) : "memory");
	if (pushed != rdx) {
		printf("FAIL push [0x10] pushed %#llx\n", (unsigned long long)pushed);
		fails++;
	}
	/* rep movsq from the map (rdx, rbx, rsp) into real memory */
	__asm__ volatile("mov $0x10, %%esi\n\tmov $0x3030303030303030, %%rbx\n\t"
			 "mov $3, %%ecx\n\trep movsq"
			 : "+D"(dst), "+d"(rdx) : : "rbx", "rcx", "rsi", "memory");
	if (out[0] != 0x1122334455667788ull || out[1] != 0x3030303030303030ull) {
		printf("FAIL rep movsq from the map copied %#llx %#llx\n",
		       (unsigned long long)out[0], (unsigned long long)out[1]);
		fails++;
	}
	printf("t_seccomp_vm %s: map accesses %s\n", all ? "all" : "vm", fails ? "FAILED" : "ok");
	if (fails || !all)
		return fails != 0;
	fflush(stdout);
	/* a real fault, default action: dies of SIGSEGV */
	*(volatile char *)0x5000 = 1;
	printf("FAIL survived a fault at 0x5000\n");
	return 1;
}
