#!/bin/sh
# regmap-run's own errors: one line, a distinct exit status.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}

run $RR ./no-such-program-here
expect_status 127 "missing program (path)"
expect_in err "regmap-run: ./no-such-program-here: no such file" "missing program message"

run $RR no-such-command-anywhere
expect_status 127 "missing program (PATH)"
expect_in err "command not found in PATH" "PATH message"

printf 'just some text\n' >"$TMP/text"
chmod +x "$TMP/text"
run $RR "$TMP/text"
expect_status 126 "non-ELF file"
expect_in err "not an executable program" "non-ELF message"

# the first bytes of a 32-bit i386 ELF executable: class 1, machine 3 (EM_386)
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003\000\001\000\000\000' >"$TMP/elf32"
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >>"$TMP/elf32"
chmod +x "$TMP/elf32"
run $RR "$TMP/elf32"
expect_status 126 "32-bit ELF"
expect_in err "is a 32-bit i386 program" "32-bit message"

printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000\001\000\000\000' >"$TMP/arm64"
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >>"$TMP/arm64"
chmod +x "$TMP/arm64"
run $RR "$TMP/arm64"
expect_status 126 "AArch64 ELF"
expect_in err "is a program for AArch64" "AArch64 message"

cp "$T_DIR/t_exit" "$TMP/noexec"
chmod -x "$TMP/noexec"
run $RR "$TMP/noexec" 0
expect_status 126 "file without execute permission"
expect_in err "not executable" "permission message"

run $RR "$TMP"
expect_status 126 "directory"

run $RR
expect_status 125 "no program"
expect_in err "no program given" "usage message"

run $RR --no-such-option /bin/true
expect_status 125 "unknown option"
expect_in err "^regmap-run: --no-such-option is not an option of regmap-run (see regmap-run --help)$" \
	"unknown long option: regmap-run's own words"
run $RR -x /bin/true
expect_status 125 "unknown short option"
expect_in err "^regmap-run: -x is not an option of regmap-run" "unknown short option message"
expect_not_in err "$RR:" "messages start with regmap-run:, not with argv[0]"
run $RR --cpu
expect_status 125 "--cpu without its argument"
expect_in err "^regmap-run: --cpu needs an argument" "missing argument message"
run $RR --stats=1 /bin/true
expect_status 125 "--stats=1"
expect_in err "^regmap-run: --stats takes no value" "value for an option without one"

# -t takes its FILE attached, as --help and the man page show
run $RR -t"$TMP/tfile" "$T_DIR/t_exit" 0
expect_status 0 "-tFILE"
grep -q "\] W 8 0x00 rax = 0x2a  add \[0x0\], rdx" "$TMP/tfile" && echo "ok: -tFILE writes the trace to FILE" ||
	{ echo "FAIL: -tFILE: no trace in the file"; fail=1; }
run $RR --trace= /bin/true
expect_status 125 "--trace= (empty file name)"
expect_in err "^regmap-run: --trace=: empty file name" "--trace=: says the name is empty"
run $RR -o '' /bin/true
expect_status 125 "-o '' (empty file name)"
expect_in err "^regmap-run: -o: empty file name" "-o '': says the name is empty"

# options that do nothing in a mode say so (a sanitizer build's
# libregmap.so is preloaded into a program without the sanitizer runtime)
if [ -x ./tests/lib_nolink ]; then
	run env ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
		$RR --in-process --stats --trace=$TMP/never ./tests/lib_nolink
	expect_status 0 "--in-process with --stats and --trace"
	expect_in out "nolink: 42" "--in-process still runs the program"
	expect_in err "^regmap-run: warning: --stats does nothing with --in-process: " "--in-process --stats: warned"
	expect_in err "^regmap-run: warning: --trace does nothing with --in-process: " "--in-process --trace: warned"
fi
run $RR --trace-format=json "$T_DIR/t_exit" 0
expect_status 0 "--trace-format=json without --trace"
expect_in err "^regmap-run: warning: --trace-format=json does nothing without --trace" \
	"--trace-format without --trace: warned"
sleep 60 & victim=$!
$RR --cpu=0 --stats -p $victim 2>"$TMP/rr.err" & rpid=$!
i=0; while ! grep -q "attached to $victim" "$TMP/rr.err" && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
kill -INT $rpid; wait $rpid; status=$?
cp "$TMP/rr.err" "$TMP/err"; sed 's/^/  err: /' "$TMP/err"
kill $victim; wait $victim 2>/dev/null
expect_status 0 "-p with --cpu"
expect_in err "^regmap-run: warning: --cpu does nothing with -p: " "-p --cpu: warned"
expect_not_in err "warning: --stats" "-p --stats: no warning, it applies"

# not a file: chmod +x would not help
run $RR /dev/null
expect_status 126 "a character device"
expect_in err "^regmap-run: /dev/null: is a character device, not a program file$" "device message"
expect_not_in err "chmod" "no chmod advice for a device"

run $RR --cpu=100000 /bin/true
expect_status 125 "--cpu with a CPU that does not exist"

run $RR --help
expect_status 0 "--help"
expect_in out "Usage: regmap-run" "help text"

run $RR --version
expect_status 0 "--version"
expect_in out "regmap-run" "version text"

# ptrace refused by a seccomp filter, as in a container.  (In a
# --enable-sanitizers build, LeakSanitizer cannot work without ptrace.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
run "$T_DIR/t_noptrace" $RR /bin/true
if [ "$status" = 77 ]; then
	skip "ptrace refused by seccomp: seccomp filters are not available here"
else
	expect_status 125 "ptrace refused by seccomp"
	expect_in err "seccomp" "seccomp diagnosis"
fi

# another tracer that follows forks gets the program first
if command -v strace >/dev/null 2>&1 && strace -o /dev/null /bin/true 2>/dev/null; then
	run strace -f -o /dev/null $RR /bin/true
	expect_status 125 "under strace -f"
	expect_in err "already traced by pid [0-9]* (strace)" "already-traced diagnosis"
else
	skip "a program already traced: strace is not installed or cannot trace here"
fi
finish
