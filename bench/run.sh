#!/bin/sh
# bench/run.sh: run every benchmark workload in every mode beside its
# baseline, and print one table of medians (make bench runs this from the
# build directory).
#
#	sh bench/run.sh		(from the build directory, after make bench)
#
# Environment: BENCH_REPS (runs per measurement, default 7, at least 5 for
# honest medians), BENCH_N (loop iterations of loads/alu/mixed, default
# 50000), BENCH_TN (iterations per thread of the 4-thread workloads,
# default 10000), BENCH_ZN (steps of the zero-access program, default
# 300000000), BENCH_RN and BENCH_TRN (iterations of the loops whose sites
# run natively once rewritten, defaults 20000000 and 5000000 per thread),
# BENCH_CN (bytes of the checksum kernel's whole run, default 300000000),
# BENCH_CG=0 to skip the callgrind count.
#
# regmap-run and libregmap run twice: with native-speed sites off
# (--no-rewrite, REGMAP_NO_REWRITE=1: every access traps, the trap path
# beside its minimal baselines) and on (+rw: after its first trap a site
# runs natively, beside the native register loop).
#
# Every mode of a workload runs the same loop with the same count; each
# program excludes its warm-up from the time it reports; modes are
# interleaved within each repetition so slow phases of the machine hit
# them alike.  Medians of BENCH_REPS runs.
set -u

REPS=${BENCH_REPS:-7}
N=${BENCH_N:-50000}
TN=${BENCH_TN:-10000}
ZN=${BENCH_ZN:-300000000}
TZN=${BENCH_TZN:-50000000}
RN=${BENCH_RN:-20000000}
TRN=${BENCH_TRN:-5000000}
CN=${BENCH_CN:-300000000}
CG=${BENCH_CG:-1}

W=./bench/workload
NORW="env REGMAP_NO_REWRITE=1"
MT=./bench/min_tracer
RR=./src/regmap-run
EC=./bench/emu_cost
for p in $W $MT $RR $EC; do
	if [ ! -x $p ]; then
		echo "bench/run.sh: $p is missing: run it as 'make bench'" >&2
		exit 1
	fi
done

# a sanitizer build runs too (its numbers mean little); LeakSanitizer
# cannot work under regmap-run
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export ASAN_OPTIONS

