#!/bin/bash
# `make mutants`: build and boot the wrong kernels the tests must catch.
#
# A mutant is the series as build/src has it plus one plausible mistake:
# mutants/NAME.patch (a diff on top of the series, with "Mutant:" and
# "Suites:" lines first) or a line of mutants/reverts (one patch of the
# series reverted alone). Each is booted with only the suites of its path;
# vm/judge.sh then requires some case to fail on it ("killed"). A mutant that
# no longer applies to the series, or does not build, is an error that names
# it.
#
# Only what a mutant touches recompiles: build/obj-mutant starts as a copy of
# build/obj-patched, and the mistake is applied in an overlay mounted over
# build/src in a mount namespace of this script's own, so that kbuild sees
# the paths it built the patched kernel from, the untouched files with their
# old times, and only the changed ones as new. build/src itself is never
# written, and the overlay goes away with the namespace, however the run ends.
#
#   mutants/run.sh [NAME...]      default: every mutant
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build src=$b/src obj=$b/obj-mutant
cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"
[ -s "$b/obj-patched/arch/x86/boot/bzImage" ] ||
	{ echo "mutants: build the patched kernel first (make kernels)" >&2; exit 1; }

all=$(cd "$top/mutants" && ls ./*.patch | sed 's|^\./||; s|\.patch$||'
      sed -n 's/^\([0-9]\{4\}\)-.*/revert-\1/p' reverts)
names=${*:-$all}

# plan NAME SUITE...: a suite line per suite (kselftests: the program; other
# suites: their line in the vm/testplan* file that has it, with that file's
# "append" and "image" lines, so that a suite needing a boot of its own gets the same
# boot). The baseline's expectations do not apply; the "fails-on patched"
# ones do, since a mutant is the patched kernel.
plan() {
	local s f
	for s in "$@"; do
		f=$top/vm/testplan
		case $s in
		*/*) echo "suite $s 300 /tests/ksft-run.sh ${s%/*} ${s#*/}" ;;
		*) f=$(grep -l "^suite $s " "$top"/vm/testplan* | head -n 1)
		   [ -n "$f" ] || { echo "# mutants: no suite $s in vm/testplan*"; continue; }
		   grep -E "^(append|image) " "$f"
		   grep -m 1 "^suite $s " "$f" ;;
		esac
		grep "^fails-on [^ ]*patched[^ ]* $s:" "$f"
	done
}

# build NAME HOW: in a private mount namespace, overlay build/src, apply the
# mutant there (HOW: "patch FILE" or "revert COMMIT"), build obj-mutant.
build() {
	local up=$b/mutant-overlay
	rm -rf "$up" "$obj" && mkdir -p "$up/upper" "$up/work"
	cp -a "$b/obj-patched" "$obj"
	unshare -m --propagation private sh -c '
		src=$1 up=$2 obj=$3 cc=$4 how=$5 arg=$6
		mount -t overlay overlay -o "lowerdir=$src,upperdir=$up/upper,workdir=$up/work" "$src" ||
			{ echo "cannot mount an overlay over build/src"; exit 2; }
		case $how in
		patch)	patch -d "$src" -p1 -s --fuzz=0 --no-backup-if-mismatch <"$arg" ||
				{ echo "does not apply to the series"; exit 2; } ;;
		# (not the uapi comment each call-site patch extends: later
		# patches add to it, and it is no code)
		revert)	git -C "$src" show --format= "$arg" -- . ':!include/uapi/linux/capability.h' |
				patch -d "$src" -p1 -R -s --fuzz=0 --no-backup-if-mismatch ||
				{ echo "cannot be reverted alone: later patches depend on it"; exit 2; } ;;
		esac
		make -s -C "$src" O="$obj" CC="$cc" RUSTC=false -j"$(nproc)" bzImage >"$obj/build.log" 2>&1 ||
			{ tail -n 5 "$obj/build.log"; echo "does not build"; exit 2; }
	' sh "$src" "$up" "$obj" "$cc" "$@"
	local rc=$?
	rm -rf "$up"
	return $rc
}

failed=0
for m in $names; do
	out=$b/results-mutant-$m
	rm -rf "$out" && mkdir -p "$out" && echo "mutant-$m" >"$out/kernel"
	error() { echo "  MUTANT  $m: $*"; echo "mutants/$m: $*" >"$out/error"; failed=1; }
	case $m in
	revert-*)
		line=$(grep "^${m#revert-}-" "$top/mutants/reverts")
		patch=${line%% *} suites=${line#* }
		what="the series without $patch"
		# build/src holds the series as commits, in the order of patches/series.
		n=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/patches/series" | grep -n -x -F "$patch" | cut -d: -f1)
		commit=$(git -C "$src" rev-list --reverse baseline..HEAD | sed -n "${n:-0}p")
		if [ -z "$n" ] || [ -z "$commit" ]; then
			error "mutants/reverts names $patch, which is not in the series: update mutants/reverts"
			continue
		fi
		how=(revert "$commit") ;;
	*)
		f=$top/mutants/$m.patch
		[ -r "$f" ] || { error "no such mutant"; continue; }
		what=$(sed -n 's/^Mutant: //p' "$f") suites=$(sed -n 's/^Suites: //p' "$f")
		how=(patch "$f") ;;
	esac
	echo "  MUTANT  $m: $what"
	s=$(date +%s)
	msg=$(build "${how[@]}") || { error "$(echo "$msg" | tail -n 1) (build/obj-mutant/build.log)"; continue; }
	cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
	echo "          built in $(( $(date +%s) - s )) s"
	# shellcheck disable=SC2086 # one word per suite
	mkdir -p "$b/mutant-plans" && plan $suites >"$b/mutant-plans/$m"
	BZIMAGE=$out/bzImage GUEST_TIMEOUT=${GUEST_TIMEOUT:-600} \
		"$top/vm/boot.sh" "mutant-$m" "$b/mutant-plans/$m" "$out" || failed=1
	rm -f "$out/bzImage"
done
exit $failed
