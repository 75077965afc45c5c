#!/bin/sh
# regmap-run -p: attach to running programs, serve them, detach cleanly.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}
T=./tests/t_attach

# Yama's ptrace_scope 1 lets an ordinary user trace only descendants.
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$(id -u)" != 0 ] && [ "$scope" != 0 ]; then
	echo "SKIP: kernel.yama.ptrace_scope = $scope: attaching to a non-child needs root"
	exit 77
fi

# wait_file FILE: wait up to 20 s for FILE (a target's hand-shake)
wait_file() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 2000 ] && { echo "FAIL: timed out waiting for $1"; fail=1; return 1; }
		sleep 0.01
	done
}

# wait_grep FILE TEXT: wait up to 20 s for TEXT in FILE
wait_grep() {
	i=0
	while ! grep -q -e "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 2000 ] && { echo "FAIL: timed out waiting for \"$2\" in $1"; fail=1; return 1; }
		sleep 0.01
	done
}

# proc_field PID KEY: a /proc/PID/status field
proc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null | cut -f1
}

proc_state() {
	sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null
}

# all_tasks PID KEY: KEY of every thread of PID, one per line
all_tasks() {
	for t in /proc/$1/task/*; do
		sed -n "s/^$2:[[:space:]]*\([^[:space:]]*\).*/\1/p" "$t/status" 2>/dev/null
	done
}

# (background processes run without $LIMIT: their pids must be theirs)
# ---- attach, serve, detach while it runs; it keeps running, unserved ----
D=$TMP/serve; mkdir "$D"
$T serve "$D" & tpid=$!
wait_file "$D/ready"
$RR -p $tpid >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "^regmap-run: attached to $tpid (1 thread)$"
touch "$D/go"
wait_file "$D/served" && echo "ok: the attached target's 1000 map round trips were served"
kill -INT $rpid
wait $rpid; status=$?
sed 's/^/  err: /' "$TMP/rr.err"
expect_status 0 "regmap-run -p after SIGINT"
grep -q "^regmap-run: detached from $tpid (1 thread): its map accesses now fault" "$TMP/rr.err" &&
	echo "ok: detach message" || { echo "FAIL: no detach message"; fail=1; }
[ "$(proc_field $tpid TracerPid)" = 0 ] && echo "ok: target no longer traced" ||
	{ echo "FAIL: target still traced by $(proc_field $tpid TracerPid)"; fail=1; }
case $(proc_state $tpid) in
R|S|D) echo "ok: target still running after the detach";;
*) echo "FAIL: target state $(proc_state $tpid) after the detach"; fail=1;;
esac
touch "$D/fault"
wait $tpid; status=$?
expect_status 0 "target after detach (its next map access faulted)"
[ -e "$D/faulted" ] && echo "ok: the access after the detach faulted" ||
	{ echo "FAIL: no fault after detach"; fail=1; }

# ---- sites rewritten into native code while attached keep working after
# the detach (regmap-run(1), NATIVE-SPEED SITES) ----
D=$TMP/rewritten; mkdir "$D"
$T rewritten "$D" & tpid=$!
wait_file "$D/ready"
$RR --stats -p $tpid >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "^regmap-run: attached to $tpid (1 thread)$"
touch "$D/go"
wait_file "$D/served"
kill -INT $rpid
wait $rpid; status=$?
sed 's/^/  err: /' "$TMP/rr.err"
expect_status 0 "regmap-run -p after SIGINT (rewritten sites)"
grep -q "native-speed sites: 3 rewritten" "$TMP/rr.err" &&
	echo "ok: the target's three sites were rewritten while attached" ||
	{ echo "FAIL: the target's sites were not rewritten"; fail=1; }
touch "$D/detached"
wait $tpid; status=$?
expect_status 0 "rewritten sites after the detach: right results, natively"

