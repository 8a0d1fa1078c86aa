#!/bin/bash
# Who decides whether a seccomp filter may be lifted by CAP_CHECKPOINT_RESTORE:
# the filter's installer (SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE) and the
# administrator (kernel.seccomp.checkpoint_restore). uid 1000 with the
# setcap'd criu ($CRIU, default criu):
#   - the job whose filter opted in: dump, restore, and a second dump of
#     the restored job (criu carried the opt-in through the images);
#   - the same job with the sysctl at 0: the dump is refused, the job runs
#     on under its filter;
#   - a job whose filter did not opt in: the dump is refused with a message
#     that says why, the job runs on under its filter.
#
#   criu-seccomp-optin.sh
. "$(dirname "$0")/tap.sh"
criu=${CRIU:-criu}
switch=/proc/sys/kernel/seccomp/checkpoint_restore
job=/tests/cr-seccomp

# dump_job DIR [OPTION...]: dump $pid as uid 1000 into DIR/img; sets $rc
dump_job() {
	local w=$1; shift
	rm -rf "$w/img" && as_user mkdir "$w/img"
	"${run[@]}" $criu dump -t "$pid" -D "$w/img" -o dump.log --unprivileged \
		--network-lock skip "$@"
	rc=$?
}
# runs_confined DIR: the job still runs, its filter in force, all items ok
runs_confined() { kill -0 "$pid" 2>/dev/null && ask_report "$1" && ! grep -q '^not ok' "$1/report"; }

echo "1..10"

w=/tmp/optin
start_job $USER_ID $w $job || bail_out "the opted-in job did not start"
dump_job $w
tail -n 2 $w/img/dump.log | diag
ok "$criu dump of the job whose filter opted in succeeds" [ $rc = 0 ]
[ $rc = 0 ] || { kill -9 "$pid"; bail_out "the dump failed: nothing to check after it"; }
"${run[@]}" $criu restore -D $w/img -o restore.log --unprivileged -d
rrc=$?
grep -h Error $w/img/restore.log | head -n 5 | diag
restored=no
[ $rrc = 0 ] && runs_confined $w && restored=yes
ok "$criu restore of it succeeds, same PID $pid, filter in force" [ $restored = yes ]
dump_job $w --leave-running
tail -n 2 $w/img/dump.log | diag
ok "a second dump of the restored job succeeds: the opt-in survived the images" [ $rc = 0 ]
ok "the job runs on after it" runs_confined $w

echo 0 >$switch
dump_job $w --leave-running
grep -h Error $w/img/dump.log | head -n 3 | diag
ok "with $switch at 0 the dump is refused" [ $rc != 0 ]
ok "the job runs on under its filter" runs_confined $w
echo 1 >$switch
ok "$switch is back at 1" grep -qx 1 $switch
kill -9 "$pid"

w=/tmp/no-optin
start_job $USER_ID $w $job --no-opt-in || bail_out "the job without opt-in did not start"
dump_job $w --leave-running
grep -h Error $w/img/dump.log | head -n 3 | diag
ok "$criu dump of a job whose filter did not opt in is refused" [ $rc != 0 ]
ok "criu says why: the filter lacks SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE" \
	grep -q SECCOMP_FILTER_FLAG_CHECKPOINT_RESTORE $w/img/dump.log
ok "the job runs on under its filter" runs_confined $w
kill -9 "$pid"
tap_exit
