#!/bin/sh
# Signals: kill -SEGV is delivered, not emulated; signal storms lose
# nothing; SIGSTOP/SIGCONT behave as without regmap-run.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_killsegv handler
run_target 0 t_sigstorm
run_target 0 t_stopcont child
run_target 0 t_stopcont self

# kill -SEGV from outside: the program dies of it, with no fault report
$LIMIT $REGMAP_RUN "$T_DIR/t_killsegv" wait "$TMP/pid" >"$TMP/out" 2>"$TMP/err" &
bg=$!
i=0
while [ ! -s "$TMP/pid" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(cat "$TMP/pid" 2>/dev/null)
if [ -n "$pid" ]; then
	sleep 0.2
	kill -SEGV "$pid"
else
	echo "FAIL: kill -SEGV: the target never wrote its pid"; fail=1
fi
wait $bg
status=$?
sed 's/^/  err: /' "$TMP/err"
expect_status 139 "kill -SEGV from outside"
expect_not_in err "SIGSEGV at" "no fault report for kill -SEGV"

# SIGSTOP/SIGCONT of the program from outside
$LIMIT $REGMAP_RUN "$T_DIR/t_killsegv" wait "$TMP/pid2" >"$TMP/out" 2>"$TMP/err" &
bg=$!
i=0
while [ ! -s "$TMP/pid2" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(cat "$TMP/pid2" 2>/dev/null)
state() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
if [ -n "$pid" ]; then
	kill -STOP "$pid"
	i=0
	while [ $i -lt 100 ]; do
		case $(state "$pid") in T|t) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	case $(state "$pid") in
	T|t) echo "ok: kill -STOP stopped the program" ;;
	*) echo "FAIL: kill -STOP: state $(state "$pid")"; fail=1 ;;
	esac
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 0.3
	t2=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	[ "$t1" = "$t2" ] && echo "ok: no CPU time used while stopped" ||
		{ echo "FAIL: CPU time went from $t1 to $t2 while stopped"; fail=1; }
	kill -CONT "$pid"
	i=0
	t3=$t2
	while [ "$t3" = "$t2" ] && [ $i -lt 100 ]; do
		sleep 0.1
		t3=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		i=$((i + 1))
	done
	[ "$t3" != "$t2" ] && echo "ok: kill -CONT: the program runs again" ||
		{ echo "FAIL: kill -CONT: no CPU time used after it"; fail=1; }
	kill -TERM "$pid"
else
	echo "FAIL: SIGSTOP/SIGCONT: the target never wrote its pid"; fail=1
fi
wait $bg
status=$?
expect_status 143 "program killed by SIGTERM after STOP/CONT"
finish
