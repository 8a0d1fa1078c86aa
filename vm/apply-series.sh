#!/bin/sh
# Apply, in order, the patches that PATCHDIR/series lists (quilt's layout:
# one file name a line, # for comments) to the source tree SRC, with no
# fuzz: a patch that no longer fits stops the build. Used by criu/build.sh
# and runc/build.sh.
#
#   vm/apply-series.sh SRC PATCHDIR LABEL    LABEL: the build's, in the output
set -eu
src=$1 dir=$2 label=$3
n=0
while read -r p || [ -n "$p" ]; do
	case $p in ''|'#'*) continue ;; esac
	echo "  $label    apply $p"
	patch -d "$src" -p1 -s --fuzz=0 <"$dir/$p" || { echo "$label: $p does not apply" >&2; exit 1; }
	n=$((n + 1))
done <"$dir/series"
echo "  $label    $n patches applied"
