#!/bin/sh
# Make DIR a worktree of build/src, checked out (detached, forced: it is
# derived, local edits go) at COMMIT. An existing worktree is reused only if
# it belongs to this build/src (a copied project keeps worktrees of the
# original); checking out in place keeps the mtimes of unchanged files, so
# kbuild rebuilds little.
#
#   base/worktree.sh DIR COMMIT
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
wt=$1 commit=$2
srcgit=$(cd "$src/.git" && pwd -P)
want=$(git -C "$src" rev-parse --verify "$commit^{commit}")

# (.git first: in a plain directory git would find the project's repository.)
if [ -e "$wt/.git" ] &&
	[ "$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" = "$srcgit" ]; then
	[ "$(git -C "$wt" rev-parse HEAD)" = "$want" ] && git -C "$wt" diff --quiet HEAD ||
		git -C "$wt" checkout -q -f --detach "$want"
else
	rm -rf "$wt"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" "$want"
fi