TMP=$(mktemp -d "${TMPDIR:-/tmp}/regmap-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
RAW=$TMP/raw
: >"$RAW"
FAILED=0

# acc WORKLOAD MODE COMMAND...: one run; records ns per access
acc() {
	wl=$1 mode=$2
	shift 2
	if ! out=$("$@" 2>"$TMP/err") || ! echo "$out" | grep -q 'result=ok'; then
		echo "bench/run.sh: FAILED: $*" >&2
		cat "$TMP/err" >&2
		FAILED=1
		return
	fi
	echo "$out" | awk -v wl="$wl" -v mode="$mode" -v rep="$r" '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { printf "%s %s %.3f %d\n", wl, mode, v["ns"] / v["accesses"], rep }' >>"$RAW"
}

# wall WORKLOAD MODE COMMAND...: one run; records its wall time in ns,
# start-up and exit included
wall() {
	wl=$1 mode=$2
	shift 2
	t0=$(date +%s%N)
	if ! "$@" >/dev/null 2>"$TMP/err"; then
		echo "bench/run.sh: FAILED: $*" >&2
		cat "$TMP/err" >&2
		FAILED=1
		return
	fi
	t1=$(date +%s%N)
	echo "$wl $mode $((t1 - t0)) $r" >>"$RAW"
}

# wallchk WORKLOAD MODE COMMAND...: as wall, and the result it prints
# must be the native run's ($REF)
wallchk() {
	wl=$1 mode=$2
	shift 2
	t0=$(date +%s%N)
	if ! out=$("$@" 2>"$TMP/err") || [ "$out" != "$REF" ]; then
		echo "bench/run.sh: FAILED: $* (printed \"$out\", native \"$REF\")" >&2
		cat "$TMP/err" >&2
		FAILED=1
		return
	fi
	t1=$(date +%s%N)
	echo "$wl $mode $((t1 - t0)) $r" >>"$RAW"
}

# inner WORKLOAD MODE COMMAND...: the program's own time for its measured part
inner() {
	wl=$1 mode=$2
	shift 2
	if ! out=$("$@" 2>"$TMP/err"); then
		echo "bench/run.sh: FAILED: $*" >&2
		cat "$TMP/err" >&2
		FAILED=1
		return
	fi
	echo "$out" | sed -n 's/.* ns=\([0-9]*\).*/\1/p' | sed "s/^/$wl $mode /; s/\$/ $r/" >>"$RAW"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "regmap benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r)"
echo "CPU: $cpu, $(nproc) CPUs online"
[ "$REPS" -lt 5 ] && echo "note: BENCH_REPS=$REPS: fewer than 5 runs, the medians mean little"
echo "runs: $REPS per mode (medians); loads/alu/mixed N=$N iterations," \
	"threads 4 x $TN, zero $ZN steps; rewritten loops N=$RN, threads 4 x $TRN," \
	"checksum $CN bytes"
echo

start=$(date +%s)
REF=$($W checksum native "$CN")
r=0
while [ $r -lt "$REPS" ]; do
	r=$((r + 1))
	[ -t 2 ] && printf '\rrepetition %d/%d ' $r "$REPS" >&2
	# the trap path: native-speed sites off
	acc loads native		$W loads native "$N"
	acc loads min_tracer		$MT $W loads map "$N"
	acc loads regmap-run		$RR --no-rewrite $W loads map "$N"
	acc loads min_handler		$W loads min "$N"
	acc loads libregmap		$NORW $W loads lib "$N"
	# what regmap-run and libregmap do beyond the minimal baselines
	acc loads min_tracer+siginfo	$MT -i $W loads map "$N"
	acc loads min_tracer+coderead	$MT -c $W loads map "$N"
	acc loads min_tracer+both	$MT -i -c $W loads map "$N"
	acc loads min_tracer+peek	$MT -p $W loads map "$N"
	acc loads min_handler+coderead	$W loads minread "$N"

	acc alu native			$W alu native "$N"
	acc alu regmap-run		$RR --no-rewrite $W alu map "$N"
	acc alu libregmap		$NORW $W alu lib "$N"

	acc mixed native		$W mixed native "$N"
	acc mixed regmap-run		$RR --no-rewrite $W mixed map "$N"
	acc mixed libregmap		$NORW $W mixed lib "$N"

	acc threads native		$W threads native "$TN"
	acc threads min_tracer		$MT $W threads map "$TN"
	acc threads regmap-run		$RR --no-rewrite $W threads map "$TN"
	acc threads min_tracer-u	$MT -u $W threads map "$TN"
	acc threads regmap-run--no-pin	$RR --no-rewrite --no-pin $W threads map "$TN"
	acc threads min_handler		$W threads min "$TN"
	acc threads libregmap		$NORW $W threads lib "$TN"

	# native-speed sites on: the loops run natively after their first trap
	for k in loads alu mixed; do
		acc $k-rw native		$W $k native "$RN"
		acc $k-rw regmap-run+rw		$RR $W $k map "$RN"
		acc $k-rw libregmap+rw		$W $k lib "$RN"
	done
	acc threads-rw native		$W threads native "$TRN"
	acc threads-rw regmap-run+rw	$RR $W threads map "$TRN"
	acc threads-rw regmap-run+rw--no-pin	$RR --no-pin $W threads map "$TRN"
	acc threads-rw libregmap+rw	$W threads lib "$TRN"
	# a site's first execution: its trap and its rewrite (off: a cold trap)
	for k in first firststub; do
		acc $k regmap-run+rw		$RR $W $k map 5
		acc $k regmap-run		$RR --no-rewrite $W $k map 5
		acc $k libregmap+rw		$W $k lib 5
		acc $k libregmap		$NORW $W $k lib 5
	done
	# the checksum kernel's whole run, start-up and exit included
	wallchk checksum native		$W checksum native "$CN"
	wallchk checksum regmap-run+rw	$RR $W checksum map "$CN"
	wallchk checksum libregmap+rw	$W checksum lib "$CN"

	wall zero native		$W zero native "$ZN"
	wall zero regmap-run		$RR $W zero native "$ZN"
	inner threadzero native		$W threadzero native "$TZN"
	inner threadzero regmap-run	$RR $W threadzero native "$TZN"
	inner threadzero regmap-run--no-pin $RR --no-pin $W threadzero native "$TZN"
done
[ -t 2 ] && echo >&2

# The emulator alone: native times, then callgrind's instruction counts.
r=0
while [ $r -lt "$REPS" ]; do
	r=$((r + 1))
	$EC 200000 | awk '!/^#/ { for (i = 2; i <= NF; i++) { split($i, kv, "=");
		print "emu", $1 "/" kv[1], kv[2], rep } }' rep=$r >>"$TMP/emu_native"
