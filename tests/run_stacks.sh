#!/bin/sh
# Map accesses on a small alternate signal stack (8 KiB, as Rust's runtime
# installs), in a handler already on it; and in threads and processes made
# without the C library (raw clone, raw fork), next to others.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_altstack_small
run_target 0 t_raw_clone thread
run_target 0 t_raw_clone process
run_target 0 t_raw_clone fork
expect_not_in err "cannot emulate" "raw clones: no bogus unsupported instruction"
finish
