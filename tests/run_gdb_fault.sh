#!/bin/sh
# regmap-run --gdb-on-fault: the program runs normally; at a real fault it
# stops at the faulting instruction, before the signal is delivered, and
# waits for gdb; continuing delivers the signal.
. "${srcdir:-.}/tests/run_lib.sh"
. "${srcdir:-.}/tests/gdb_lib.sh"

# ---- no fault: nothing to do with gdb ----
run $RR --gdb-on-fault $T basic
expect_status 42 "a program without a fault runs as usual"
expect_not_in err "gdb:" "no gdb line without a fault"

# ---- an access outside the map: SIGSEGV at the instruction, bt shows the caller ----
start_rr --gdb-on-fault $T crash || finish
expect_in rr.err "SIGSEGV at 0x[0-9a-f]* <gdb_crash>: mov qword ptr \[0x12345678\], 0x1" \
	"the fault report comes first"
expect_in rr.err "gdb: thread [0-9]* stopped at the fault, before SIGSEGV is delivered" \
	"regmap-run says the thread waits at the fault"
pid=$(target_pid)
expect_eq "$(proc_field "$pid" State)" t "the program waits in a tracing stop"
run_gdb 'printf "signo=%d\n", $_siginfo.si_signo' 'printf "addr=%lx\n", $_siginfo._sifields._sigfault.si_addr' \
	'printf "pc=%lx fn=%lx\n", $pc, &gdb_crash' "bt" "continue"
expect_eq "$(gdb_value signo)" 11 "the stop signal is SIGSEGV"
expect_eq "$(gdb_value addr)" 12345678 "si_addr is the address that faulted"
expect_eq "$(sed -n 's/^pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^pc=.* fn=//p' "$TMP/gdb.out")" "stopped at the faulting instruction"
gdb_has "#0  gdb_crash () at " "bt: the faulting function"
gdb_has "#1  0x[0-9a-f]* in gdb_crash_caller () at " "bt: its caller"
gdb_has "Program terminated with signal SIGSEGV" "continue delivered the SIGSEGV"
rr_wait
expect_rr_status 139 "the program died of SIGSEGV, as without gdb"

# ---- a division by zero through the map (the emulator's divide error): SIGFPE ----
start_rr --gdb-on-fault $T fpe || finish
expect_in rr.err "before SIGFPE is delivered" "the divide error waits for gdb"
run_gdb 'printf "signo=%d code=%d\n", $_siginfo.si_signo, $_siginfo.si_code' "x/i \$pc" "continue"
expect_eq "$(gdb_value signo)" "8 code=1" "SIGFPE with FPE_INTDIV"
gdb_has "=> 0x[0-9a-f]* <main+[0-9]*>:[[:space:]]*divq[[:space:]]*0x0" "stopped at the div"
gdb_has "Program terminated with signal SIGFPE" "continue delivered the SIGFPE"
rr_wait
expect_rr_status 136 "the program died of SIGFPE"

# ---- under --gdb too, a real fault is a stop gdb sees, before delivery ----
start_rr --gdb $T crash || finish
run_gdb "continue" "bt 2" 'printf "signo=%d\n", $_siginfo.si_signo' "kill"
gdb_has "Program received signal SIGSEGV, Segmentation fault" "--gdb: the fault stops the program"
gdb_has "#1  0x[0-9a-f]* in gdb_crash_caller () at " "--gdb: bt shows the caller"
rr_wait
expect_rr_status 137 "killed from gdb"
finish