# ---- detach while the target uses the map without pause and receives
# queued signals: every signal arrives once, the map stops being served
# (--no-rewrite: a rewritten loop would go on natively, never faulting) ----
D=$TMP/signals; mkdir "$D"
$T signals "$D" & tpid=$!
wait_file "$D/ready"
$RR --no-rewrite -p $tpid >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "attached to $tpid"
touch "$D/go"
wait_file "$D/sending"
kill -INT $rpid
wait $rpid; status=$?
expect_status 0 "regmap-run -p detached from a busy target"
wait $tpid; status=$?
expect_status 0 "busy target: no signal lost or doubled, map accesses fault after the detach"

# ---- several -p ----
D1=$TMP/multi1; D2=$TMP/multi2; mkdir "$D1" "$D2"
$T serve "$D1" & t1=$!
$T serve "$D2" & t2=$!
wait_file "$D1/ready"; wait_file "$D2/ready"
$RR -p $t1 -p $t2 >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "attached to $t2"
touch "$D1/go" "$D2/go"
wait_file "$D1/served" && wait_file "$D2/served" && echo "ok: two attached processes served"
kill -INT $rpid
wait $rpid; status=$?
expect_status 0 "regmap-run -p A -p B after SIGINT"
grep -q "^regmap-run: detached from $t1, $t2 (2 threads): " "$TMP/rr.err" && echo "ok: detached from both" ||
	{ echo "FAIL: detach message for two"; cat "$TMP/rr.err"; fail=1; }
touch "$D1/fault" "$D2/fault"
wait $t1; status=$?
expect_status 0 "first of two after detach"
wait $t2; status=$?
expect_status 0 "second of two after detach"

# ---- the same process twice (-p P -p P, and -p of one of its threads):
# served once, with a warning; not let go of by the second attach ----
D=$TMP/twice; mkdir "$D"
$T idle "$D" & tidle=$!
wait_file "$D/ready"
tid2=$(ls /proc/$tidle/task | grep -vx "$tidle" | head -n 1)
D=$TMP/dup; mkdir "$D"
$T serve "$D" & tpid=$!
wait_file "$D/ready"
$RR -p $tpid -p $tpid -p $tidle -p $tid2 >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "^regmap-run: attached to $tidle (4 threads)$"
touch "$D/go"
wait_file "$D/served" && echo "ok: -p P -p P: P's map round trips were served"
kill -INT $rpid
wait $rpid; status=$?
sed 's/^/  err: /' "$TMP/rr.err"
expect_status 0 "regmap-run -p P -p P after SIGINT"
[ "$(grep -c "^regmap-run: attached to $tpid (1 thread)$" "$TMP/rr.err")" = 1 ] &&
	echo "ok: -p P -p P: attached once" || { echo "FAIL: -p P -p P: not attached exactly once"; fail=1; }
grep -q "^regmap-run: warning: -p $tpid given twice: it is served once$" "$TMP/rr.err" &&
	echo "ok: -p P -p P: warning" || { echo "FAIL: -p P -p P: no warning"; fail=1; }
grep -q "^regmap-run: warning: -p $tid2 is a thread of process $tidle, which is already attached: it is served once$" "$TMP/rr.err" &&
	echo "ok: -p of a thread of an attached process: warning" ||
	{ echo "FAIL: -p of a thread of an attached process: no warning"; fail=1; }
expect_not_in_file() { ! grep -q -e "$2" "$1"; }
expect_not_in_file "$TMP/rr.err" "cannot attach\|every attached process has exited" &&
	echo "ok: -p P -p P: no attach error, no early end" ||
	{ echo "FAIL: -p P -p P: an attach error or an early end"; fail=1; }
grep -q "^regmap-run: detached from $tpid, $tidle (5 threads): " "$TMP/rr.err" &&
	echo "ok: -p P -p P: detach message names each process once" ||
	{ echo "FAIL: -p P -p P: detach message"; fail=1; }
touch "$D/fault" "$TMP/twice/quit"
wait $tpid; status=$?
expect_status 0 "-p P -p P: target after detach"
wait $tidle; status=$?
expect_status 0 "-p P -p T: idle target after detach"

