#!/bin/sh
# Stopping the world (supervisor/world.c) under stress: tests/world_stress
# runs t_world (threads that use the map without pause, start and end
# threads, and get signals) and stops and resumes all its threads every
# few events, checking each stop; the program checks every map access,
# and the number of map instructions it executed must equal the number
# the supervisor emulated (none lost, none served twice).
. "${srcdir:-.}/tests/run_lib.sh"

for every in 40 5; do
	run ./tests/world_stress --every $every ./tests/t_world
	expect_status 0 "t_world with a world stop every $every events"
	want=$(sed -n 's/^map instructions //p' "$TMP/out")
	got=$(sed -n 's/^world_stress: emulated //p' "$TMP/out")
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "ok: $got map instructions executed and emulated"
	else
		echo "FAIL: the program executed ${want:-?} map instructions, the supervisor emulated ${got:-?}"
		fail=1
	fi
	expect_not_in err "FAIL" "every stop stopped every thread, every resume resumed them"
	stops=$(sed -n 's/^world_stress: [0-9]* events, \([0-9]*\) stops.*/\1/p' "$TMP/err")
	if [ "${stops:-0}" -gt 0 ]; then
		echo "ok: $stops world stops"
	else
		echo "FAIL: no world stop happened"
		fail=1
	fi
done
finish
