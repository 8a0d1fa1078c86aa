#!/bin/bash
# CRIU scenario 1: a shell loop that counts into a file is checkpointed and
# restored by uid 1000 with the setcap'd criu; it must resume, not restart:
# the same PID, the same random token (drawn once, at start), the count going
# on from where it stopped. On a kernel without CAP_CHECKPOINT_RESTORE the
# dump must fail and leave the job running, untouched.
. "$(dirname "$0")/tap.sh"
echo "1..6"

w=/tmp/counter
rm -rf $w && mkdir -p $w/img && chown -R $USER_ID:$USER_ID $w

out=$(as_user criu check --unprivileged 2>&1)
echo "$out" | tail -n 3 | diag
ok "criu check --unprivileged says Looks good" grep -q "Looks good" <<<"$out"

counter_start $w
echo "# job pid $pid, token $token, count $(count_of $w/count)"

as_user criu dump -t "$pid" -D $w/img -o $w/img/dump.log --unprivileged
rc=$?
tail -n 2 $w/img/dump.log | diag
ok "criu dump as uid 1000 succeeds" [ $rc = 0 ]
stopped=$(count_of $w/count)

# Nothing is lost whatever happened: either the job still runs and counts,
# or it was dumped (and killed) and its images are complete.
intact() {
	if kill -0 "$pid" 2>/dev/null; then
		resumed $w/count "$token" "$(count_of $w/count)"
	else
		[ $rc = 0 ] && [ -s $w/img/inventory.img ]
	fi
}
ok "nothing lost: the job runs on, or its checkpoint is complete" intact
[ $rc = 0 ] || { kill "$pid"; bail_out "the dump failed: no checkpoint to restore"; }

sleep 0.3
ok "the job stopped counting at the checkpoint ($stopped)" [ "$(count_of $w/count)" = "$stopped" ]
as_user criu restore -D $w/img -o $w/img/restore.log --unprivileged -d
rrc=$?
tail -n 2 $w/img/restore.log | diag
restored() { [ $rrc = 0 ] && [ "$(stat -c %u /proc/$pid 2>/dev/null)" = $USER_ID ]; }
ok "criu restore as uid 1000 succeeds, same PID $pid" restored
counts_on() { restored && resumed $w/count "$token" "$stopped"; }
ok "the restored job resumed: token $token, counting on from $stopped" counts_on
echo "# count now $(cat $w/count)"
kill "$pid" 2>/dev/null
tap_exit
