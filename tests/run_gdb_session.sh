#!/bin/sh
# regmap-run --gdb: the life of a session.  detach lets the program finish
# under regmap-run with its own exit status; kill ends it; gdb killed with
# SIGKILL leaves nothing stopped (the program goes on, served); a second
# gdb is refused; Ctrl-C stops a running program; fork and vfork children
# never meet gdb's breakpoints; gdb follows an exec; bad ports are
# refused; -p PID stops a running program where it is.
. "${srcdir:-.}/tests/run_lib.sh"
. "${srcdir:-.}/tests/gdb_lib.sh"

# ---- detach: the program goes on under regmap-run ----
start_rr --gdb $T basic || finish
run_gdb "break gdb_marker" "continue" "detach"
gdb_has "\[Inferior 1 (process [0-9]*) detached\]" "gdb detached"
rr_wait
expect_in rr.err "gdb: detached; the program goes on under regmap-run" "regmap-run says so"
expect_rr_status 42 "after detach the program finished (its map accesses still served)"

# ---- kill ----
start_rr --gdb $T basic || finish
run_gdb "break gdb_marker" "continue" "kill"
gdb_has "killed" "gdb killed the program"
rr_wait
expect_rr_status 137 "kill ends the program (SIGKILL)"

# ---- gdb killed with SIGKILL while the program is stopped; a second gdb refused ----
mkfifo "$TMP/gdb.in"
exec 3<>"$TMP/gdb.in"	# a writer that never writes: gdb waits for commands
start_rr --gdb $T wait "$TMP/go" || finish
gdb -nx -q -ex "set pagination off" -ex "set remotetimeout 120" -ex "target remote :$PORT" -ex "break gdb_marker" \
	-ex "continue" -ex "shell touch $TMP/at_marker" $T <"$TMP/gdb.in" >"$TMP/gdb1.out" 2>&1 &
gdb_pid=$!
watchdog $gdb_pid
wait_for_file "$TMP/at_marker"
pid=$(target_pid)
expect_eq "$(proc_field "$pid" State)" t "the program is stopped at the breakpoint"
run_gdb "info registers rip"
gdb_has "Remote connection closed\|Connection reset\|Remote communication error" \
	"a second gdb gets no connection"
expect_in rr.err "gdb: refused a second connection on port $PORT: a gdb is already connected" \
	"regmap-run says it refused the second gdb"
