#!/bin/sh
# --trace (text, JSON, to a file), --stats and --backtrace-on-access on a
# program whose map accesses are known: tests/t_traced.S.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}
T=./tests/t_traced

# Worked out from t_traced.S and regmap(7): rbx = 0x1122334455667788,
# rcx = 5, rdx = 0x7788; add 3 to rcx; write the upper half of rbx;
# read 4 bytes at 0xe = bytes 6-7 of rcx (0) and 0-1 of rdx (0x7788).
cat >"$TMP/want" <<'END'
R 8 0x18 rbx = 0x1122334455667788  mov rsi, [0x18]  <t_read_rbx>
R 8 0x08 rcx = 0x5  add qword ptr [0x8], 0x3  <t_add_rcx>
W 8 0x08 rcx = 0x8  add qword ptr [0x8], 0x3  <t_add_rcx>
W 4 0x1c rbx+4 = 0xaabbccdd  mov dword ptr [0x1c], 0xaabbccdd  <t_write_rbx_hi>
R 4 0x0e rcx+6,rdx = 0x77880000  mov eax, [0xe]  <t_straddle>
END

# strip the thread id and the (randomized) rip
strip_trace() {
	sed -n 's/^\(regmap-run: \)\{0,1\}\[\([0-9]*\)\] \(.*\)  at 0x[0-9a-f]* \(<.*>\)$/\3  \4/p' "$1"
}

run $RR --trace $T
expect_status 0 "t_traced under --trace"
strip_trace "$TMP/err" >"$TMP/got"
if cmp -s "$TMP/got" "$TMP/want"; then
	echo "ok: the trace has the expected lines"
else
	echo "FAIL: the trace differs:"; diff "$TMP/want" "$TMP/got"; fail=1
fi
# every line names the one thread, which is the process itself
tids=$(sed -n 's/^regmap-run: \[\([0-9]*\)\].*/\1/p' "$TMP/err" | sort -u | wc -l)
[ "$tids" = 1 ] && echo "ok: one thread id in the trace" || { echo "FAIL: $tids thread ids"; fail=1; }

run $RR --trace="$TMP/trace.txt" $T
expect_status 0 "--trace=FILE"
expect_not_in err "\] [RW] " "--trace=FILE: nothing traced to stderr"
strip_trace "$TMP/trace.txt" >"$TMP/got"
cmp -s "$TMP/got" "$TMP/want" && echo "ok: --trace=FILE has the expected lines" ||
	{ echo "FAIL: --trace=FILE differs"; diff "$TMP/want" "$TMP/got"; fail=1; }

run $RR --trace="$TMP/trace.json" --trace-format=json $T
expect_status 0 "--trace-format=json"
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
	if python3 - "$TMP/trace.json" <<'END'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 5, rows
r = rows[4]
assert r["access"] == "R" and r["size"] == 4 and r["offset"] == 14, r
assert r["regs"] == ["rcx+6", "rdx"] and r["value"] == "0x77880000", r
assert r["symbol"] == "t_straddle" and r["insn"] == "mov eax, [0xe]", r
assert all(x["tid"] == x["pid"] for x in rows), rows
assert [x["access"] for x in rows] == ["R", "R", "W", "W", "R"], rows
assert rows[2]["value"] == "0x8" and rows[2]["regs"] == ["rcx"], rows
assert all(int(x["rip"], 16) > 0 for x in rows)
END
	then
		echo "ok: every JSON line parses and has the expected fields"
	else
		echo "FAIL: the JSON trace"; cat "$TMP/trace.json"; fail=1
	fi
else
	skip "the JSON trace: python3 (to parse it) is not installed or does not run"
fi

run $RR --stats $T
expect_status 0 "--stats"
expect_in err "stats: 4 instructions emulated (.*), 5 map accesses, 0 signals delivered, 0 real faults" \
	"--stats totals"
expect_in err "^regmap-run:   rcx  *2  *1$" "--stats: rcx read twice, written once"
expect_in err "^regmap-run:   rbx  *1  *1$" "--stats: rbx read once, written once"
expect_in err "^regmap-run:   rdx  *1  *0$" "--stats: rdx read once"
expect_not_in err "^regmap-run:   rax  " "--stats: rax never touched"
expect_in err "^regmap-run:   0x[0-9a-f]* <t_add_rcx>  *1  add  *rewritten in place$" \
	"--stats: the add's site, rewritten after its first execution"
expect_in err "^regmap-run:   [0-9]*  *[0-9]*  *4$" "--stats: one thread, 4 instructions"
expect_in err "cost: [0-9.]* us in regmap-run per SIGSEGV stop served (4 stops" "--stats: cost"

# no map access: no empty tables; counts in the singular where they are one
run $RR --stats sh -c 'trap "" USR1; kill -USR1 $$'
expect_status 0 "--stats, no map access, one signal"
expect_in err "^regmap-run: stats: 0 instructions emulated (0 decode cache hits), 0 map accesses, 1 signal delivered, 0 real faults$" \
	"--stats: 1 signal, in the singular"
