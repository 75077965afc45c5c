#!/bin/sh
# Reports, trace and --stats that cannot be written (a full disk): said
# once on standard error, and in the exit status (125 if the program
# itself exited 0; its own status if it failed).  regmap-run only: there
# is nothing to write with libregmap.
. "${srcdir:-.}/tests/run_lib.sh"

if [ -z "$REGMAP_RUN" ]; then
	echo "SKIP: regmap-run's own output"
	exit 77
fi
if ! [ -c /dev/full ] || printf x 2>/dev/null >/dev/full; then
	echo "SKIP: no /dev/full that refuses writes here"
	exit 77
fi

# lost: said once (the program still ran), exit status 125
check_lost() {
	what=$1
	shift
	run $REGMAP_RUN "$@"
	expect_status 125 "$what"
	n=$(grep -c "regmap-run: cannot write /dev/full: No space left on device" "$TMP/err")
	if [ "$n" = 1 ]; then
		echo "ok: $what: the write error said once"
	else
		echo "FAIL: $what: the write error said $n times"
		fail=1
	fi
	expect_in out "memory-mapped registers work" "$what: the program ran"
}

check_lost "--trace=/dev/full" --trace=/dev/full ./examples/hello
check_lost "-o /dev/full --trace" -o /dev/full --trace ./examples/hello
check_lost "-o /dev/full --trace --trace-format=json" -o /dev/full --trace \
	--trace-format=json ./examples/hello
check_lost "-o /dev/full --stats" -o /dev/full --stats ./examples/hello

# a program that failed keeps its status
run $REGMAP_RUN --trace=/dev/full "$T_DIR/t_exit" 7
expect_status 7 "--trace=/dev/full, the program exits 7"
expect_in err "cannot write /dev/full" "--trace=/dev/full, exit 7: the error said"

# nothing lost: nothing said
run $REGMAP_RUN --trace="$TMP/trace" ./examples/hello
expect_status 0 "--trace=FILE that can be written"
expect_not_in err "cannot write" "--trace=FILE: no write error"
finish
