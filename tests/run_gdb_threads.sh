#!/bin/sh
# regmap-run --gdb with two threads (t_gdb threads): each thread has its
# own map; switching with "thread N" shows that thread's registers at
# 0x0-0x8f, and monitor regmap map TID shows any thread's.
. "${srcdir:-.}/tests/run_lib.sh"
. "${srcdir:-.}/tests/gdb_lib.sh"

start_rr --gdb $T threads || finish
run_gdb "break gdb_thread_marker" "continue" "info threads" \
	"thread 2" 'printf "t2_r12=%lx\n", $r12' 'printf "t2_map=%lx\n", *(long *)0x60' \
	'printf "t2_tid=%d\n", $_thread' "info thread" \
	"thread 3" 'printf "t3_r12=%lx\n", $r12' 'printf "t3_map=%lx\n", *(long *)0x60' \
	"x/gx 0x60" "thread 2" "x/gx 0x60" \
	"continue" "continue"
gdb_has "hit Breakpoint 1, .* in gdb_thread_marker ()" "a thread stopped at the breakpoint"
n=$(sed -n 's/^[ *] [0-9]*[[:space:]]*\(Thread [0-9]*\.[0-9]*\) "t_gdb".*/\1/p' "$TMP/gdb.out" |
	sort -u | wc -l)
expect_eq "$n" 3 "info threads lists the main thread and the two others, with their names"
t2=$(gdb_value t2_r12)
t3=$(gdb_value t3_r12)
expect_eq "$(gdb_value t2_map)" "$t2" "thread 2: *(long *)0x60 is its own r12"
expect_eq "$(gdb_value t3_map)" "$t3" "thread 3: *(long *)0x60 is its own r12"
case "$t2,$t3" in
a001,a002|a002,a001) echo "ok: the two threads have their own values ($t2, $t3)";;
*) echo "FAIL: r12 of threads 2 and 3 are $t2 and $t3, not 0xa001 and 0xa002"; fail=1;;
esac
# the x/gx after switching back shows thread 2's value again
last=$(sed -n 's/^0x60:[[:space:]]*0x0*\([0-9a-f]*\)$/\1/p' "$TMP/gdb.out" | tail -n 1)
expect_eq "$last" "$t2" "x/gx 0x60 after switching back to thread 2"
gdb_has "exited with code 053" "the program ran to its end"
rr_wait
expect_rr_status 43 "two threads"

# monitor regmap map TID: another thread's map without switching to it
start_rr --gdb $T threads || finish
run_gdb "break gdb_thread_marker" "continue" \
	'eval "monitor regmap map %d", gdb_tids[0]' 'eval "monitor regmap map %d", gdb_tids[1]' \
	"monitor regmap map 1" "kill"
gdb_has "^  0x60  r12    0x000000000000a001$" "the first thread's map, by its id"
gdb_has "^  0x60  r12    0x000000000000a002$" "the second thread's map, by its id"
gdb_has "no thread 1 in process" "a number that is no thread of the process says so"
rr_wait

# ---- many threads starting and ending, signals passed, a breakpoint hit
# again and again (each hit stops and resumes every thread), map sites
# rewritten meanwhile (each rewrite stops every thread too): every thread
# right, and no trap of a deleted breakpoint left over ----
start_rr --gdb ./tests/t_world || finish
run_gdb "handle SIGUSR1 nostop noprint pass" "break child" "ignore 1 20" "continue" \
	"info threads" "delete" "continue"
gdb_has "hit Breakpoint 1, child (" "the 21st thread start stopped (rewriting on)"
rr_wait
expect_rr_status 0 "t_world under gdb (rewriting on)"
expect_in rr.out "t_world: ok" "every map access of every thread was right (rewriting on)"

# ... and with every access trapping: each one served exactly once
start_rr --gdb --no-rewrite --stats ./tests/t_world || finish
run_gdb "handle SIGUSR1 nostop noprint pass" "break child" "ignore 1 20" "continue" \
	"info threads" "delete" "continue"
gdb_has "hit Breakpoint 1, child (" "the 21st thread start stopped"
rr_wait
expect_rr_status 0 "t_world under gdb"
expect_in rr.out "t_world: ok" "every map access of every thread was right"
want=$(sed -n 's/^map instructions //p' "$TMP/rr.out")
got=$(sed -n 's/^regmap-run: stats: \([0-9]*\) instructions emulated.*/\1/p' "$TMP/rr.err")
expect_eq "$got" "$want" "map instructions executed = emulated"
finish
