#!/bin/sh
# Backtrace names: a function is named only by a symbol that contains the
# address (symbol sizes; .symtab, MiniDebugInfo, separate debug files),
# otherwise the frame shows the file and the address in it.  A thread's
# stack runs through libc's start_thread and clone3, which libc.so.6 does
# not export: the nearest exported symbol below them is another function.
# Each name is checked against the files' own symbol tables (readelf) and,
# where gdb is installed, against gdb's answer for the same address.
. "${srcdir:-.}/tests/run_lib.sh"
RR=${REGMAP_RUN:-./src/regmap-run}

command -v readelf >/dev/null 2>&1 || { echo "SKIP: no readelf (binutils)"; exit 77; }

run $RR ./tests/t_backtrace
expect_status 139 "a thread's real fault"
expect_in err "^regmap-run: pid [0-9]* thread [0-9]*: SIGSEGV at 0x[0-9a-f]* <crash_in_thread>: " \
	"the report names the faulting thread's function"
expect_in err "^regmap-run:     #0  0x[0-9a-f]* in crash_in_thread (t_backtrace)$" "frame 0"
expect_in err "^regmap-run:     #1  0x[0-9a-f]* in thread_main+[0-9]* (t_backtrace)$" "frame 1"

# the file of a library and of its separate debug file (by build ID), if any
debug_file() {
	id=$(readelf -nW "$1" 2>/dev/null | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	[ -n "$id" ] || return 0
	f=/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug
	[ -f "$f" ] && echo "$f"
}

# symbols FILE...: "VALUE SIZE NAME" (decimal) of every function symbol
symbols() {
	for f in "$@"; do readelf -sW "$f" 2>/dev/null; done | awk '
	function num(s,   n, i) {
		if (s !~ /^0x/ && length(s) < 16 && s !~ /[a-f]/) return s + 0
		sub(/^0x/, "", s); s = tolower(s); n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	($4 == "FUNC" || $4 == "IFUNC") && $8 != "" {
		name = $8; sub(/@.*/, "", name)
		print num($2), num($3), name
	}'
}

# libc's frames: "IP NAME OFF" (named) or "IP - -" (file and address)
sed -n 's/^regmap-run:     #[0-9]* *0x\([0-9a-f]*\) in \([^ +]*\)+\([0-9]*\) (libc\.so\.6)$/\1 \2 \3/p
	s/^regmap-run:     #[0-9]* *0x\([0-9a-f]*\) in \([^ +]*\) (libc\.so\.6)$/\1 \2 0/p
	s/^regmap-run:     #[0-9]* *0x\([0-9a-f]*\) in libc\.so\.6+0x[0-9a-f]*$/\1 - -/p' \
	"$TMP/err" >"$TMP/frames"
libc=$(sed -n 's/^object \(.*\/libc\.so\.6\) 0x\([0-9a-f]*\)$/\1/p' "$TMP/out")
bias=$(sed -n 's/^object .*\/libc\.so\.6 0x\([0-9a-f]*\)$/\1/p' "$TMP/out")
if [ -z "$libc" ] || [ ! -s "$TMP/frames" ]; then
	echo "FAIL: no libc.so.6 frames or no libc load address in the output"; fail=1; finish
fi
echo "ok: $(wc -l <"$TMP/frames") frames in libc.so.6 ($libc, debug file: $(debug_file "$libc" || true))"
symbols "$libc" $(debug_file "$libc") >"$TMP/syms"

if command -v gdb >/dev/null 2>&1; then
	have_gdb=1
else
	have_gdb=
	echo "skip: gdb is not installed: names checked against the symbol tables only"
fi

# frames past 0 hold return addresses: the call is the byte before
while read -r ip name off; do
	v=$((0x$ip - 0x$bias - 1))
	hit=$(awk -v v="$v" '$1 <= v && v < $1 + $2 { print $1, $3 }' "$TMP/syms")
	if [ "$name" = - ]; then
		# no name printed: no sized symbol may contain the address
		[ -z "$hit" ] && echo "ok: libc+$(printf %x $((v + 1))) shown without a name; no symbol contains it" ||
			{ echo "FAIL: libc+$(printf %x $((v + 1))): symbols contain it: $hit"; fail=1; }
		want_gdb="No symbol matches"
	else
		start=$((v + 1 - off))
		# the printed name must be a symbol that starts there and contains the address
		if printf '%s\n' "$hit" | grep -qx "$start $name"; then
			echo "ok: $name+$off is libc's $name, which contains libc+$(printf %x $((v + 1)))"
		else
			echo "FAIL: $name+$off: libc's symbols containing libc+$(printf %x $((v + 1))): ${hit:-none}"
			fail=1
		fi
	fi
	[ -n "$have_gdb" ] || continue
	g=$(gdb -nx -batch -ex "info symbol $v" "$libc" 2>/dev/null | tail -n 1)
	echo "  gdb: info symbol libc+$(printf %x "$v"): $g"
	if [ "$name" = - ]; then
		case $g in "No symbol matches"*) echo "ok: gdb names no function there either";;
		*) echo "FAIL: gdb names a function there: $g"; fail=1;; esac
		continue
	fi
	# gdb may pick another alias of the same function: compare where it starts
	gname=$(echo "$g" | sed -n 's/^\([^ ]*\) + \([0-9]*\) in section .*/\1/p')
	goff=$(echo "$g" | sed -n 's/^\([^ ]*\) + \([0-9]*\) in section .*/\2/p')
	case $g in *" in section "*) [ -n "$goff" ] || { gname=${g%% in section*}; goff=0; };; esac
	if [ -n "$gname" ] && [ $((v - goff)) = "$start" ]; then
		echo "ok: gdb agrees: $gname + $goff starts where $name does"
	else
		echo "FAIL: gdb says '$g' for $name+$off"; fail=1
	fi
done <"$TMP/frames"
finish
