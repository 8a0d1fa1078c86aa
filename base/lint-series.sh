#!/bin/sh
# checkpatch.pl --strict on every patch of the series: no error, no warning,
# no check. The cover letter is not a patch and is skipped.
set -u
# checkpatch runs scripts/spdxcheck.py with "python3": the system one, with python3-ply.
export PATH=/usr/bin:/bin:$PATH
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
bad=0 n=0
for p in $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/patches/series"); do
	n=$((n + 1))
	if out=$(cd "$src" && ./scripts/checkpatch.pl --strict --quiet --show-types \
			"$top/patches/$p" 2>&1); then
		echo "  LINT    ok    $p"
	else
		echo "  LINT    FAIL  $p"
		echo "$out" | sed 's/^/          /'
		bad=1
	fi
done
[ $n -gt 0 ] || echo "  LINT    (empty series)"
exit $bad