kill -9 $gdb_pid
wait $gdb_pid 2>/dev/null
unwatch
sed 's/^/  gdb1: /' "$TMP/gdb1.out"; echo
wait_for "$TMP/rr.err" "the connection closed without a detach"
i=0
while [ "$(proc_field "$pid" State)" = t ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
case $(proc_field "$pid" State) in
R|S|D) echo "ok: after gdb died, the program runs";;
*) echo "FAIL: after gdb died, the program is in state $(proc_field "$pid" State)"; fail=1;;
esac
expect_eq "$(proc_field "$pid" TracerPid)" "$RR_PID" "and is still served by regmap-run"
for t in /proc/$pid/task/*; do
	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$t/status" 2>/dev/null)
	[ "$st" = t ] || [ "$st" = T ] && { echo "FAIL: thread $t is stopped ($st)"; fail=1; }
done
touch "$TMP/go"
rr_wait
expect_rr_status 42 "the program finished after gdb was killed"
if [ -e "/proc/$pid" ]; then
	echo "FAIL: process $pid is still there"
	fail=1
else
	echo "ok: no process left behind"
fi
exec 3>&-

# ---- Ctrl-C: SIGINT to gdb while the program runs ----
start_rr --gdb $T spin "$TMP/spinning" || finish
# --foreground: otherwise timeout passes the SIGINT on to gdb and then to
# its whole process group, gdb again: a second Ctrl-C before the stop
# reply makes gdb ask whether to give up, and in batch mode it does
timeout --foreground -k 10 300 gdb -batch -nx -ex "set pagination off" -ex "set remotetimeout 120" \
	-ex "target remote :$PORT" \
	-ex "continue" -ex 'printf "stopped_in=%d\n", gdb_spin_stop' \
	-ex "set var gdb_spin_stop = 1" -ex "continue" $T >"$TMP/gdb.out" 2>&1 &
gdb_pid=$!
wait_for_file "$TMP/spinning"
kill -INT $gdb_pid
wait $gdb_pid
sed 's/^/  gdb: /' "$TMP/gdb.out"
gdb_has "Program received signal SIGINT" "Ctrl-C stopped the running program"
expect_eq "$(gdb_value stopped_in)" 0 "gdb could read the program's memory then"
gdb_has "exited with code 054" "it ran on to its end"
rr_wait
expect_rr_status 44 "after Ctrl-C"

# ---- children made by fork and vfork never meet gdb's breakpoints ----
for mode in fork vfork; do
	start_rr --gdb $T $mode || finish
	run_gdb "break gdb_marker" "continue" 'printf "hit_pid=%d\n", $_inferior' "info inferiors" \
		"continue"
	hits=$(grep -c "Breakpoint 1, gdb_marker ()" "$TMP/gdb.out")
	expect_eq "$hits" 1 "$mode: the breakpoint stopped the parent once, not the child"
	rr_wait
	expect_rr_status $([ $mode = fork ] && echo 45 || echo 46) \
		"$mode: the child passed gdb_marker and exited 0"
done

# ---- exec: gdb follows the process into its new program ----
start_rr --gdb $T exec || finish
run_gdb "break gdb_marker" "continue" "continue" "bt" "continue"
gdb_has "process [0-9]* is executing new program: .*t_gdb" "gdb was told of the exec"
hits=$(grep -c "Breakpoint 1, gdb_marker ()" "$TMP/gdb.out")
expect_eq "$hits" 2 "the breakpoint stopped the old program and the new one"
gdb_has "#1  0x[0-9a-f]* in basic () at " "the new program's symbols (basic() is only called after the exec)"
rr_wait
expect_rr_status 42 "the new program ran to its end"

# ---- a busy port, a bad port, --gdb where it cannot work ----
start_rr --gdb $T basic || finish
run $RR --gdb=$PORT $T basic
expect_status 125 "--gdb on a port in use"
expect_in err "regmap-run: --gdb: cannot listen on 127.0.0.1:$PORT: Address already in use" \
	"the busy port is named"
run_gdb "continue"
rr_wait
expect_rr_status 42 "the first session was not disturbed"
run $RR --gdb=0 $T basic
expect_status 125 "--gdb=0"
expect_in err "not a TCP port" "a bad port is named"
run $RR --gdb --in-process $T basic
expect_status 125 "--gdb --in-process"
expect_in err "need the supervisor" "--gdb needs the supervisor"
run $RR --gdb -p 1 -p 2
expect_status 125 "--gdb with two -p"

# ---- -p PID: stopped where it is; detach leaves it served by regmap-run ----
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$(id -u)" != 0 ] && [ "$scope" != 0 ]; then
	echo "skipped: -p with --gdb (kernel.yama.ptrace_scope = $scope: attaching needs root)"
	finish
fi
rm -f "$TMP/go"
$T wait "$TMP/go" &
tpid=$!
start_rr --gdb -p $tpid || finish
expect_eq "$(proc_field "$tpid" State)" t "-p: the program is stopped where it is"
run_gdb "bt" "info threads" "monitor regmap map" "detach"
gdb_has "in main (" "bt shows where it waits"
gdb_has "register map of thread $tpid:" "monitor regmap map"
gdb_has "\[Inferior 1 (process [0-9]*) detached\]" "detached"
wait_for "$TMP/rr.err" "gdb: detached"
touch "$TMP/go"
wait $tpid
status=$?
expect_status 42 "the attached program's map accesses after the detach were served"
rr_wait
expect_rr_status 0 "regmap-run -p ends when the program has"
finish
