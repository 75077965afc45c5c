#!/bin/sh
# The program's SIGSEGV action and mask after a map access made while
# SIGSEGV is blocked or ignored are what they were: the kernel forces the
# fault (SIG_DFL, unblocked), regmap undoes that.  A real fault with
# SIGSEGV blocked still kills, as without regmap.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_sigsegv_kept handler
expect_not_in err "warning" "handler: nothing to warn about"
run_target 0 t_sigsegv_kept procmask
run_target 0 t_sigsegv_kept ignored
if [ -n "$REGMAP_RUN" ]; then
	# regmap-run cannot see whether an ignored SIGSEGV was also blocked
	expect_in err "cannot tell whether SIGSEGV was blocked too" "ignored: said once"
fi
run_target 139 t_sigsegv_kept fault

# regmap-run -p: the action read at attach is put back (and said so)
if [ -n "$REGMAP_RUN" ]; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
	if [ "$(id -u)" != 0 ] && [ "$scope" != 0 ]; then
		echo "skipped: -p case (kernel.yama.ptrace_scope = $scope needs root)"
	else
		"$T_DIR/t_sigsegv_kept" attach "$TMP/pid" >"$TMP/t.out" 2>&1 & tpid=$!
		i=0
		while [ ! -s "$TMP/pid" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
		$REGMAP_RUN -p "$tpid" >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
		i=0
		while ! grep -q "attached to $tpid" "$TMP/rr.err" && [ $i -lt 2000 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		touch "$TMP/pid.go"
		wait $tpid
		status=$?
		sed 's/^/  out: /' "$TMP/t.out"
		expect_status 0 "-p: t_sigsegv_kept attach"
		kill -INT $rpid 2>/dev/null
		wait $rpid
		sed 's/^/  err: /' "$TMP/rr.err"
		expect_in rr.err "put back the one the process had when regmap-run attached" \
			"-p: the restored handler is the one read at attach, said once"
	fi
fi
finish
