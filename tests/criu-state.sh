#!/bin/bash
# CRIU scenario 2: a program with state that must survive (tests/cr-state.c)
# is checkpointed and restored by uid 1000 with the setcap'd criu, three times
# in a row; after each restore the program checks every item from the inside.
# The same run as root gives the reference timings: unprivileged dump and
# restore should cost about the same (ratio near 1.0).
. "$(dirname "$0")/tap.sh"
# make bench runs it with more memory: ROUNDS=1 STATE_MIB=256.
ROUNDS=${ROUNDS:-3} STATE_MIB=${STATE_MIB:-4}

# cycle WHO DIR: ROUNDS x (dump, restore, report); sets $dump_t $restore_t (sums)
cycle() {
	# No network to lock: skip it, the same for both users, so that the
	# timings compare like with like.
	local who=$1 w=$2 r t0 t1 t2 flags=(--network-lock skip)
	[ "$who" = 0 ] || flags+=(--unprivileged)
	dump_t=0 restore_t=0 rounds_ok=0
	for r in $(seq $ROUNDS); do
		# No round may pass on the report of the one before.
		rm -f "$w/report"
		t0=$(now)
		"${run[@]}" criu dump -t "$pid" -D "$w/img" -o dump.log "${flags[@]}" || return 1
		t1=$(now)
		"${run[@]}" criu restore -D "$w/img" -o restore.log -d "${flags[@]}" || return 1
		t2=$(now)
		dump_t=$(calc "$dump_t + $t1 - $t0") restore_t=$(calc "$restore_t + $t2 - $t1")
		ask_report "$w" && ! grep -q '^not ok' "$w/report" || return 1
		rounds_ok=$r
	done
}

echo "1..15"
u=/tmp/state-user
start_job $USER_ID $u /tests/cr-state "$STATE_MIB"
ok "the job is ready (pids ${pids[*]})" test -n "$pid"
ask_report $u
ok "the job checks itself before the checkpoint" \
	sh -c "grep -qx done $u/report && ! grep -q '^not ok' $u/report"
grep '^ok' $u/report | sed 's/^ok //' >$u/items

rm -f $u/report
cycle $USER_ID $u
rc=$?
tail -n 3 $u/img/dump.log $u/img/restore.log 2>/dev/null | diag
ok "$ROUNDS rounds of dump and restore as uid 1000 (done: $rounds_ok)" [ $rc = 0 ]
if [ $rc != 0 ] && [ $rounds_ok = 0 ]; then
	intact() {
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done
		ask_report $u && ! grep -q '^not ok' $u/report
	}
	ok "nothing lost: the job runs on after the failed dump" intact
	kill -9 "${pids[@]}" 2>/dev/null
	bail_out "the first dump failed: nothing to check after it"
fi
# One case per item of the job's own check, after the last restore.
while read -r item; do
	ok "after restore: $item" grep -qxF "ok $item" $u/report
done <$u/items
alive() {
	[ $rc = 0 ] || return 1
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done
}
ok "after restore: all three processes run with their PIDs ${pids[*]}" alive
user_dump=$dump_t user_restore=$restore_t
kill -9 "${pids[@]}" 2>/dev/null
rm -rf $u/img	# room in /tmp for the reference run's images

# Reference: the same job and rounds as root, without --unprivileged.
r=/tmp/state-root
start_job 0 $r /tests/cr-state "$STATE_MIB"
cycle 0 $r
rc=$?
[ $rc = 0 ] || tail -n 3 $r/img/dump.log $r/img/restore.log 2>/dev/null | diag
ok "reference: $ROUNDS rounds as root" [ $rc = 0 ]
kill -9 "${pids[@]}" 2>/dev/null
if [ "$user_dump" != 0 ] && [ $rc = 0 ]; then
	printf '# timing: criu %s rounds, %s MiB, uid 1000 vs root: dump %.2f s / %.2f s = %.2f, restore %.2f s / %.2f s = %.2f\n' \
		$ROUNDS "$STATE_MIB" "$user_dump" "$dump_t" "$(calc "$user_dump / $dump_t")" \
		"$user_restore" "$restore_t" "$(calc "$user_restore / $restore_t")"
fi
tap_exit
