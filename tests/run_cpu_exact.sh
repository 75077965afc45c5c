#!/bin/sh
# Around an emulated instruction the program sees what the CPU would
# give it: single-step traps (TF); alignment checks (AC); the x87
# instruction and data pointers; the fault details of a failed other
# operand and of a jump through the rip slot; faults that are not map
# accesses passed on without a word.  Also under a seccomp policy that
# refuses the system calls libregmap could use (process_vm_readv,
# rt_sigaction, tgkill).
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_trapflag steps
run_target 0 t_trapflag blocked
run_target 0 t_trapflag ignored
run_target 0 t_fault_details
expect_not_in err "cannot emulate" "faults that are not map accesses: nothing said"
run_target 0 t_alignment
run_target 0 t_x87_fip
run_target 0 t_seccomp_vm vm
run_target 139 t_seccomp_vm all
finish
