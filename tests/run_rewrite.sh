#!/bin/sh
# Native-speed sites (regmap(7)): each rewrite kind against the CPU's
# results, the special slots and stack forms, 8 threads running a site
# while it is rewritten, faults inside rewritten code, code that must not
# be rewritten or that changes, fork/vfork/exec, a signal handler using
# the map; each target also checks which of its sites were rewritten
# ("on") or that none was ("off": --no-rewrite, REGMAP_NO_REWRITE=1 for
# libregmap), with the same results.  Under regmap-run also t_world (the
# world_stress target) with rewriting on.
. "${srcdir:-.}/tests/run_lib.sh"

# run_off NAME: the target with rewriting off, in this mode
run_off() {
	if [ -n "$REGMAP_RUN" ]; then
		run $REGMAP_RUN --no-rewrite "$T_DIR/$1" off
	else
		run env REGMAP_NO_REWRITE=1 "$T_DIR/$1" off
	fi
	expect_status 0 "$1 with rewriting off"
}

for t in kinds slots threads faults code fork signal; do
	run_target 0 t_rewrite_$t on
	run_off t_rewrite_$t
done

if [ -n "$REGMAP_RUN" ]; then
	# threads that start all the time, use the map and get signals, while
	# its sites are rewritten: a new thread whose SIGSEGV on a site was
	# queued while another rewrote it still gets the original (t_world
	# checks every access; three runs, as it is about races)
	for k in 1 2 3; do
		run_target 0 t_world
	done
	# --stats: what became of each site, and how often it trapped first
	run $REGMAP_RUN --stats "$T_DIR/t_rewrite_kinds" on
	expect_status 0 "--stats t_rewrite_kinds"
	expect_in err "native-speed sites: 34 rewritten (22 in place, 12 with a stub); their counts" \
		"--stats: 34 sites rewritten"
	expect_in err "<t_site_load64>  *1  mov  *rewritten in place$" "--stats: a site in place, one trap"
	expect_in err "<t_site_store32>  *1  mov  *rewritten, with a stub$" "--stats: a site with a stub"
	run $REGMAP_RUN --rewrite-threshold=3 --stats "$T_DIR/t_rewrite_kinds" on
	expect_status 0 "--rewrite-threshold=3"
	expect_in err "stats: 102 instructions emulated" "--rewrite-threshold=3: 3 traps per site"
	expect_in err "<t_site_load64>  *3  mov  *rewritten in place$" "--rewrite-threshold=3: at the third"
	run $REGMAP_RUN --rewrite-threshold=1000 --stats "$T_DIR/t_rewrite_kinds" off
	expect_status 0 "--rewrite-threshold above the executions"
	expect_in err "34 sites stayed trapping: 34 fewer executions than the threshold" \
		"--stats: below the threshold"
	# every access seen: nothing is rewritten
	run $REGMAP_RUN --trace="$TMP/trace" --stats "$T_DIR/t_rewrite_slots" off
	expect_status 0 "--trace: no site rewritten"
	expect_in err "stats: 90 instructions emulated" "--trace: each of 18 sites traced 5 times"
	expect_in err "18 sites stayed trapping: 18 --trace shows every access" "--stats with --trace"
	run $REGMAP_RUN --backtrace-on-access=t_site_load64 --stats "$T_DIR/t_rewrite_kinds" on \
		keep=load64
	expect_status 0 "--backtrace-on-access: that site only stays"
	expect_in err "1 site stayed trapping: 1 --backtrace-on-access shows every access" \
		"--stats with --backtrace-on-access"
	# --no-rewrite: every execution counted
	run $REGMAP_RUN --no-rewrite --stats "$T_DIR/t_rewrite_kinds" off
	expect_status 0 "--no-rewrite --stats"
	expect_in err "stats: 6800 instructions emulated" "--no-rewrite: 34 sites x 200 traps"
	expect_in err "native-speed sites: off (--no-rewrite)" "--stats says rewriting is off"
fi
finish
