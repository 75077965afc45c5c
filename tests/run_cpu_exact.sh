#!/bin/sh
# Around an emulated instruction the program sees what the CPU would
# give it: single-step traps (TF).
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_trapflag steps
run_target 0 t_trapflag blocked
run_target 0 t_trapflag ignored
finish
