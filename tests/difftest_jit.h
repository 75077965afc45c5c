/*
 * Layout of difftest's JIT mapping, shared by difftest_jit.S and
 * difftest_native.c.  Page 0 holds a copy of the code template; page 1
 * the data the template addresses rip-relative (so the copy needs no
 * relocation) and the buffer the native instruction's memory operand
 * points at; page 2 the scratch stack and string memory.  Data sits on
 * its own page so that the native stores do not hit the code page
 * (self-modifying-code machine clears).  Pages 3 to 6 are two more map
 * images between guard pages (no access): one right after page 3, one
 * ending where page 6 begins, so that a native access that leaves the
 * map faults there, as the same access next to page 0's map would.
 *
 * The mapping goes at a fixed address if it can, so that the addresses
 * a case sees (rip, the landing pad, rsp) and with them its result are
 * the same in every run: a replay must reproduce the failure.  That
 * address is below 2^31: a displacement (sign-extended disp32) or a
 * 32-bit address (0x67) can reach every part of the mapping, which the
 * addressing forms need (difftest_addr.c); where it is taken, anywhere
 * below 2^31 (MAP_32BIT) will do.
 */
#ifndef REGMAP_DIFFTEST_JIT_H
#define REGMAP_DIFFTEST_JIT_H

#define DT_JIT_PAGE	4096
#define DT_JIT_SIZE	(7 * DT_JIT_PAGE)
#define DT_JIT_DATA	DT_JIT_PAGE	/* offset of the data page */
#define DT_JIT_SCRATCH	(2 * DT_JIT_PAGE) /* offset of the scratch page */
#define DT_JIT_GUARD_LO	(3 * DT_JIT_PAGE) /* no access */
#define DT_JIT_IMG_LO	(4 * DT_JIT_PAGE) /* a map image right after a guard page */
#define DT_JIT_IMG_HI	(6 * DT_JIT_PAGE - 0x90) /* one right before a guard page */
#define DT_JIT_GUARD_HI	(6 * DT_JIT_PAGE) /* no access */
#define DT_JIT_ADDR	0x5eed0000ull	/* preferred address (< 2^31, not page 0's neighbourhood) */

/* offsets in the data page */
#define DT_D_IN		0x000	/* 16 GPRs loaded before the instruction */
#define DT_D_INFLAGS	0x080	/* rflags loaded before the instruction */
#define DT_D_HOSTRSP	0x088	/* the caller's rsp */
#define DT_D_INSN	0x090	/* address of the instruction */
#define DT_D_LANDED	0x098	/* set to 1 by the landing pad */
#define DT_D_OUT	0x100	/* 16 GPRs after the instruction */
#define DT_D_OUTFLAGS	0x180	/* rflags after the instruction */
#define DT_D_BUF	0x400	/* the map image (REGMAP_MAP_SIZE bytes) */
#define DT_D_XMASK	0x0a0	/* XSAVE components to XRSTOR before and XSAVE after (0: none) */
#define DT_D_HOSTMX	0x0a8	/* the caller's MXCSR (4 bytes) and x87 control word */
#define DT_D_XAREA	0x500	/* the XSAVE area (x87 .. Hi16_ZMM: up to 0xa80 bytes) */
#define DT_D_SEGSET	0x0b0	/* nonzero: set the fs and gs bases around the instruction */
#define DT_D_FS		0x0b8	/* ... to these */
#define DT_D_GS		0x0c0
#define DT_D_HOSTFS	0x0c8	/* and back to these (glibc's thread pointer in fs) */
#define DT_D_HOSTGS	0x0d0
#define DT_D_SEGERR	0x0d8	/* the arch_prctl() results or-ed together (0: all worked) */

/* bytes of int3 before the epilogue; the instruction ends where they end */
#define DT_JIT_SLOT	32

#endif
