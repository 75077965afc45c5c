#!/bin/sh
# Real faults: one clear report with the instruction, the address and a
# backtrace that names the function, then the signal the program would
# have got without regmap-run.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 139 t_segv outside
expect_in err "SIGSEGV at 0x[0-9a-f]* <crash_here+[0-9]*>" "report names the function"
expect_in err ": mov rax, [a-z ]*\[0x1000\]: " "report disassembles the instruction"
expect_in err "address 0x1000 is outside the register map (0x0-0x8f)" "report explains"
expect_in err "#1 .* in main" "backtrace reaches main"
[ "$(grep -c 'regmap-run: pid' "$TMP/err")" = 1 ] && echo "ok: exactly one report" ||
	{ echo "FAIL: not exactly one report"; fail=1; }

run_target 139 t_segv partial
expect_in err "partly outside the register map" "partial access explained"
expect_in err ": mov rax, [a-z ]*\[0x8[cC]\]: " "partial access disassembled"

run_target 139 t_segv stack
expect_in err ": push [a-z ]*\[0x8\]: " "stack fault disassembled"
expect_in err "cannot be accessed" "stack fault explained"

run_target 139 t_unsupported
expect_in err ": fxsave [a-z ]*\[0x0*\]: " "unsupported instruction named"
expect_in err "unsupported instruction" "unsupported instruction explained"
expect_in err "save_fpu_state" "unsupported instruction's function named"

run_target 0 t_handler
run_target 0 t_divzero handler
run_target 136 t_divzero die
expect_in err "divide error" "divide error reported"

# -q: no reports, same statuses
if [ -n "$REGMAP_RUN" ]; then
	run $REGMAP_RUN -q "$T_DIR/t_segv" outside
	expect_status 139 "-q t_segv outside"
	expect_not_in err "regmap-run:" "-q prints no report"
fi
finish
