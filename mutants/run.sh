#!/bin/bash
# `make mutants`: build and boot the wrong kernels the tests must catch.
#
# A mutant is the whole series plus one plausible mistake: mutants/NAME.patch
# (a diff on top of the series, with "Mutant:" and "Suites:" lines first) or
# one line of mutants/reverts (a patch of the series reverted alone). Each is
# built in build/mutant (a worktree of build/src at the series' head) with
# build/obj-mutant, so that only the files it touches recompile, then booted
# with only the suites of its path. vm/judge.sh then requires at least one
# case to fail on each ("killed"). A mutant that no longer applies to the
# series, or does not build, is an error that names it.
#
#   mutants/run.sh [NAME...]      default: every mutant
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build src=$b/src wt=$b/mutant obj=$b/obj-mutant
cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"
head=$(git -C "$src" rev-parse HEAD) || exit 1

all=$(cd "$top/mutants" && ls ./*.patch | sed 's|^\./||; s|\.patch$||'
      sed -n 's/^\([0-9]\{4\}\)-.*/revert-\1/p' reverts)
names=${*:-$all}

"$top/base/worktree.sh" "$wt" "$head" || exit 1
mkdir -p "$obj"
cmp -s "$b/obj-patched/.config" "$obj/.config" || cp "$b/obj-patched/.config" "$obj/.config"

# plan NAME SUITE...: the lines of vm/testplan for these suites (kselftests
# become suites of their own); the baseline's expectations do not apply.
plan() {
	local s
	for s in "$@"; do
		case $s in
		*/*) echo "suite $s 300 /tests/ksft-run.sh ${s%/*} ${s#*/}" ;;
		*) grep -m 1 "^suite $s " "$top/vm/testplan" ||
			echo "# mutants: no suite $s in vm/testplan" ;;
		esac
	done
}

failed=0
for m in $names; do
	out=$b/results-mutant-$m
	rm -rf "$out" && mkdir -p "$out" && echo "mutant-$m" >"$out/kernel"
	error() { echo "  MUTANT  $m: $*"; echo "$*" >"$out/error"; failed=1; }
	git -C "$wt" checkout -q -f --detach "$head" && git -C "$wt" clean -q -fd
	case $m in
	revert-*)
		line=$(grep "^${m#revert-}-" "$top/mutants/reverts")
		patch=${line%% *} suites=${line#* }
		what="the series without $patch"
		subject=$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$top/patches/$patch" 2>/dev/null)
		commit=$(git -C "$src" log --format='%H %s' baseline..HEAD |
			awk -v s="$subject" 'substr($0, 42) == s { print $1; exit }')
		if [ -z "$subject" ] || [ -z "$commit" ]; then
			error "mutants/reverts names $patch, which is not in the series: update mutants/reverts"
			continue
		fi
		git -C "$wt" revert -n "$commit" >/dev/null 2>&1 ||
			{ error "reverting $patch alone conflicts with the series: update mutants/reverts"; continue; } ;;
	*)
		f=$top/mutants/$m.patch
		what=$(sed -n 's/^Mutant: //p' "$f") suites=$(sed -n 's/^Suites: //p' "$f")
		git -C "$wt" apply "$f" 2>"$out/apply.log" ||
			{ error "mutants/$m.patch no longer applies to the series: $(head -n 1 "$out/apply.log")"; continue; } ;;
	esac
	echo "  MUTANT  $m: $what"
	s=$(date +%s)
	make -s -C "$wt" O="$obj" CC="$cc" -j"$(nproc)" bzImage >"$out/build.log" 2>&1 ||
		{ tail -n 5 "$out/build.log"; error "does not build (log: build/results-mutant-$m/build.log)"; continue; }
	cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
	echo "          built in $(( $(date +%s) - s )) s"
	# shellcheck disable=SC2086 # one word per suite
	mkdir -p "$b/mutant-plans" && plan $suites >"$b/mutant-plans/$m"
	BZIMAGE=$out/bzImage GUEST_TIMEOUT=${GUEST_TIMEOUT:-600} \
		"$top/vm/boot.sh" "mutant-$m" "$b/mutant-plans/$m" "$out" || failed=1
	rm -f "$out/bzImage"
done
git -C "$wt" checkout -q -f --detach "$head"
exit $failed
