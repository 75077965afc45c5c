/*
 * t_bmi: BMI1, BMI2, ADX and CRC32 instructions with a map operand
 * (ANDN BEXTR BLSI BLSMSK BLSR BZHI PDEP PEXT SARX SHLX SHRX RORX MULX
 * ADCX ADOX CRC32).  Sets the CPU lacks are skipped (exit status 77): the
 * expected values come from running them natively.  Exit status 0 when results and flags
 * equal the CPU's (t_harness.h).
 */
#include <cpuid.h>

#include "t_harness.h"

T_INSN(andn, "andnq 0x10(%%r8), %%rcx, %%rsi")
T_INSN(bextr, "bextrq %%rdx, 0x8(%%r8), %%rsi")
T_INSN(blsi, "blsiq 0x10(%%r8), %%rcx")
T_INSN(blsmsk, "blsmskl 0x10(%%r8), %%ecx")
T_INSN(blsr, "blsrq 0x14(%%r8), %%rcx")
T_INSN(bzhi, "bzhiq %%rdx, 0x8(%%r8), %%rsi")
T_INSN(pdep, "pdepq 0x10(%%r8), %%rcx, %%rsi")
T_INSN(pext, "pextq 0x10(%%r8), %%rcx, %%rsi")
T_INSN(sarx, "sarxq %%rdx, 0x8(%%r8), %%rsi")
T_INSN(shlx, "shlxl %%edx, 0x8(%%r8), %%esi")
T_INSN(shrx, "shrxq %%rdx, 0x18(%%r8), %%rsi")
T_INSN(rorx, "rorxq $11, 0x10(%%r8), %%rcx")
T_INSN(mulx, "mulxq 0x8(%%r8), %%rsi, %%rdi")
T_INSN(adcx, "adcxq 0x10(%%r8), %%rcx")
T_INSN(adox, "adoxl 0x10(%%r8), %%ecx")
T_INSN(crc32b, "crc32b 0x9(%%r8), %%esi")
T_INSN(crc32q, "crc32q 0x10(%%r8), %%rsi")

static const struct t_case bmi1[] = {
	T_CASE(andn), T_CASE(bextr), T_CASE(blsi), T_CASE(blsmsk), T_CASE(blsr),
};

static const struct t_case bmi2[] = {
	T_CASE(bzhi), T_CASE(pdep), T_CASE(pext), T_CASE(sarx), T_CASE(shlx),
	T_CASE(shrx), T_CASE(rorx), T_CASE(mulx),
};

static const struct t_case adx[] = { T_CASE(adcx), T_CASE(adox) };
static const struct t_case crc[] = { T_CASE(crc32b), T_CASE(crc32q) };

#define RUN(name, set, have) do {						\
	if (have)								\
		t_run_cases(name, set, sizeof(set) / sizeof(set[0]), 24);	\
	else									\
		t_skip(name, "this CPU lacks it");				\
} while (0)

int main(void)
{
	unsigned a = 0, b7 = 0, c1 = 0, d = 0, c7 = 0;

	__get_cpuid(1, &a, &d, &c1, &d);
	__get_cpuid_count(7, 0, &a, &b7, &c7, &d);
	RUN("bmi1", bmi1, b7 & bit_BMI);
	RUN("bmi2", bmi2, b7 & bit_BMI2);
	RUN("adx", adx, b7 & bit_ADX);
	RUN("crc32", crc, c1 & bit_SSE4_2);
	return t_done("t_bmi");
}
