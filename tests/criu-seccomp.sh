#!/bin/bash
# CRIU scenario: a job confined by a seccomp filter (tests/cr-seccomp.c) is
# checkpointed and restored by uid 1000 with the setcap'd criu. CRIU must
# suspend the filter while it works in the job and read it out, so that the
# restore installs it again: after the restore the filter must be in force
# (the chosen syscall still fails with the chosen errno) and the job intact.
. "$(dirname "$0")/tap.sh"
echo "1..8"
w=/tmp/seccomp-job
start_job $USER_ID $w /tests/cr-seccomp
ask_report $w
ok "the job runs under its filter (pid $pid)" \
	sh -c "grep -qx 'ok seccomp filter in force: getpriority() fails with ENOTBLK' $w/report"
grep '^ok' $w/report | sed 's/^ok //' >$w/items

as_user criu dump -t "$pid" -D $w/img -o dump.log --unprivileged --network-lock skip
rc=$?
tail -n 2 $w/img/dump.log | diag
ok "criu dump of the seccomp-confined job as uid 1000 succeeds" [ $rc = 0 ]
intact() {
	if kill -0 "$pid" 2>/dev/null; then
		ask_report $w && ! grep -q '^not ok' $w/report
	else
		[ $rc = 0 ] && [ -s $w/img/inventory.img ]
	fi
}
ok "nothing lost: the job runs on, or its checkpoint is complete" intact

rrc=1
if [ $rc = 0 ]; then
	as_user criu restore -D $w/img -o restore.log --unprivileged -d --network-lock skip
	rrc=$?
	tail -n 2 $w/img/restore.log | diag
fi
restored() { [ $rrc = 0 ] && kill -0 "$pid" 2>/dev/null; }
ok "criu restore as uid 1000 succeeds, same PID $pid" restored
restored && ask_report $w
while read -r item; do
	ok "after restore: $item" sh -c "[ $rrc = 0 ] && grep -qxF 'ok $item' $w/report"
done <$w/items
kill -9 "$pid" 2>/dev/null
tap_exit
