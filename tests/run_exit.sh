#!/bin/sh
# The program's exit code and death by signal pass through regmap-run.
. "${srcdir:-.}/tests/run_lib.sh"
run_target 0 t_exit 0
run_target 7 t_exit 7
run_target 134 t_exit abort
run_target 137 t_exit kill9
finish
