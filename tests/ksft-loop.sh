#!/bin/sh
# Run kselftest programs again and again (the KCSAN boot: a race shows up
# only now and then), with cr-fuzz's ptrace path racing beside them: tracers
# that confine themselves from another thread while their tracees make
# system calls, as uid 1000 with CAP_CHECKPOINT_RESTORE. One TAP case per
# program and round; the programs' own TAP goes along as diagnostics.
#
#   ksft-loop.sh ROUNDS SEED CALLS COLLECTION/PROGRAM...
rounds=$1 seed=$2 calls=$3
shift 3
echo "1..$(( rounds * $# + 1 ))"
/tests/cr-fuzz.sh fuzz "$seed" "$calls" ptrace >/tmp/race.out 2>&1 &
race=$!
n=0 failed=0
i=1
while [ $i -le "$rounds" ]; do
	for p in "$@"; do
		n=$((n + 1))
		/tests/ksft-run.sh "${p%/*}" "${p#*/}" >/tmp/loop.out 2>&1
		rc=$?
		sed 's/^/# /' /tmp/loop.out | grep -E '^# (not ok|# (PASSED|FAILED|Totals))' | tail -n 5
		if [ $rc = 0 ] && ! grep -q '^not ok' /tmp/loop.out; then
			echo "ok $n $p round $i"
		else
			echo "not ok $n $p round $i (exit $rc)"; failed=1
			# the whole output: a failure that shows once must be readable
			sed 's/^/# /' /tmp/loop.out
		fi
	done
	i=$((i + 1))
done
wait $race
rc=$?
sed 's/^/# /' /tmp/race.out
n=$((n + 1))
if [ $rc = 0 ]; then echo "ok $n cr-fuzz ptrace ran beside them"; else echo "not ok $n cr-fuzz ptrace ran beside them (exit $rc)"; failed=1; fi
exit $failed