expect_not_in err "register  *reads\\|instruction site\\|thread  *process" "--stats: no empty tables"
expect_in err "^regmap-run:   (1 traced thread did not use the map)$" "--stats: the thread that did not use the map"
run $RR --stats "$T_DIR/t_exit" 0
expect_status 0 "--stats, one instruction"
expect_in err "^regmap-run: stats: 1 instruction emulated (0 decode cache hits), 2 map accesses, " \
	"--stats: 1 instruction, in the singular"
expect_in err "per SIGSEGV stop served (1 stop, " "--stats: 1 stop, in the singular"

run $RR --backtrace-on-access=t_add_rcx $T
expect_status 0 "--backtrace-on-access=t_add_rcx"
expect_in err "\] access to rcx at 0x[0-9a-f]* <t_add_rcx>: add qword ptr \[0x8\], 0x3$" \
	"the access is named"
expect_in err "^regmap-run:     #0 .* in t_add_rcx (t_traced)$" "frame 0 is the access"
expect_in err "^regmap-run:     #1 .* in main+[0-9]* (t_traced)$" "frame 1 is its caller"
expect_not_in err "t_straddle" "no backtrace for other sites"
n=$(grep -c "^regmap-run:     #0 " "$TMP/err")
[ "$n" = 1 ] && echo "ok: one backtrace" || { echo "FAIL: $n backtraces"; fail=1; }

run $RR --backtrace-on-access=all $T
expect_status 0 "--backtrace-on-access=all"
n=$(grep -c "^regmap-run:     #1 .* in main+" "$TMP/err")
[ "$n" = 4 ] && echo "ok: all: a backtrace at each of the 4 instructions" ||
	{ echo "FAIL: all: $n backtraces"; fail=1; }

run $RR --backtrace-on-access=t_straddle+0,t_read_rbx+1 $T
expect_status 0 "--backtrace-on-access with offsets"
expect_in err "<t_straddle>" "t_straddle+0 matches t_straddle"
expect_not_in err "<t_read_rbx>" "t_read_rbx+1 matches nothing"
expect_in err "^regmap-run: warning: --backtrace-on-access=t_read_rbx+1 matched no map access$" \
	"a site that never matched: a warning at the end"
expect_not_in err "t_straddle+0 matched no" "no warning for a site that matched"

# sites that cannot be right are errors before the program runs
for site in "main+999:main is only [0-9]* bytes long (offsets 0 to [0-9]*)" \
	    "step+0x40:step is only [0-9]* bytes long" \
	    "0xzz:not an address" "12ab:not an address" ":an empty site" \
	    "t_add_rcx,:an empty site"; do
	arg=${site%%:*}
	run $RR --backtrace-on-access="$arg" $T
	expect_status 125 "--backtrace-on-access=$arg"
	expect_in err "^regmap-run: --backtrace-on-access[=:]" "--backtrace-on-access=$arg: one line"
	expect_in err "${site#*:}" "--backtrace-on-access=$arg: says why"
	expect_not_in err "access to\\|#0 " "--backtrace-on-access=$arg: nothing ran"
done
# a function the program does not have: a warning at the start and at the end
run $RR --backtrace-on-access=nosuchfunc $T
expect_status 0 "--backtrace-on-access=nosuchfunc"
expect_in err "^regmap-run: warning: --backtrace-on-access=nosuchfunc: $T has no function nosuchfunc: the site can only match in a library it loads$" \
	"nosuchfunc: warned at the start"
expect_in err "^regmap-run: warning: --backtrace-on-access=nosuchfunc matched no map access$" \
	"nosuchfunc: warned at the end"
# -p: checked against the running process and its libraries, before attaching
sleep 60 & victim=$!
run $RR --backtrace-on-access=0xzz -p $victim
expect_status 125 "-p with --backtrace-on-access=0xzz"
[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/$victim/status)" = 0 ] &&
	echo "ok: not attached after the error" || { echo "FAIL: attached despite the error"; fail=1; }
$RR --backtrace-on-access=nosuchfunc -p $victim 2>"$TMP/rr.err" & rpid=$!
i=0; while ! grep -q "attached to $victim" "$TMP/rr.err" && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
kill -INT $rpid; wait $rpid; status=$?
cp "$TMP/rr.err" "$TMP/err"; sed 's/^/  err: /' "$TMP/err"
expect_status 0 "-p with --backtrace-on-access=nosuchfunc, detached"
expect_in err "^regmap-run: warning: --backtrace-on-access=nosuchfunc: no function nosuchfunc in pid $victim or its libraries: " \
	"-p: a missing function is a warning naming the process"
expect_in err "^regmap-run: warning: --backtrace-on-access=nosuchfunc matched no map access$" \
	"-p: and a warning at the end"
kill $victim; wait $victim 2>/dev/null

run $RR --trace-format=yaml $T
expect_status 125 "--trace-format=yaml"
finish
