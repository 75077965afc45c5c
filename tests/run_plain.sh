#!/bin/sh
# Programs that never touch the map run unchanged; the examples work.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}

run $RR /bin/true
expect_status 0 "/bin/true"
run $RR /bin/false
expect_status 1 "/bin/false"

ls -l /usr/include >"$TMP/ls.want" 2>&1
run $RR ls -l /usr/include
expect_status 0 "ls -l /usr/include"
cmp -s "$TMP/out" "$TMP/ls.want" && echo "ok: ls output unchanged" ||
	{ echo "FAIL: ls output differs"; fail=1; }

run $RR sh -c 'echo hello | tr a-z A-Z; exit 3'
expect_status 3 "sh -c pipeline"
expect_in out "^HELLO$" "pipeline output"

if command -v python3 >/dev/null 2>&1 && python3 -c 'pass' 2>/dev/null; then
	run $RR python3 -c 'import sys, threading; t = threading.Thread(target=print, args=(sum(range(10)),)); t.start(); t.join(); sys.exit(5)'
	expect_status 5 "python3 -c"
	expect_in out "^45$" "python3 output"
else
	skip "python3 under regmap-run: python3 is not installed or does not run"
fi

run $RR ./examples/hello
expect_status 0 "examples/hello"
expect_in out "^memory-mapped registers work!$" "the demo's message"
run $RR ./examples/calc
expect_status 0 "examples/calc"
run $RR ./examples/threads
expect_status 0 "examples/threads"

run $RR --trace ./examples/hello
expect_status 0 "--trace examples/hello"
expect_in err "\] W 8 0x38 rdi = 0x1  mov qword ptr \[0x38\], 0x1  at 0x[0-9a-f]* <main+[0-9]*>$" "trace shows the write to rdi"

run $RR -o "$TMP/report" -s ./examples/hello
expect_status 0 "-o FILE -s"
grep -q "6 instructions emulated.*6 map accesses" "$TMP/report" && echo "ok: -s counts 6 accesses into -o FILE" ||
	{ echo "FAIL: -s/-o: $(cat "$TMP/report")"; fail=1; }
finish
