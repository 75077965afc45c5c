# Helpers for the integration runners (tests/run_*.sh); sourced, not run.
#
# The runners work from the build directory (where "make check" runs
# them).  REGMAP_RUN is the command placed before each target (default:
# ./src/regmap-run); T_DIR is where the targets are (default: ./tests).
# Setting REGMAP_RUN to the empty string runs the targets directly, e.g.
# targets linked with libregmap.

REGMAP_RUN=${REGMAP_RUN-./src/regmap-run}
T_DIR=${T_DIR:-./tests}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/regmap-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
fail=0
skipped=0

# Never hang "make check": a stuck run is killed after 5 minutes.
if command -v timeout >/dev/null 2>&1; then
	LIMIT="timeout -k 10 300"
else
	LIMIT=
fi

# run CMD...: run a command, keep its status in $status, its output in
# $TMP/out and $TMP/err, and show both in the log.
run() {
	$LIMIT "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	echo "\$ $*"
	sed 's/^/  out: /' "$TMP/out"
	sed 's/^/  err: /' "$TMP/err"
}

# expect_status WANT WHAT: the last run's status must be WANT.
expect_status() {
	if [ "$status" = "$1" ]; then
		echo "ok: $2: exit status $status"
	else
		echo "FAIL: $2: exit status $status, expected $1"
		fail=1
	fi
}

# skip WHAT: a part of the checks that cannot run here (one line: why).
# finish then exits 77 (SKIP) unless something failed.
skip() {
	echo "SKIP: $*"
	skipped=1
}

# run_target WANT NAME ARGS...: run tests/NAME under regmap-run.  A
# target expected to succeed may exit 77: it ran, but skipped a part of
# its checks (its output says which and why).
run_target() {
	want=$1
	name=$2
	shift 2
	run $REGMAP_RUN "$T_DIR/$name" "$@"
	if [ "$want" = 0 ] && [ "$status" = 77 ]; then
		skip "$name $*: the target skipped some of its checks (see above)"
	else
		expect_status "$want" "$name $*"
	fi
}

# expect_in FILE TEXT WHAT: FILE (out or err) must contain TEXT.
expect_in() {
	if grep -q -e "$2" "$TMP/$1"; then
		echo "ok: $3"
	else
		echo "FAIL: $3: std$1 lacks \"$2\""
		fail=1
	fi
}

# expect_not_in FILE TEXT WHAT
expect_not_in() {
	if grep -q -e "$2" "$TMP/$1"; then
		echo "FAIL: $3: std$1 has \"$2\""
		fail=1
	else
		echo "ok: $3"
	fi
}

# the runner's exit status: 1 if a check failed, else 77 if one was
# skipped, else 0 (PASS means that everything ran)
finish() {
	[ "$fail" = 0 ] || exit 1
	[ "$skipped" = 0 ] || exit 77
	exit 0
}
