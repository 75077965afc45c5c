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
