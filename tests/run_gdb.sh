#!/bin/sh
# regmap-run --gdb driven by a real gdb in batch mode (tests/t_gdb.c):
# a breakpoint on a function, stepi over a map load and a map store,
# the map as memory (x/18gx 0 against info registers, a write at 0x10),
# watchpoints on map offsets, monitor commands.
. "${srcdir:-.}/tests/run_lib.sh"
. "${srcdir:-.}/tests/gdb_lib.sh"

# ---- the program waits before its first instruction; break, continue ----
start_rr --gdb $T basic || finish
pid=$(target_pid)
expect_eq "$(proc_field "$pid" State)" t "before gdb connects, the program is in a tracing stop"
expect_eq "$(proc_field "$pid" TracerPid)" "$RR_PID" "traced by regmap-run"
run_gdb "break gdb_marker" "continue" "bt" "continue"
gdb_has "Breakpoint 1, gdb_marker ()" "the breakpoint on gdb_marker was hit"
gdb_has "#1 .* in basic () at " "bt shows the caller"
gdb_has "exited with code 052" "gdb saw the program exit with 42"
rr_wait
expect_rr_status 42 "break and continue"

# ---- stepi over a map load and a map store ----
start_rr --gdb $T basic || finish
run_gdb "break *gdb_map_load" "continue" \
	'printf "load_pc=%lx at=%lx\n", $pc, &gdb_map_load' \
	'printf "before_rax=%lx rdx=%lx\n", $rax, $rdx' \
	"stepi" \
	'printf "load_rax=%lx load_rdx=%lx\n", $rax, $rdx' \
	'printf "after_load_pc=%lx store=%lx\n", $pc, &gdb_map_store' \
	"stepi" \
	'printf "store_rbx=%lx store_rax=%lx\n", $rbx, $rax' \
	'printf "after_store_pc=%lx next=%lx\n", $pc, &gdb_after_store' \
	"continue"
expect_eq "$(gdb_value load_pc | cut -d' ' -f1)" "$(sed -n 's/^load_pc=.* at=//p' "$TMP/gdb.out")" \
	"stopped at the map load"
expect_eq "$(sed -n 's/^load_rax=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" 1234 \
	"stepi over mov rax, [0x10]: rax = rdx"
expect_eq "$(sed -n 's/^after_load_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^after_load_pc=.* store=//p' "$TMP/gdb.out")" \
	"after one stepi, at the next instruction (the store)"
expect_eq "$(sed -n 's/^store_rbx=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" 1234 \
	"stepi over mov [0x18], rax: rbx = rax"
expect_eq "$(sed -n 's/^after_store_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^after_store_pc=.* next=//p' "$TMP/gdb.out")" \
	"after the second stepi, at the instruction after the store"
gdb_lacks "SIGSEGV" "gdb never saw the map accesses as faults"
rr_wait
expect_rr_status 42 "stepping over map accesses"

# ---- sites rewritten into native code, then a watchpoint and a
# breakpoint on them: each site is put back and traps again ----
start_rr --gdb --stats $T hot || finish
run_gdb "break gdb_marker" "continue" "watch *(long *)0x18" "continue" \
	'printf "hot_watch_pc=%lx after=%lx\n", $pc, &gdb_after_store' \
	'printf "hot_watch_rbx=%lx\n", $rbx' "delete" \
	"break *gdb_map_load" "continue" \
	'printf "hot_break_pc=%lx at=%lx\n", $pc, &gdb_map_load' \
	'printf "hot_break_rdx=%lx\n", $rdx' "x/i \$pc" "delete" "continue"
expect_eq "$(sed -n 's/^hot_watch_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^hot_watch_pc=.* after=//p' "$TMP/gdb.out")" \
	"a watchpoint on a rewritten site's register stops right after its store"
expect_eq "$(gdb_value hot_watch_rbx)" 77 "rbx holds the value the site stored"
expect_eq "$(sed -n 's/^hot_break_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^hot_break_pc=.* at=//p' "$TMP/gdb.out")" \
	"a breakpoint on a rewritten site stops there"
expect_eq "$(gdb_value hot_break_rdx)" 88 "at the second call, with its argument"
gdb_has "mov.*0x10,%rax" "the code at the breakpoint is the program's map load again"
rr_wait
expect_rr_status 47 "watchpoint and breakpoint on rewritten sites"
# 3 traps: its first execution, the one under the watchpoint, the first after it
expect_in rr.err "<gdb_map_roundtrip+12> *3  *mov  *rewritten" \
	"--stats: the store was rewritten, put back for the watchpoint, rewritten again"

# ---- x/18gx 0 is the register image of the thread; writes write registers ----
start_rr --gdb $T basic || finish
run_gdb "break *gdb_map_store" "continue" "x/18gx 0" "info registers" \
	"set var *(long *)0x10 = 0x5a5a" 'printf "rdx_after_write=%lx\n", $rdx' \
	'set var $rdx = 0x1234' "print *(long *)0x10" "continue"
# the 18 values at 0x0 .. 0x88, in map order
sed -n 's/^0x[0-9a-f]*:[[:space:]]*\(0x[0-9a-f]*\)[[:space:]]*\(0x[0-9a-f]*\)$/\1\n\2/p' \
	"$TMP/gdb.out" | head -n 18 >"$TMP/map"
for r in rax rcx rdx rbx rsp rbp rsi rdi r8 r9 r10 r11 r12 r13 r14 r15 rip eflags; do
	v=$(sed -n "s/^$r[[:space:]]*\(0x[0-9a-f]*\).*/\1/p" "$TMP/gdb.out" | head -n 1)
	printf '0x%016x\n' "$v"
