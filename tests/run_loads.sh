#!/bin/sh
# 100,000 map loads, each checked; prints the cost of an emulated access
# with regmap-run pinned to the program's CPU (the default) and not.
# No timing is asserted.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}
run $RR "$T_DIR/t_loads" 100000
expect_status 0 "t_loads (pinned)"
run $RR --no-pin "$T_DIR/t_loads" 100000
expect_status 0 "t_loads (--no-pin)"
finish