# ---- children forked while attached are followed, and counted as
# processes, not as threads of the attached one ----
D=$TMP/forks; mkdir "$D"
$T forks "$D" & tpid=$!
wait_file "$D/ready"
$RR --stats -p $tpid >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "^regmap-run: attached to $tpid (1 thread)$"
touch "$D/go"
wait_file "$D/forked" && echo "ok: the forked children's map accesses were served"
kill -INT $rpid
wait $rpid; status=$?
sed 's/^/  err: /' "$TMP/rr.err"
expect_status 0 "regmap-run -p of a forking process after SIGINT"
grep -q "^regmap-run: detached from $tpid (1 thread) and 2 child processes (3 threads): their map accesses now fault" "$TMP/rr.err" &&
	echo "ok: detach counts the attached process's threads and the children apart" ||
	{ echo "FAIL: detach message with children"; fail=1; }
grep -q "^regmap-run:   (2 traced threads in 2 processes did not use the map)$" "$TMP/rr.err" &&
	echo "ok: --stats counts quiet threads and their processes apart" ||
	{ echo "FAIL: --stats quiet threads/processes"; fail=1; }
touch "$D/quit"
wait $tpid; status=$?
expect_status 0 "forking target and its children after the detach"

# ---- threads created during the attach: every one is served ----
for sig in TERM HUP; do
	D=$TMP/threads.$sig; mkdir "$D"
	$T threads "$D" >"$TMP/t.out" & tpid=$!
	wait_file "$D/ready"
	# every access counted: none may run natively (--no-rewrite)
	$RR --no-rewrite --stats -p $tpid >"$TMP/rr.out" 2>"$TMP/rr.err" & rpid=$!
	wait_grep "$TMP/rr.err" "^regmap-run: attached to $tpid ([0-9]* threads)$"
	touch "$D/go"
	wait $tpid; status=$?
	expect_status 0 "threaded target created threads during the attach"
	cat "$TMP/t.out"
	# regmap-run exits by itself when the target has exited
	wait $rpid; status=$?
	expect_status 0 "regmap-run -p after the target exited"
	sed 's/^/  err: /' "$TMP/rr.err"
	grep -q "every attached process has exited" "$TMP/rr.err" &&
		echo "ok: end of attached process reported" || { echo "FAIL: no end message"; fail=1; }
	# each thread made 200 round trips (two accesses each, plus the add)
	n=$(sed 's/ threads//' "$TMP/t.out")
	want=$((n * 200 * 3))
	grep -q "stats: $want instructions emulated" "$TMP/rr.err" &&
		echo "ok: --stats counts $want instructions from $n threads" ||
		{ echo "FAIL: --stats does not count $want instructions"; fail=1; }
	# and a detach by SIGTERM/SIGHUP of an idle target
	D=$TMP/idle.$sig; mkdir "$D"
	$T idle "$D" & tpid=$!
	wait_file "$D/ready"
	$RR -p $tpid 2>"$TMP/rr.err" & rpid=$!
	wait_grep "$TMP/rr.err" "attached to $tpid"
	kill -$sig $rpid
	wait $rpid; status=$?
	expect_status 0 "regmap-run -p after SIG$sig"
	[ "$(all_tasks $tpid TracerPid | sort -u)" = 0 ] &&
		echo "ok: SIG$sig: no thread traced after the detach" ||
		{ echo "FAIL: SIG$sig: still traced: $(all_tasks $tpid TracerPid)"; fail=1; }
	touch "$D/quit"
	wait $tpid; status=$?
	expect_status 0 "idle target after SIG$sig detach"
done

