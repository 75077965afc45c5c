#!/bin/sh
# `make install` into a staging directory (DESTDIR), then check what was
# installed and build a small program against the installed package with
# pkg-config, shared and static, and run it.  Run from the top build
# directory by `make check`, through the generated tests/lib_install.test.
set -u
srcdir=${srcdir:-.}
CC=${CC:-cc}
pass=0 fail=0
dest=$(mktemp -d "${TMPDIR:-/tmp}/regmap-install.XXXXXX") || exit 99
trap 'rm -rf "$dest"' EXIT

ok() { pass=$((pass + 1)); echo "PASS: $1"; }
# bad MESSAGE [LOG]: a failure, and the log that explains it
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ $# -lt 2 ] || sed 's/^/  | /' "$2"; }

command -v pkg-config >/dev/null || { echo "SKIP: no pkg-config"; exit 77; }

# the outer make's jobserver is not ours
if env MAKEFLAGS= ${MAKE:-make} install DESTDIR="$dest/root" >"$dest/log" 2>&1; then
	ok "make install DESTDIR=..."
else
	bad "make install DESTDIR=..." "$dest/log"
	echo "$pass passed, $fail failed"
	exit 1
fi

for f in regmap-run libregmap.so.0 libregmap.a regmap.h regmap.pc \
	 regmap-run.1 regmap.7 regmap.3; do
	p=$(find "$dest/root" -name "$f" | head -n 1)
	if [ -n "$p" ]; then ok "installed $f (${p#"$dest/root"})"; else bad "$f not installed"; fi
done

# the installed regmap-run finds the installed library from where it is
# (BINDIR/../lib), wherever the tree was installed or moved to
rr=$(find "$dest/root" -name regmap-run -type f | head -n 1)
lib=$(find "$dest/root" -name libregmap.so.0 | head -n 1)
if [ -n "$rr" ] && [ -n "$lib" ] &&
   out=$(env -u REGMAP_LIBRARY -u LD_PRELOAD \
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
	"$rr" --in-process /usr/bin/env 2>"$dest/log") &&
   pre=$(printf '%s\n' "$out" | sed -n 's/^LD_PRELOAD=//p') &&
   [ -n "$pre" ] && [ "$(realpath "$pre")" = "$(realpath "$lib")" ]; then
	ok "installed regmap-run --in-process preloads the library installed beside it"
else
	bad "installed regmap-run --in-process: LD_PRELOAD='${pre-}', want $lib" "$dest/log"
fi

pc=$(find "$dest/root" -name regmap.pc | head -n 1)
[ -n "$pc" ] || { echo "$pass passed, $fail failed"; exit 1; }
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_PATH=$PKG_CONFIG_LIBDIR
PKG_CONFIG_SYSROOT_DIR=$dest/root
export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
# pkgconf prefixes variables with the sysroot, pkg-config does not
libdir=$(pkg-config --variable=libdir regmap)
case $libdir in "$dest/root"/*) ;; *) libdir=$dest/root$libdir ;; esac

want="mode: in-process
r12: $(( (1000 + 337) ^ 255 )) rdi: $(( 7 - 10 ))"

# shared: pkg-config --cflags --libs regmap
if $CC $SAN_CFLAGS $(pkg-config --cflags regmap) "$srcdir/tests/lib_mode.c" \
	-o "$dest/prog" $(pkg-config --libs regmap) >"$dest/log" 2>&1 &&
   out=$(LD_LIBRARY_PATH=$libdir "$dest/prog" 2>"$dest/log") &&
   [ "$out" = "$want" ]; then
	ok "program built with pkg-config --cflags --libs regmap runs"
else
	bad "program built with pkg-config --cflags --libs regmap: '${out-}'" "$dest/log"
fi
# really the installed library
if LD_LIBRARY_PATH=$libdir ldd "$dest/prog" | grep -q "=> $libdir/libregmap.so.0"; then
	ok "it uses the installed libregmap.so"
else
	bad "it does not use $libdir/libregmap.so.0"
fi

# static libregmap, shared Zydis: the command regmap(3) shows, as Debian
# ships no libZydis.a (pkg-config's libdir has the sysroot added above)
if $CC $SAN_CFLAGS -O2 $(pkg-config --cflags regmap) "$srcdir/tests/lib_mode.c" -o "$dest/prog-static" \
	"$libdir/libregmap.a" -lZydis >"$dest/log" 2>&1 &&
   out=$("$dest/prog-static" 2>"$dest/log") && [ "$out" = "$want" ] &&
   ! ldd "$dest/prog-static" | grep -q libregmap; then
	ok "program linked with libregmap.a runs"
else
	bad "program linked with libregmap.a: '${out-}'" "$dest/log"
fi

# examples/hello.S with the link line its comment and regmap(3) show: a
# weak reference alone would not keep libregmap linked --as-needed
if $CC $SAN_CFLAGS -o "$dest/hello" "$srcdir/examples/hello.S" \
	-Wl,--no-as-needed $(pkg-config --libs regmap) >"$dest/log" 2>&1 &&
   out=$(LD_LIBRARY_PATH=$libdir "$dest/hello" 2>"$dest/log") &&
   [ "$out" = "memory-mapped registers work!" ]; then
	ok "examples/hello.S linked as its comment says runs in-process"
else
	bad "examples/hello.S linked as its comment says: '${out-}'" "$dest/log"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
