/*
 * The words of the supervisor: real-fault reports, the trace of emulated
 * accesses, warnings.  Everything goes through the report callback that
 * src/ provides; nothing here prints.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sup_internal.h"

void sup_msgf(const struct sup_session *s, enum sup_msg kind, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!s->cfg.report)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->cfg.report(s->cfg.report_ctx, kind, buf);
}

void sup_append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + n < size - 1 ? *len + n : size - 1;
}

/* "pid 12" or "pid 12 thread 14" */
static void who(pid_t tid, char *buf, size_t size)
{
	long tgid = sup_proc_status_long(tid, "Tgid");

	if (tgid > 0 && tgid != tid)
		snprintf(buf, size, "pid %ld thread %d", tgid, (int)tid);
	else
		snprintf(buf, size, "pid %d", (int)tid);
}

static void explain_not_map(const struct sup_fault_info *f, char *buf, size_t size)
{
	uint64_t addr = (uint64_t)f->si->si_addr;

	if (f->si->si_code == SI_KERNEL)
		snprintf(buf, size, "general protection fault (a non-canonical address, a "
			 "misaligned operand or a privileged instruction), not a register "
			 "map access");
	else if (f->si->si_code == SEGV_ACCERR)
		snprintf(buf, size, "address 0x%" PRIx64 " is outside the register map "
			 "(0x0-0x%x) and its page does not allow this access",
			 addr, REGMAP_MAP_SIZE - 1);
	else
		snprintf(buf, size, "address 0x%" PRIx64 " is outside the register map "
			 "(0x0-0x%x)", addr, REGMAP_MAP_SIZE - 1);
}

static void explain(const struct sup_fault_info *f, char *buf, size_t size)
{
	if (f->why) {
		snprintf(buf, size, "%s", f->why);
		return;
	}
	switch (f->status) {
	case REGMAP_EMU_NOT_MAP:
		explain_not_map(f, buf, size);
		break;
	case REGMAP_EMU_PARTIAL:
		snprintf(buf, size, "the access at 0x%" PRIx64 " is partly outside the "
			 "register map (0x0-0x%x): 0x%" PRIx64 " is not a register",
			 (uint64_t)f->si->si_addr, REGMAP_MAP_SIZE - 1, f->fault_addr);
		break;
	case REGMAP_EMU_UNSUPPORTED:
		snprintf(buf, size, "regmap cannot emulate this instruction on the "
			 "register map (unsupported instruction)");
		break;
	case REGMAP_EMU_BAD_INSN:
		snprintf(buf, size, "the bytes at rip do not decode as an x86-64 instruction");
		break;
	case REGMAP_EMU_FAULT_DE:
		snprintf(buf, size, "divide error (division by zero or quotient too large)");
		break;
	case REGMAP_EMU_FAULT_XM:
		snprintf(buf, size, "SIMD floating-point exception that the program has "
			 "unmasked in MXCSR");
		break;
	case REGMAP_EMU_FAULT_MF:
		snprintf(buf, size, "pending unmasked x87 floating-point exception");
		break;
	case REGMAP_EMU_BAD_XSTATE:
		snprintf(buf, size, "regmap cannot work on this thread's vector state "
			 "(PTRACE_GETREGSET NT_X86_XSTATE)");
		break;
	case REGMAP_EMU_FAULT_GP:
		snprintf(buf, size, "general protection fault (e.g. a misaligned operand "
			 "that must be aligned)");
		break;
	case REGMAP_EMU_MEM_FAULT:
		snprintf(buf, size, "its other memory operand at 0x%" PRIx64
			 " cannot be accessed", f->fault_addr);
		break;
	default:
		snprintf(buf, size, "%s", regmap_emu_status_str(f->status));
		break;
	}
}

static void insn_text(const struct sup_fault_info *f, char *buf, size_t size)
{
	size_t len = 0;

	if (f->insn && f->status != REGMAP_EMU_BAD_INSN) {
		regmap_emu_format(f->insn, f->rip, buf, size);
		return;
	}
	if (!f->nbytes) {
		snprintf(buf, size, "(code at rip not readable)");
		return;
	}
	sup_append(buf, size, &len, "(bytes");
	for (size_t i = 0; i < f->nbytes; i++)
		sup_append(buf, size, &len, " %02x", f->bytes[i]);
	sup_append(buf, size, &len, ")");
}

void sup_report_fault(struct sup_session *s, const struct sup_fault_info *f)
{
	char whom[64], sym[160], sym_part[176], insn[160], why[256];
	const char *abbrev = sigabbrev_np(f->signo);

	who(f->tid, whom, sizeof(whom));
	sup_symbolize(s, f->tid, f->rip, sym, sizeof(sym));
	if (sym[0])
		snprintf(sym_part, sizeof(sym_part), " <%s>", sym);
	else
		sym_part[0] = '\0';
	insn_text(f, insn, sizeof(insn));
	explain(f, why, sizeof(why));
	sup_msgf(s, SUP_MSG_FAULT, "%s: SIG%s at 0x%" PRIx64 "%s: %s: %s",
		 whom, abbrev ? abbrev : "?", f->rip, sym_part, insn, why);
	sup_backtrace(s, f->tid);
}