done
if [ "$CG" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	CGN=20000
	if (cd "$TMP" && valgrind --tool=callgrind --callgrind-out-file=cg.out \
	    "$OLDPWD/$EC" $CGN >/dev/null 2>cg.err); then
		for f in "$TMP"/cg.out.*; do
			trig=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
			tot=$(sed -n 's/^totals: //p' "$f")
			set -- $trig
			echo "emu $2/${1}_ns $tot $CGN"
		done >"$TMP/emu_cg"
	else
		echo "bench/run.sh: callgrind failed (valgrind cannot run a sanitizer build):" >&2
		tail -n 5 "$TMP/cg.err" >&2
	fi
fi
: >>"$TMP/emu_cg"

awk '
function median(key,   a) {
	return median_of(vals[key])
}
# the median of paired ratios: each run of key over the run of base in
# the same repetition, so a slow phase of the machine cancels out
function ratio_median(key, base,   r, list) {
	list = ""
	for (r = 1; r <= maxrep; r++)
		if (((key, r) in rv) && ((base, r) in rv) && rv[base, r] > 0)
			list = list " " rv[key, r] / rv[base, r]
	return list == "" ? -1 : median_of(list)
}
function median_of(list,   n, i, j, t, a) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)	# insertion sort: a handful of values
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function rate(ns) { return ns > 0 ? sprintf("%.3g", 1e9 / ns) : "-" }
function row(wl, mode, base, target,   v, nat, ratio, met, key) {
	key = wl " " mode
	if (!(key in vals)) {
		printf "%-11s %-22s %s\n", wl, mode, "(no result)"
		missed = missed + (target != "")
		return
	}
	v = median(key)
	nat = ((wl " native") in vals) ? sprintf("%.1f", ratio_median(key, wl " native")) : "-"
	ratio = "-"; met = ""
	if (base != "" && (base in vals) && ratio_median(key, base) >= 0)
		ratio = sprintf("%.2f", ratio_median(key, base))
	if (target != "" && ratio != "-") {
		met = (ratio + 0 <= target + 0) ? "yes" : "NO"
		missed += met == "NO"
	}
	printf "%-11s %-22s %12.1f %11s %9s  %-28s %6s %7s %4s\n", wl, mode, v,
	       wl ~ /zero|checksum/ ? "-" : rate(v), nat, base == "" ? "-" : base, ratio,
	       target == "" ? "-" : "<=" target, met
}
# callgrind: "emu insn/phase_ns Ir count"
FILENAME ~ /emu_cg$/ { ir[$2] = $3 / $4; next }
{
	vals[$1 " " $2] = vals[$1 " " $2] " " $3
	rv[$1 " " $2, $4] = $3
	if ($4 > maxrep)
		maxrep = $4
}
END {
	printf "%-11s %-22s %12s %11s %9s  %-28s %6s %7s %4s\n", "workload", "mode",
	       "ns/access", "accesses/s", "x native", "baseline", "ratio", "target", "met?"
	row("loads", "native")
	row("loads", "min_tracer")
	row("loads", "regmap-run", "loads min_tracer", "1.10")
	row("loads", "min_handler")
	row("loads", "libregmap", "loads min_handler", "1.15")
	print ""
	print "where the time goes: the minimal baselines plus the system calls regmap makes"
	print "per access on top of them (siginfo: PTRACE_GETSIGINFO; coderead: reading the"
	print "15 code bytes at rip, process_vm_readv; for the handler also its getpid();"
	print "peek: the code read done with one PTRACE_PEEKTEXT instead)"
	row("loads", "min_tracer+siginfo", "loads min_tracer")
	row("loads", "min_tracer+coderead", "loads min_tracer")
	row("loads", "min_tracer+both", "loads min_tracer")
	row("loads", "min_tracer+peek", "loads min_tracer+coderead")
	row("loads", "regmap-run", "loads min_tracer+both")
	row("loads", "min_handler+coderead", "loads min_handler")
	row("loads", "libregmap", "loads min_handler+coderead")
	print ""
	row("alu", "native")
	row("alu", "regmap-run", "loads min_tracer", "1.10")
	row("alu", "libregmap", "loads min_handler", "1.15")
	row("mixed", "native")
	row("mixed", "regmap-run", "loads min_tracer", "1.10")
	row("mixed", "libregmap", "loads min_handler", "1.15")
	row("threads", "native")
	row("threads", "min_tracer")
	row("threads", "regmap-run", "threads min_tracer", "1.10")
	row("threads", "min_tracer-u")
	row("threads", "regmap-run--no-pin", "threads min_tracer-u", "1.10")
	row("threads", "min_handler")
	row("threads", "libregmap", "threads min_handler", "1.15")
	print ""
	print "native-speed sites (rewriting on): the loops after their sites were rewritten,"
	print "against the native register loop (-rw: N=" rn ", threads 4 x " trn ")"
	for (i = 1; i <= 4; i++) {
		wl = (i == 1 ? "loads" : i == 2 ? "alu" : i == 3 ? "mixed" : "threads") "-rw"
		row(wl, "native")
		row(wl, "regmap-run+rw", wl " native", "2")
		if (i == 4)
			row(wl, "regmap-run+rw--no-pin", wl " native")
		row(wl, "libregmap+rw", wl " native", "2")
	}
	print ""
	print "the first execution of a site (64 sites, each run once), against one trap of"
	print "the hot loop (loads, rewriting off); without rewriting it is a cold trap"
	for (i = 1; i <= 2; i++) {
		wl = i == 1 ? "first" : "firststub"
		row(wl, "regmap-run+rw", "loads regmap-run", "10")
		row(wl, "regmap-run", "loads regmap-run")
		row(wl, "libregmap+rw", "loads libregmap", "10")
		row(wl, "libregmap", "loads libregmap")
	}
	print ""
	print "the checksum kernel (mixed) over " cn " bytes: whole-run wall time in ns"
	row("checksum", "native")
	row("checksum", "regmap-run+rw", "checksum native", "1.5")
	row("checksum", "libregmap+rw", "checksum native", "1.5")
	print ""
	print "zero-access programs: wall time in ns per run (zero: whole process;"
	print "threadzero: 4 CPU-bound threads, from the first start to the last end)"
	row("zero", "native")
	row("zero", "regmap-run", "zero native", "1.05")
	row("threadzero", "native")
	row("threadzero", "regmap-run", "threadzero native")
	row("threadzero", "regmap-run--no-pin", "threadzero native")
	print ""
	print "the emulator alone (bench/emu_cost): instructions per access from callgrind,"
	print "native ns per access (median), and the ns the instruction count predicts"
	print "at the instructions/ns this program runs at natively"
	# instructions per ns over every phase
	tir = 0; tns = 0
	for (k in ir) {
		if (("emu " k) in vals) {
			tir += ir[k]; tns += median("emu " k)
		}
	}
	ipns = tns > 0 ? tir / tns : 0
	printf "%-16s %-7s %10s %10s %10s %7s %4s\n", "instruction", "phase",
	       "insns", "ns native", "ns est.", "target", "met?"
	n = split("mov_rax,[0x10] add_[0x40],rdi xor_[0x48],r8 rol_[0x50],7 mov_[0x58],r10", ins, " ")
	for (i = 1; i <= n; i++) {
		for (p = 1; p <= 2; p++) {
			ph = p == 1 ? "cold" : "cached"
			k = ins[i] "/" ph "_ns"
			nat = (("emu " k) in vals) ? sprintf("%.1f", median("emu " k)) : "-"
			if (k in ir && ipns > 0) {
				est = ir[k] / ipns
				met = ph == "cached" ? (est <= 100 ? "yes" : "NO") : ""
				missed += met == "NO"
				printf "%-16s %-7s %10.0f %10s %10.1f %7s %4s\n", ins[i], ph,
				       ir[k], nat, est, ph == "cached" ? "<=100" : "-", met
			} else {
				printf "%-16s %-7s %10s %10s %10s\n", ins[i], ph, "-", nat, "-"
			}
		}
	}
	if (ipns > 0)
		printf "(%.2f instructions per ns natively)\n", ipns
	print ""
	printf "%d target(s) missed\n", missed
}' rn="$RN" trn="$TRN" cn="$CN" "$RAW" "$TMP/emu_native" "$TMP/emu_cg" | sed 's/ *$//'

echo "total time: $(( $(date +%s) - start )) s"
exit $FAILED
