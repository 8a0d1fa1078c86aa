#!/bin/sh
# Build the kernel at every prefix of the series (baseline + 1, + 2, ...), in a
# worktree of its own so that build/src and its objects are left alone.
# A prefix whose tree already built once is not built again (build/obj-bisect/
# built-trees), so after a change only the prefixes it touched are rebuilt.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
wt=$top/build/bisect
obj=$top/build/obj-bisect
cc=gcc; command -v ccache >/dev/null && cc="ccache gcc"

# Keep the worktree where it is, if it is one: the loop checks out each prefix.
cur=$( { [ -e "$wt/.git" ] && git -C "$wt" rev-parse -q --verify HEAD 2>/dev/null; } || echo baseline)
"$top/base/worktree.sh" "$wt" "$cur"
"$top/vm/kconfig.sh" "$wt" "$obj" "$top"/kconfig/*.config
touch "$obj/built-trees"
n=0
for c in $(git -C "$src" rev-list --reverse baseline..HEAD); do
	n=$((n + 1))
	subject=$(git -C "$src" log -1 --format=%s "$c")
	tree=$(git -C "$src" rev-parse "$c^{tree}")
	if grep -qx "$tree" "$obj/built-trees"; then
		echo "  BISECT  ok    [$n] $subject (built before)"
		continue
	fi
	git -C "$wt" checkout -q --detach "$c"
	s=$(date +%s)
	if make -s -C "$wt" O="$obj" CC="$cc" RUSTC=false -j"$(nproc)" bzImage >"$obj/build.log" 2>&1; then
		echo "$tree" >>"$obj/built-trees"
		echo "  BISECT  ok    [$n] $subject ($(( $(date +%s) - s )) s)"
	else
		echo "  BISECT  FAIL  [$n] $subject"
		tail -n 20 "$obj/build.log"
		exit 1
	fi
done
echo "  BISECT  all $n prefixes build"
