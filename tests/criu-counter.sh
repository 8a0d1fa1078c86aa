#!/bin/bash
# CRIU scenario 1: a shell loop that counts into a file is checkpointed and
# restored by uid 1000 with the setcap'd criu; it must count on from where it
# stopped, with the same PID. On a kernel without CAP_CHECKPOINT_RESTORE the
# dump must fail and leave the job running, untouched.
. "$(dirname "$0")/tap.sh"
echo "1..6"

w=/tmp/counter
rm -rf $w && mkdir -p $w/img && chown -R $USER_ID:$USER_ID $w

out=$(as_user criu check --unprivileged 2>&1)
echo "$out" | tail -n 3 | diag
ok "criu check --unprivileged says Looks good" grep -q "Looks good" <<<"$out"

# The job: its own session, no terminal, state only in its file.
cd $w || exit 1
as_user setsid sh -c 'i=0; while :; do i=$((i + 1)); echo $i >count.new; mv count.new count; sleep 0.05; done' \
	</dev/null >/dev/null 2>&1 &
wait_for 10 count_above $w/count 0
pid=$(pgrep -u $USER_ID -f 'while :; do i=' | head -n 1)
echo "# job pid $pid, count $(cat $w/count)"

as_user criu dump -t "$pid" -D $w/img -o dump.log --unprivileged
rc=$?
tail -n 2 $w/img/dump.log | diag
ok "criu dump as uid 1000 succeeds" [ $rc = 0 ]
stopped=$(cat $w/count)

# Nothing is lost whatever happened: either the job still runs and counts,
# or it was dumped (and killed) and its images are complete.
intact() {
	if kill -0 "$pid" 2>/dev/null; then
		wait_for 5 count_above $w/count "$(cat $w/count)"
	else
		[ $rc = 0 ] && [ -s $w/img/inventory.img ]
	fi
}
ok "nothing lost: the job runs on, or its checkpoint is complete" intact

if [ $rc = 0 ]; then
	sleep 0.3
	ok "the job stopped counting at the checkpoint" [ "$(cat $w/count)" = "$stopped" ]
	as_user criu restore -D $w/img -o restore.log --unprivileged -d
	rrc=$?
	tail -n 2 $w/img/restore.log | diag
else
	ok "the job stopped counting at the checkpoint" false
	rrc=1
fi
restored() { [ $rrc = 0 ] && kill -0 "$pid" 2>/dev/null; }
ok "criu restore as uid 1000 succeeds, same PID $pid" restored
counts_on() { # from where it stopped, not from scratch
	restored && count_above $w/count $((stopped - 1)) &&
		wait_for 5 count_above $w/count $((stopped + 2))
}
ok "the restored job counts on from $stopped" counts_on
echo "# count now $(cat $w/count)"
kill "$pid" 2>/dev/null
tap_exit
