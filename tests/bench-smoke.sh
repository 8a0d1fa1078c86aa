#!/bin/bash
# Smoke test of the benchmarks: the short version of `make bench` runs and
# prints its tables. It asserts nothing about timings.
. "$(dirname "$0")/tap.sh"
echo "1..2"
for mode in pid-placement paths; do
	out=$(/tests/cr-bench --quick $mode 2>&1)
	rc=$?
	echo "$out" | diag
	printed() { [ $rc = 0 ] && grep -q '^|' <<<"$out"; }
	ok "cr-bench --quick $mode runs and prints a table" printed
done
tap_exit
