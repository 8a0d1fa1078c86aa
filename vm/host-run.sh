#!/bin/bash
# Run a plan's suites on the host (tests that need no VM, such as the judge's
# own), leaving the results as vm/boot.sh does, for vm/judge.sh.
#
#   vm/host-run.sh PLAN OUTDIR      (OUTDIR/kernel: "host")
set -u
plan=$1 out=$2
p=$(basename "$plan" .in)
mkdir -p "$out"
echo host >"$out/kernel"
cp "$plan" "$out/$p.plan"
start=$(date +%s)
while read -r kw name limit cmd; do
	[ "$kw" = suite ] || continue
	s=$(date +%s)
	timeout -k 5 "$limit" sh -c "$cmd" </dev/null >"$out/suite.out" 2>&1
	rc=$?
	echo "# suite: $name"
	cat "$out/suite.out"
	echo "# suite-exit: $name rc=$rc seconds=$(( $(date +%s) - s ))"
done <"$plan" >"$out/$p.tap"
echo "# guest-done" >>"$out/$p.tap"
rm -f "$out/suite.out"
: >"$out/$p.console.log"
echo "0 $(( $(date +%s) - start )) 0" >"$out/$p.boot"
