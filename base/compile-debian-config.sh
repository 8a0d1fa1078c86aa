#!/bin/sh
# A real-world build: every C file the series touches (tools/ aside) compiles
# under Debian's own amd64 configuration (package linux-config-6.12), with W=1,
# and gives no warning that the same file did not already give in the baseline.
# Both trees are built out of tree with the same config; kbuild and ccache keep
# a second run to seconds.
#
#   base/compile-debian-config.sh
#   SRC=... BASELINE=... OBJ=... base/compile-debian-config.sh   (other trees)
#   FILES="kernel/pid.c ..." base/compile-debian-config.sh       (other files)
#
# OBJ is the patched tree's object directory; the baseline's is $OBJ-baseline.
set -eu
# The same diagnostics whatever the caller's locale (kbuild drops LC_ALL).
unset LC_ALL LC_CTYPE LC_MESSAGES
export LANG=C
top=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$top/build/src}
BASELINE=${BASELINE:-$top/build/baseline}
OBJ=${OBJ:-$top/build/obj-debian}
CONFIG=${DEBIAN_CONFIG:-/usr/src/linux-config-6.12/config.amd64_none_amd64.xz}
JOBS=${JOBS:-$(nproc)}
CC=gcc
! command -v ccache >/dev/null || CC="ccache gcc"

die() { echo "debian-config: $*" >&2; exit 1; }
[ -r "$CONFIG" ] || die "$CONFIG not found: install linux-config-6.12 (make deps)"
for t in "$SRC" "$BASELINE"; do [ -f "$t/Makefile" ] || die "no kernel tree in $t (make tree)"; done

# The C files the series touches (tools/ is not kernel code), uncommitted
# edits included: the work tree against tag baseline, files it deletes left out.
files=${FILES:-$(git -C "$SRC" diff --name-only --diff-filter=d baseline -- '*.c' ':!tools/')}
[ -n "$files" ] || die "the series touches no C file"

# kbuild's name for a file's object. amdkfd has no Makefile of its own that
# builds it: amdgpu's Makefile compiles it as ../amdkfd/*.o, with its flags.
target() {
	case $1 in
	drivers/gpu/drm/amd/amdkfd/*) echo "drivers/gpu/drm/amd/amdgpu/../amdkfd/${1##*/}" ;;
	*) echo "$1" ;;
	esac | sed 's/\.c$/.o/'
}

# One tree: config, prepare, then all the objects in one make (one pass over
# the top-level Makefile). Each object's diagnostics are kept in
# $obj/.w1/<file>.log, replaced only when kbuild really compiled it (its
# "CC" line is in this run's output): an object kbuild leaves alone keeps
# the warnings it was compiled with.
build() {
	tree=$1 obj=$2
	mkdir -p "$obj/.w1"
	# Re-seed .config only when Debian's config changed: olddefconfig then
	# settles what this compiler and tree cannot have (BTF without pahole...).
	xz -dc "$CONFIG" >"$obj/.w1/debian.config"
	if ! cmp -s "$obj/.w1/debian.config" "$obj/.w1/debian.config.used" || [ ! -f "$obj/.config" ]; then
		cp "$obj/.w1/debian.config" "$obj/.config"
		make -s -C "$tree" O="$obj" CC="$CC" olddefconfig >/dev/null
		cp "$obj/.w1/debian.config" "$obj/.w1/debian.config.used"
	fi
	# prepare builds objtool, genksyms and the generated headers, all the
	# compiles below need (module objects included: modules_prepare adds only
	# what linking modules needs).
	make -s -C "$tree" O="$obj" CC="$CC" W=1 -j"$JOBS" prepare >"$obj/.w1/prepare.log" 2>&1 ||
		{ tail -n 20 "$obj/.w1/prepare.log"; die "make prepare failed in $tree: $obj/.w1/prepare.log"; }
	targets=
	for f in $files; do
		[ -f "$tree/$f" ] || continue		# a file the series adds
		t=$(target "$f")
		# No record of its warnings: compile it again (ccache makes it cheap).
		[ -f "$obj/.w1/$f.log" ] || rm -f "$obj/$t"
		targets="$targets $t"
	done
	[ -n "$targets" ] || return 0
	# -k: one file's error must not hide the others'; -O: each object's output
	# in one piece, so it can be told apart from the others'.
	# shellcheck disable=SC2086 # one word per target
	make -k -O -C "$tree" O="$obj" CC="$CC" W=1 -j"$JOBS" $targets >"$obj/.w1/run.log" 2>&1 || true
	for f in $files; do
		[ -f "$tree/$f" ] || continue
		t=$(target "$f")
		mkdir -p "$(dirname "$obj/.w1/$f")"
		# The lines from "  CC ... <object>" up to kbuild's next quiet line.
		awk -v t="$t" '
			/^  [A-Z][A-Z0-9_]* / { keep = ($NF == t); next }
			/^make(\[[0-9]+\])?: / { keep = 0 }
			keep' "$obj/.w1/run.log" >"$obj/.w1/this.log"
		if grep -q "^  [A-Z][A-Z0-9_]* .* $t\$" "$obj/.w1/run.log" || [ ! -f "$obj/$t" ]; then
			mv "$obj/.w1/this.log" "$obj/.w1/$f.log"
		fi
		# A failed object is gone (kbuild deletes it): remember that too.
		[ -f "$obj/$t" ] || echo "error: $t was not built" >>"$obj/.w1/$f.log"
	done
	rm -f "$obj/.w1/this.log"
}

