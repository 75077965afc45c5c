#!/bin/sh
# difftest --rewrite (doc/REWRITE.md section 8): every random case the
# rewriter accepts also runs natively in its rewritten form and must give
# what the emulator gives, which must be what the CPU gives; then a
# smaller run single-steps the rewritten forms with the stack below rsp
# overwritten at every instruction boundary.  A failure prints the
# command that replays it.
set -e
# make check runs it from the build directory, where difftest is built
./tests/difftest --rewrite --cases 50000 --seed 7
./tests/difftest --step --cases 5000 --seed 8
