#!/bin/sh
# The integration targets of regmap-run, linked with libregmap instead
# (tests/lib/t_*, which enable the map from a constructor), run with no
# supervisor through regmap-run's own runners (REGMAP_RUN empty, T_DIR
# tests/lib): the same programs, the same expected results.
#
# run_faults.sh also checks regmap-run's fault reports, which libregmap
# does not print (it passes real faults on silently, to the program's
# handler or the default action); its exit statuses are checked here
# instead, with libregmap's own message for an unsupported instruction.
# run_plain.sh, run_errors.sh and run_loads.sh are about regmap-run
# itself and have no libregmap form.
set -u
srcdir=${srcdir:-.}
# a sanitizer build's programs: no sanitizer SIGSEGV/SIGBUS/SIGFPE handler
# (libregmap would rightly pass real faults to it, which reports them and
# exits 1, where the runners expect the default action); LeakSanitizer
# cannot run under ptrace, which some of the runners' targets use
ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_sigfpe=0:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS
unset REGMAP_RUN_PID REGMAP_PRELOAD
pass=0 fail=0 nskip=0

for r in run_t_mov run_t_alu run_t_shift run_t_muldiv run_t_bit run_t_bmi \
	 run_t_xchg run_t_cond run_t_stack run_t_string run_t_vector run_t_threads \
	 run_fork run_exit run_signals run_addressing run_cpu_exact run_stacks \
	 run_sigsegv_state run_rewrite; do
	if [ ! -f "$srcdir/tests/$r.sh" ]; then
		echo "FAIL: $r.sh is missing"
		fail=$((fail + 1))
		continue
	fi
	REGMAP_RUN= T_DIR=./tests/lib sh "$srcdir/tests/$r.sh" >"tests/lib/$r.log" 2>&1
	rc=$?
	sed "s/^/  $r: /" "tests/lib/$r.log"
	if [ "$rc" = 0 ]; then
		echo "PASS: $r with libregmap"
		pass=$((pass + 1))
	elif [ "$rc" = 77 ]; then
		echo "SKIP: $r with libregmap: some of its checks cannot run here (see above)"
		nskip=$((nskip + 1))
	else
		echo "FAIL: $r with libregmap (exit status $rc)"
		fail=$((fail + 1))
	fi
done

# run_faults.sh's cases: the statuses, and libregmap's message (run_lib.sh
# resets "fail", its failure flag)
npass=$pass nfail=$fail
. "$srcdir/tests/run_lib.sh"
REGMAP_RUN=
T_DIR=./tests/lib
run_target 139 t_segv outside
run_target 139 t_segv partial
run_target 139 t_segv stack
run_target 139 t_unsupported
expect_in err "regmap: cannot emulate \`fxsave" "unsupported instruction named"
expect_in err "(unsupported instruction on the register map)" "unsupported instruction explained"
run_target 0 t_handler
run_target 0 t_divzero handler
run_target 136 t_divzero die
if [ "$fail" = 0 ] && [ "$skipped" != 0 ]; then
	echo "SKIP: run_faults cases with libregmap: some of their checks cannot run here"
	nskip=$((nskip + 1))
elif [ "$fail" = 0 ]; then
	echo "PASS: run_faults cases with libregmap"
	npass=$((npass + 1))
else
	echo "FAIL: run_faults cases with libregmap"
	nfail=$((nfail + 1))
fi
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ] || exit 1
[ "$nskip" = 0 ] || exit 77
