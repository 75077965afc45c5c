/*
 * The register lists difftest's two native runners (difftest_jit.S,
 * difftest_rewrite_jit.S) load before the code under test and store
 * after it, and the host registers they keep.  M(off) is the runner's addressing of the save area's slot
 * for map offset off (rip-relative, so no register is needed for it).
 */
#ifndef REGMAP_DIFFTEST_GPRS_H
#define REGMAP_DIFFTEST_GPRS_H

/* every GPR but rsp, which the runner loads last */
#define DT_GPRS_LOAD(M) \
	mov M(0x00), %rax; mov M(0x08), %rcx; mov M(0x10), %rdx; mov M(0x18), %rbx; \
	mov M(0x28), %rbp; mov M(0x30), %rsi; mov M(0x38), %rdi; mov M(0x40), %r8; \
	mov M(0x48), %r9; mov M(0x50), %r10; mov M(0x58), %r11; mov M(0x60), %r12; \
	mov M(0x68), %r13; mov M(0x70), %r14; mov M(0x78), %r15

#define DT_GPRS_STORE(M) \
	mov %rax, M(0x00); mov %rcx, M(0x08); mov %rdx, M(0x10); mov %rbx, M(0x18); \
	mov %rsp, M(0x20); mov %rbp, M(0x28); mov %rsi, M(0x30); mov %rdi, M(0x38); \
	mov %r8, M(0x40); mov %r9, M(0x48); mov %r10, M(0x50); mov %r11, M(0x58); \
	mov %r12, M(0x60); mov %r13, M(0x68); mov %r14, M(0x70); mov %r15, M(0x78)

/* the C caller's callee-saved registers, around the whole run */
#define DT_HOST_SAVE \
	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15
#define DT_HOST_RESTORE \
	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx

#endif