# A file's warnings, comparable across trees: no tree prefix (absolute, or
# relative to the objects as with CCACHE_BASEDIR), no line and column (the
# series moves lines), one line per diagnostic.
#   warnings LOG TREE OBJ
warnings() {
	[ -f "$1" ] || return 0
	rel=$(realpath -m --relative-to="$3" "$2")
	grep -E '(warning|error):' "$1" |
		sed -E -e "s|$2/||g; s|$rel/||g" \
			-e 's/:[0-9]+:[0-9]+:/:/; s/:[0-9]+:/:/' | sort
}

echo "  DEBCFG  $(basename "$CONFIG") from linux-config-6.12 $(dpkg-query -W -f='${Version}' linux-config-6.12 2>/dev/null || true)"
s=$(date +%s)
build "$BASELINE" "$OBJ-baseline"
build "$SRC" "$OBJ"

n=0 new=0 failed=0 broken=0
for f in $files; do
	n=$((n + 1))
	warnings "$OBJ-baseline/.w1/$f.log" "$BASELINE" "$OBJ-baseline" >"$OBJ/.w1/old"
	warnings "$OBJ/.w1/$f.log" "$SRC" "$OBJ" >"$OBJ/.w1/new"
	if grep -q 'error:' "$OBJ/.w1/new"; then
		failed=$((failed + 1)) broken=$((broken + 1))
		echo "  FAIL    $f: does not compile ($OBJ/.w1/$f.log)"
		grep 'error:' "$OBJ/.w1/new" | sed 's/^/          /'
		continue
	fi
	# comm pairs equal lines one to one: a warning given twice where the
	# baseline gave it once is new too.
	comm -13 "$OBJ/.w1/old" "$OBJ/.w1/new" >"$OBJ/.w1/diff"
	if [ -s "$OBJ/.w1/diff" ]; then
		failed=$((failed + 1))
		new=$((new + $(wc -l <"$OBJ/.w1/diff")))
		echo "  FAIL    $f: new warnings ($OBJ/.w1/$f.log)"
		sed 's/^/          /' "$OBJ/.w1/diff"
	else
		echo "  OK      $f"
	fi
done
rm -f "$OBJ/.w1/old" "$OBJ/.w1/new" "$OBJ/.w1/diff"
errors=
[ "$broken" = 0 ] || errors=" ($broken do not compile)"
echo "debian-config: $((n - broken)) files compiled$errors, $new new warnings ($(( $(date +%s) - s )) s)"
[ "$failed" = 0 ]
