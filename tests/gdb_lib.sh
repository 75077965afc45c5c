# Helpers for the gdb tests (tests/run_gdb*.sh); sourced after run_lib.sh.
#
# Each test starts "regmap-run --gdb ..." in the background on a free port
# (no fixed port: parallel runs never collide), reads the port from the
# line it prints, and drives a real gdb in batch mode against it.  Nothing
# here measures time: the waits below only keep a broken run from hanging
# "make check".

if ! command -v gdb >/dev/null 2>&1; then
	echo "SKIP: gdb is not installed (Debian: apt-get install gdb)"
	exit 77
fi

RR=${REGMAP_RUN:-./src/regmap-run}
T=./tests/t_gdb
# gdb's own files: nothing from ~/.gdbinit, no pager, no confirmations
# a long remote timeout: on a loaded machine a reply can take more than
# gdb's default 2 s, and gdb would then send the request again
GDB_INIT="-batch -nx -ex 'set pagination off' -ex 'set confirm off' -ex 'set remotetimeout 120'"

# watchdog PID: kill PID if it is still there after 5 minutes (a hang)
watchdog() {
	( sleep 300; kill -9 "$1" 2>/dev/null ) >/dev/null 2>&1 &
	WATCHDOG=$!
}

unwatch() {
	kill "$WATCHDOG" 2>/dev/null
	wait "$WATCHDOG" 2>/dev/null
}

# wait_for FILE TEXT: until FILE contains TEXT (60 s at most)
wait_for() {
	i=0
	while ! grep -q -e "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "FAIL: timed out waiting for \"$2\" in $1"
			sed 's/^/  /' "$1"
			fail=1
			return 1
		fi
		sleep 0.1
	done
}

# wait_for_file FILE: until FILE exists (60 s at most)
wait_for_file() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "FAIL: timed out waiting for $1"
			fail=1
			return 1
		fi
		sleep 0.1
	done
}

# start_rr ARGS...: regmap-run ARGS in the background, stderr in
# $TMP/rr.err; sets RR_PID and PORT (from the line to paste).
start_rr() {
	rm -f "$TMP/rr.err"
	$RR "$@" >"$TMP/rr.out" 2>"$TMP/rr.err" &
	RR_PID=$!
	watchdog $RR_PID
	echo "\$ $RR $* &"
	PORT=
	wait_for "$TMP/rr.err" "gdb: listening on 127.0.0.1:" || return 1
	PORT=$(sed -n "s/^regmap-run: gdb: listening on 127.0.0.1:\([0-9]*\); connect with: gdb -ex 'target remote :\1' .*/\1/p" "$TMP/rr.err")
	if [ -z "$PORT" ]; then
		echo "FAIL: no port in the line to paste"
		fail=1
		return 1
	fi
}

# rr_wait: wait for regmap-run; its exit status in $rr_status
rr_wait() {
	wait $RR_PID
	rr_status=$?
	unwatch
	sed 's/^/  rr: /' "$TMP/rr.err"
}

# run_gdb COMMAND...: gdb connected to $PORT runs the commands (one -ex
# each) on $T; output in $TMP/gdb.out (shown in the log)
run_gdb() {
	args=
	for c in "$@"; do
		q=$(printf '%s' "$c" | sed "s/'/'\\\\''/g")
		args="$args -ex '$q'"
	done
	eval "timeout -k 10 300 gdb $GDB_INIT -ex 'target remote :$PORT' $args $T" \
		>"$TMP/gdb.out" 2>&1
	gdb_status=$?
	sed 's/^/  gdb: /' "$TMP/gdb.out"
}

# gdb_has TEXT WHAT / gdb_lacks TEXT WHAT: on the last gdb's output
gdb_has() {
	if grep -q -e "$1" "$TMP/gdb.out"; then
		echo "ok: $2"
	else
		echo "FAIL: $2: gdb did not say \"$1\""
		fail=1
	fi
}

gdb_lacks() {
	if grep -q -e "$1" "$TMP/gdb.out"; then
		echo "FAIL: $2: gdb said \"$1\""
		fail=1
	else
		echo "ok: $2"
	fi
}

# gdb_value NAME: the value of a "NAME=VALUE" line gdb printed (printf)
gdb_value() {
	sed -n "s/^$1=//p" "$TMP/gdb.out" | head -n 1
}

# expect_eq GOT WANT WHAT
expect_eq() {
	if [ -n "$1" ] && [ "$1" = "$2" ]; then
		echo "ok: $3 ($1)"
	else
		echo "FAIL: $3: got \"$1\", expected \"$2\""
		fail=1
	fi
}

# expect_rr_status WANT WHAT
expect_rr_status() {
	if [ "$rr_status" = "$1" ]; then
		echo "ok: $2: regmap-run exit status $rr_status"
	else
		echo "FAIL: $2: regmap-run exit status $rr_status, expected $1"
		fail=1
	fi
}

# the program regmap-run started (its only child)
target_pid() {
	cat "/proc/$RR_PID/task/$RR_PID/children" 2>/dev/null | awk '{ print $1 }'
}

proc_field() {
	sed -n "s/^$2:[[:space:]]*\([^[:space:]]*\).*/\1/p" "/proc/$1/status" 2>/dev/null
}
