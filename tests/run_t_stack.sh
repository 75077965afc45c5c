#!/bin/sh
# t_stack under regmap-run: the target checks its own results (exit 0).
. "${srcdir:-.}/tests/run_lib.sh"
run_target 0 t_stack
finish
