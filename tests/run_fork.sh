#!/bin/sh
# fork, vfork and exec children (and exec from a thread) use the map;
# --no-follow leaves fork children untraced.
. "${srcdir:-.}/tests/run_lib.sh"
run_target 0 t_fork all
run_target 0 t_fork thread-exec
if [ -n "$REGMAP_RUN" ]; then
	run $REGMAP_RUN --no-follow "$T_DIR/t_fork" nofollow
	expect_status 0 "--no-follow t_fork nofollow"
fi
finish
