#!/bin/sh
# Map addressing: a member of a null pointer (p->b, [rdx+8] with rdx = 0)
# lands in the map.  By default it is served, and --stats counts it; with
# --map-addressing=absolute (libregmap: REGMAP_MAP_ADDRESSING=absolute)
# only constant addresses are the map and it is a real fault, as without
# regmap.  Under regmap-run (REGMAP_RUN set) also --in-process; with
# REGMAP_RUN empty, the libregmap-linked target alone.
. "${srcdir:-.}/tests/run_lib.sh"

run_target 0 t_nullptr
expect_in out "^constant: ok$" "default: a constant address is the map"
expect_in out "^p->b = 0x1234$" "default: a null pointer's member reads the register it lands on"

if [ -n "$REGMAP_RUN" ]; then
	run $REGMAP_RUN --stats "$T_DIR/t_nullptr"
	expect_status 0 "--stats"
	expect_in err "^regmap-run:   1 of the map accesses used an address computed from registers, not a constant (a null pointer's member?): --map-addressing=absolute makes those real faults$" \
		"--stats counts the access through a computed address"

	run $REGMAP_RUN --map-addressing=absolute "$T_DIR/t_nullptr"
	expect_status 139 "--map-addressing=absolute: the null pointer is a real fault"
	expect_in out "^constant: ok$" "absolute: a constant address is still the map"
	expect_not_in out "p->b" "absolute: p->b never returned"
	expect_in err "SIGSEGV at 0x[0-9a-f]* <load_b+[0-9]*>: mov rax, \[rdx+0x8\]: address 0x8 is computed from registers (a null pointer?), not written in the instruction: with --map-addressing=absolute that is not a map access$" \
		"absolute: the report says why"
	expect_in err "#1 .* in main+[0-9]* (t_nullptr)$" "absolute: with a backtrace"

	run $REGMAP_RUN --map-addressing=any "$T_DIR/t_nullptr"
	expect_status 0 "--map-addressing=any (the default, given)"
	run $REGMAP_RUN --map-addressing=relative "$T_DIR/t_nullptr"
	expect_status 125 "--map-addressing=relative"
	expect_in err "^regmap-run: --map-addressing=relative: use any (the default) or absolute$" \
		"a bad value: one line"

	# the same with libregmap preloaded: the option reaches it (a
	# sanitizer build's libregmap.so goes into a program without the
	# sanitizer runtime, and its handler must not take the fault first)
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export ASAN_OPTIONS
	run $REGMAP_RUN --in-process --map-addressing=absolute "$T_DIR/t_nullptr"
	expect_status 139 "--in-process --map-addressing=absolute"
	expect_in out "^constant: ok$" "--in-process absolute: a constant address is the map"
	run $REGMAP_RUN --in-process "$T_DIR/t_nullptr"
	expect_status 0 "--in-process, default addressing"
	expect_in out "^p->b = 0x1234$" "--in-process default: p->b served"
else
	run env REGMAP_MAP_ADDRESSING=absolute "$T_DIR/t_nullptr"
	expect_status 139 "REGMAP_MAP_ADDRESSING=absolute: the null pointer is a real fault"
	expect_in out "^constant: ok$" "REGMAP_MAP_ADDRESSING=absolute: a constant address is the map"
	expect_not_in out "p->b" "REGMAP_MAP_ADDRESSING=absolute: p->b never returned"
	run env REGMAP_MAP_ADDRESSING=relative "$T_DIR/t_nullptr"
	expect_status 125 "REGMAP_MAP_ADDRESSING=relative: the map cannot be enabled (lib_ctor)"
	expect_in err "regmap: REGMAP_MAP_ADDRESSING: use any (the default) or absolute" \
		"a bad value: one line"
fi
finish
