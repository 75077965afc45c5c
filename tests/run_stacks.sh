#!/bin/sh
# Map accesses in threads and processes made without the C library (raw
# clone, raw fork), next to others.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_raw_clone thread
run_target 0 t_raw_clone process
run_target 0 t_raw_clone fork
expect_not_in err "cannot emulate" "raw clones: no bogus unsupported instruction"
finish