done >"$TMP/regs"
if [ "$(wc -l <"$TMP/map")" = 18 ] && cmp -s "$TMP/map" "$TMP/regs"; then
	echo "ok: x/18gx 0 equals info registers (rax .. r15, rip, rflags)"
else
	echo "FAIL: x/18gx 0 and info registers differ:"
	paste "$TMP/map" "$TMP/regs" | sed 's/^/  /'
	fail=1
fi
expect_eq "$(gdb_value rdx_after_write)" 5a5a "a write at 0x10 writes rdx"
gdb_has '^\$1 = 4660$' "reading 0x10 after setting \$rdx gives the new rdx"
rr_wait
expect_rr_status 42 "the map as memory"

# ---- a write watchpoint on 0x18: after the map store, old and new values ----
start_rr --gdb $T basic || finish
run_gdb "break gdb_watch_marker" "continue" "watch *(long *)0x18" "continue" \
	'printf "watch_pc=%lx after=%lx\n", $pc, &gdb_watch_after' \
	'printf "watch_rbx=%lx\n", $rbx' "delete" "continue"
gdb_has "Hardware watchpoint 2: \*(long \*)0x18" "the watchpoint is a hardware one"
gdb_has "^Old value = 4369$" "old value 0x1111 (rbx before)"
gdb_has "^New value = 8738$" "new value 0x2222 (the map store)"
expect_eq "$(sed -n 's/^watch_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^watch_pc=.* after=//p' "$TMP/gdb.out")" \
	"stopped right after the map store (the native mov rbx, 0x3333 before it did not trigger)"
expect_eq "$(gdb_value watch_rbx)" 2222 "rbx holds the stored value"
rr_wait
expect_rr_status 42 "a watchpoint on 0x18"

# ---- rwatch and awatch on the map: the load in gdb_map_roundtrip reads 0x10 ----
start_rr --gdb $T basic || finish
run_gdb "break gdb_marker" "continue" "rwatch *(long *)0x10" "continue" \
	'printf "rwatch_pc=%lx after=%lx\n", $pc, &gdb_map_store' "delete" \
	"awatch *(long *)0x18" "continue" \
	'printf "awatch_pc=%lx after=%lx\n", $pc, &gdb_after_store' "delete" "continue"
gdb_has "Hardware read watchpoint 2: \*(long \*)0x10" "rwatch stopped"
expect_eq "$(sed -n 's/^rwatch_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^rwatch_pc=.* after=//p' "$TMP/gdb.out")" "rwatch: after the map load of rdx"
gdb_has "Hardware access (read/write) watchpoint 3: \*(long \*)0x18" "awatch stopped"
expect_eq "$(sed -n 's/^awatch_pc=\([0-9a-f]*\) .*/\1/p' "$TMP/gdb.out")" \
	"$(sed -n 's/^awatch_pc=.* after=//p' "$TMP/gdb.out")" "awatch: after the map store to rbx"
rr_wait
expect_rr_status 42 "rwatch and awatch"

# ---- next through C code with a map access (line stepping single-steps it) ----
start_rr --gdb $T basic || finish
run_gdb "break gdb_c_map" "continue" "next" "next" "next" \
	'printf "c_result=%d\n", gdb_c_result' "continue"
gdb_has "Breakpoint 1, gdb_c_map (x=" "stopped in gdb_c_map"
expect_eq "$(gdb_value c_result)" 47 "after next over x = t_map_add(x, 5), the result is 42 + 5"
gdb_lacks "SIGSEGV" "the map access was stepped, not reported as a fault"
rr_wait
expect_rr_status 42 "next over a map access"

# ---- breakpoints are never visible in memory; binary reads; ack mode ----
start_rr --gdb $T basic || finish
run_gdb "set remote noack-packet off" "set breakpoint always-inserted on" \
	"break *gdb_map_load" "continue" 'eval "maint packet m%lx,4", &gdb_map_load' \
	'eval "maint packet x%lx,4", &gdb_map_load' 'eval "maint packet m%lx,1", 0x90' \
	"maint packet m10,8" "continue"
# mov rax, [0x10] is 48 8b 04 25 10 00 00 00; the int3 must not show
gdb_has 'received: "488b0425"' "m: the instruction's bytes, not the int3 over them"
gdb_has 'received: "bH\\x8b\\x04%"' "x: the same bytes in binary"
gdb_has 'received: "E0e"' "page 0 past the map: an error"
gdb_has 'received: "3412000000000000"' "m10,8 is rdx (0x1234), little-endian"
rr_wait
expect_rr_status 42 "raw memory reads with acks on"

# ---- monitor commands ----
start_rr --gdb $T basic || finish
run_gdb "monitor help" "break *gdb_map_store" "continue" "monitor regmap map" \
	'printf "rbx_now=%016lx rax_now=%016lx\n", $rbx, $rax' \
	"monitor regmap trace on" "stepi" "monitor regmap trace off" "monitor regmap stats" \
	"monitor regmap bogus" "continue"
gdb_has "monitor regmap map \[TID\]" "monitor help lists the commands"
gdb_has "^register map of thread [0-9]*:" "monitor regmap map"
gdb_has "^  0x00  rax    0x$(sed -n 's/^rbx_now=.* rax_now=//p' "$TMP/gdb.out")$" \
	"the map shows rax at 0x00"
gdb_has "^  0x88  rflags 0x" "the map shows rflags at 0x88"
gdb_has "stats: [0-9]* instructions emulated" "monitor regmap stats"
gdb_has "unknown monitor command" "an unknown command says so"
rr_wait
expect_in rr.err "W 8 0x18 rbx = 0x1234  mov \[0x18\], rax" "monitor regmap trace on traced the store"
expect_rr_status 42 "monitor commands"

finish
