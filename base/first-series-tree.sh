#!/bin/sh
# build/first-series: a worktree of build/src at the last patch before the
# first "seccomp:" or "ptrace:" patch, that is the series without its
# seccomp reach. vm/testplan.first-series runs there: whatever the seccomp
# patches add must fail on it as it fails on the baseline.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
wt=$top/build/first-series
die() { echo "first-series: $*" >&2; exit 1; }

[ -d "$src/.git" ] || die "no build/src repository: run make tree"
subjects=$(git -C "$src" log --reverse --format='%H %s' baseline..HEAD) ||
	die "cannot list the series in build/src"
first=$(echo "$subjects" | awk '$2 ~ /^(seccomp|ptrace):$/ { print $1; exit }')
[ -n "$first" ] || die "no seccomp or ptrace patch in the series"
want=$(git -C "$src" rev-parse "$first~1")
"$top/base/worktree.sh" "$wt" "$want"
echo "  TREE    build/first-series: $(git -C "$src" log -1 --format='%h %s' "$want")"
