#!/bin/sh
# Run kselftest programs again and again (the KCSAN boot: a race shows up
# only now and then), with cr-fuzz's ptrace path racing beside them: tracers
# that confine themselves from another thread while their tracees make
# system calls, as uid 1000 with CAP_CHECKPOINT_RESTORE. One TAP case per
# program and round; the programs' own TAP goes along as diagnostics.
#
# kernel.seccomp.checkpoint_restore flips (0 for 0.3 s, 1 for 0.7 s) under
# the fuzzer's suspended tracees, but only while a program that does not
# depend on it runs: checkpoint_restore/* set it and expect its default.
#
#   ksft-loop.sh ROUNDS SEED CALLS COLLECTION/PROGRAM...
rounds=$1 seed=$2 calls=$3
shift 3
sw=/proc/sys/kernel/seccomp/checkpoint_restore
old=$(cat $sw 2>/dev/null)
echo "1..$(( rounds * $# + 1 ))"
# The race runs for the whole loop: cr-fuzz again and again, seed, seed + 1...
rm -f /tmp/loop.done
(
	s=$seed
	until [ -e /tmp/loop.done ]; do
		CR_FUZZ_FLIP=0 /tests/cr-fuzz.sh fuzz "$s" "$calls" ptrace || exit 1
		s=$((s + 1))
	done
) >/tmp/race.out 2>&1 &
race=$!
flip=
flip_start() {
	[ -n "$old" ] || return 0
	( while :; do echo 0 >$sw; sleep 0.3; echo 1 >$sw; sleep 0.7; done ) &
	flip=$!
}
flip_stop() {
	[ -n "$flip" ] || return 0
	kill "$flip"; wait "$flip" 2>/dev/null; flip=
	echo "$old" >$sw
}
n=0 failed=0
i=1
while [ $i -le "$rounds" ]; do
	for p in "$@"; do
		n=$((n + 1))
		case $p in checkpoint_restore/*) ;; *) flip_start ;; esac
		/tests/ksft-run.sh "${p%/*}" "${p#*/}" >/tmp/loop.out 2>&1
		rc=$?
		flip_stop
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
touch /tmp/loop.done
wait $race
rc=$?
sed 's/^/# /' /tmp/race.out
n=$((n + 1))
runs=$(grep -c '^ok 2 ptrace: ' /tmp/race.out)
if [ $rc = 0 ] && [ "$runs" -gt 0 ]; then
	echo "ok $n cr-fuzz ptrace ran beside them: $runs runs of $calls calls, seeds $seed.."
else
	echo "not ok $n cr-fuzz ptrace ran beside them (exit $rc, $runs runs)"; failed=1
fi
exit $failed