# ---- a stopped target stays stopped; a second tracer is refused ----
D=$TMP/stopped; mkdir "$D"
$T idle "$D" & tpid=$!
wait_file "$D/ready"
kill -STOP $tpid
i=0; while [ "$(proc_state $tpid)" != T ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
$RR -p $tpid 2>"$TMP/rr.err" & rpid=$!
wait_grep "$TMP/rr.err" "attached to $tpid (4 threads)"
run $RR -p $tpid
expect_status 125 "second regmap-run -p on a traced process"
expect_in err "cannot attach to pid $tpid: it is already traced by pid $rpid (regmap-run)" \
	"already traced: names the tracer"
kill -INT $rpid
wait $rpid; status=$?
expect_status 0 "detach from the stopped target"
[ "$(all_tasks $tpid TracerPid | sort -u)" = 0 ] && echo "ok: no thread of the stopped target traced" ||
	{ echo "FAIL: stopped target still traced: $(all_tasks $tpid TracerPid)"; fail=1; }
sleep 0.2
[ "$(all_tasks $tpid State | sort -u)" = T ] &&
	echo "ok: all 4 threads of the stopped target still stopped after the detach" ||
	{ echo "FAIL: stopped target's threads in states $(all_tasks $tpid State) after the detach"; fail=1; }
touch "$D/quit"
kill -CONT $tpid
wait $tpid; status=$?
expect_status 0 "stopped target continued after SIGCONT"

# ---- nothing to attach to ----
sh -c 'exit 0' & gone=$!
wait $gone
while [ -d /proc/$gone ]; do gone=$((gone + 7919)); done
run $RR -p $gone
expect_status 125 "-p of a missing pid"
expect_in err "^regmap-run: cannot attach to pid $gone: no such process$" "missing pid message"

D=$TMP/zombie; mkdir "$D"
$T zombie "$D" & tpid=$!
wait_file "$D/ready"
zpid=$(cat "$D/zpid")
run $RR -p $zpid
expect_status 125 "-p of a zombie"
expect_in err "cannot attach to pid $zpid: it is a zombie" "zombie message"
touch "$D/quit"
wait $tpid

if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	run $RR -p 2
	expect_status 125 "-p of a kernel thread"
	expect_in err "cannot attach to pid 2: it is a kernel thread" "kernel thread message"
fi

# ---- ptrace refused: what is known, never a guess ----
# regmap-run in a user namespace of its own has CAP_SYS_PTRACE there only
sleep 60 & victim=$!
if command -v unshare >/dev/null 2>&1 && unshare -Ur true 2>/dev/null; then
	run unshare -Ur $RR -p $victim
	expect_status 125 "-p from another user namespace"
	expect_in err "^regmap-run: cannot attach to pid $victim: ptrace: Operation not permitted; " \
		"refused attach: the man page's wording and the errno"
	expect_in err "; regmap-run has CAP_SYS_PTRACE in its user namespace (not the initial one)" \
		"refused attach: the capability and its namespace"
	expect_in err "kernel.yama.ptrace_scope\\|Yama not active" "refused attach: Yama's state"
	expect_in err "active security modules" "refused attach: the security modules"
	expect_not_in err "AppArmor\\|SELinux\\|container policy" "refused attach: no guessed cause"
else
	echo "skip: no unprivileged user namespaces here (unshare -Ur): refused attach not checked"
fi
kill $victim; wait $victim 2>/dev/null
# root without CAP_SYS_PTRACE and another user's process
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
   setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace true 2>/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$T" 2>/dev/null; then
	D=$(mktemp -d "${TMPDIR:-/tmp}/regmap-other.XXXXXX"); chmod 777 "$D"
	setpriv --reuid=65534 --regid=65534 --clear-groups $T idle "$D" & tpid=$!
	wait_file "$D/ready"
	run setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace $RR -p $tpid
	expect_status 125 "-p of another user's process without CAP_SYS_PTRACE"
	expect_in err "^regmap-run: cannot attach to pid $tpid: it belongs to another user (uid 65534; regmap-run runs as uid 0 without CAP_SYS_PTRACE, which tracing it needs)$" \
		"another user's process: the uids and the missing capability"
	touch "$D/quit"; wait $tpid; rm -rf "$D"
else
	echo "skip: not root, or no setpriv that can drop CAP_SYS_PTRACE: another user's process not checked"
fi

run $RR -p $$ ./tests/t_attach
expect_status 125 "-p with a PROGRAM"
run $RR -p abc
expect_status 125 "-p abc"
finish
