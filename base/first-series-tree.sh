#!/bin/sh
# build/first-series: a worktree of build/src at the last patch before the
# first "seccomp:" or "ptrace:" patch, that is the series without its
# seccomp reach. vm/testplan.first-series runs there: whatever the seccomp
# patches add must fail on it as it fails on the baseline.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
wt=$top/build/first-series

first=$(git -C "$src" log --reverse --format='%H %s' baseline..series |
	awk '$2 ~ /^(seccomp|ptrace):$/ { print $1; exit }')
[ -n "$first" ] || { echo "first-series: no seccomp or ptrace patch in the series" >&2; exit 1; }
want=$(git -C "$src" rev-parse "$first~1")

# A checkout in place keeps the mtimes of unchanged files: kbuild rebuilds little.
# (.git first: a plain directory here would find the project's own repository.)
if [ -e "$wt/.git" ] && cur=$(git -C "$wt" rev-parse -q --verify HEAD 2>/dev/null); then
	[ "$cur" = "$want" ] || git -C "$wt" checkout -q --detach "$want"
else
	rm -rf "$wt"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" "$want"
fi
echo "  TREE    build/first-series: $(git -C "$src" log -1 --format='%h %s' "$want")"
