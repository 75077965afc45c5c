/*
 * t_string: string instructions with one pointer in the map and the
 * other in real memory (MOVS STOS LODS CMPS SCAS, with REP, both
 * directions).  Expected values are computed here from the registers'
 * known contents.  Exit status 0 when everything matches.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "t_harness.h"

#define ZF 0x40ull
#define CF 0x01ull

int main(void)
{
	uint64_t buf[4] = { 0x1111111111111111ull, 0x2222222222222222ull, 0, 0 };
	uint64_t rsi, rdi, rcx, rax, rdx, rbx, fl;
	const uint64_t pattern = 0x0123456789abcdefull;

	/* movsq from the map: [rsi=0x18] is rbx */
	rbx = pattern;
	rsi = 0x18;
	rdi = (uint64_t)buf;
	__asm__ volatile("cld\n\tmovsq" : "+S"(rsi), "+D"(rdi) : "b"(rbx) : "memory");
	t_expect("movsq from [0x18]: the copy is rbx", buf[0], pattern);
	t_expect("movsq from [0x18]: rsi advanced", rsi, 0x20);
	t_expect("movsq from [0x18]: rdi advanced", rdi, (uint64_t)buf + 8);

	/* movsq into the map: rbx = buf[1] */
	rsi = (uint64_t)&buf[1];
	rdi = 0x18;
	rbx = 0;
	__asm__ volatile("cld\n\tmovsq" : "+S"(rsi), "+D"(rdi), "+b"(rbx) : : "memory");
	t_expect("movsq into [0x18]: rbx is the source", rbx, 0x2222222222222222ull);
	t_expect("movsq into [0x18]: rdi advanced", rdi, 0x20);

	/* stosq into the map: rbx = rax */
	rdi = 0x18;
	rbx = 0;
	__asm__ volatile("cld\n\tstosq" : "+D"(rdi), "+b"(rbx) : "a"(pattern) : "memory");
	t_expect("stosq into [0x18]: rbx = rax", rbx, pattern);
	t_expect("stosq into [0x18]: rdi advanced", rdi, 0x20);

	/* lodsq from the map, backwards: rax = rdx, rsi goes down */
	rsi = 0x10;
	rdx = pattern;
	__asm__ volatile("std\n\tlodsq\n\tcld" : "+S"(rsi), "=a"(rax) : "d"(rdx) : "memory");
	t_expect("std; lodsq from [0x10]: rax = rdx", rax, pattern);
	t_expect("std; lodsq from [0x10]: rsi went down", rsi, 0x8);

	/* rep movsb: the 8 bytes of rdx to memory */
	memset(buf, 0, sizeof(buf));
	rsi = 0x10;
	rdi = (uint64_t)buf;
	rcx = 8;
	__asm__ volatile("cld\n\trep movsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx)
			 : "d"(pattern) : "memory");
	t_expect("rep movsb from [0x10]: the bytes of rdx", buf[0], pattern);
	t_expect("rep movsb: rcx counted down", rcx, 0);
	t_expect("rep movsb: rsi advanced", rsi, 0x18);

	/* cmpsq: [rsi=0x10] (rdx) against memory; equal -> ZF */
	buf[0] = pattern;
	rsi = 0x10;
	rdi = (uint64_t)buf;
	__asm__ volatile("cld\n\tcmpsq\n\tpushfq\n\tpopq %2"
			 : "+S"(rsi), "+D"(rdi), "=r"(fl) : "d"(pattern) : "cc", "memory");
	t_expect("cmpsq [0x10] with an equal qword sets ZF", fl & ZF, ZF);

	/* scasq: rax against [rdi=0x10] (rdx); rax < rdx -> CF, not ZF */
	rdi = 0x10;
	__asm__ volatile("cld\n\tscasq\n\tpushfq\n\tpopq %1"
			 : "+D"(rdi), "=r"(fl) : "a"(1ull), "d"(pattern) : "cc", "memory");
	t_expect("scasq [0x10]: rax < rdx sets CF", fl & (CF | ZF), CF);
	t_expect("scasq [0x10]: rdi advanced", rdi, 0x18);

	/* repne scasb over rdx's bytes looking for 0x89 (its 4th byte) */
	rdi = 0x10;
	rcx = 8;
	__asm__ volatile("cld\n\trepne scasb" : "+D"(rdi), "+c"(rcx)
			 : "a"(0x89ull), "d"(pattern) : "cc", "memory");
	t_expect("repne scasb found 0x89 after 4 bytes: rdi", rdi, 0x14);
	t_expect("repne scasb found 0x89 after 4 bytes: rcx", rcx, 4);

	return t_done("t_string");
}
