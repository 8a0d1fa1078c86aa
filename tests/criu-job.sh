#!/bin/bash
# CRIU scenario for a job that checks itself (tests/cr-*.c): uid 1000
# starts it, checkpoints it and restores it with the setcap'd criu; the job
# reports on every item of its state before the checkpoint and after the
# restore, and each item becomes a test case.
#
#   criu-job.sh [--leave-running] [--as-root] PROGRAM WHAT [CRIU-OPTION...]
#
# With --leave-running the job is checkpointed without being stopped, and
# checks itself again afterwards instead of after a restore. With --as-root
# root runs the job and criu (no --unprivileged): the reference for what
# criu's patches must keep working for root.
#
# After the restore the job's namespaces must be as they were: its own user
# and IPC namespaces if it had them (never the host's), the same uid_map,
# gid_map and setgroups.
#
# CRIU=criu-patched runs the criu built from criu/ instead of Debian's.
#
# cr-seccomp: CRIU must suspend the job's seccomp filter while it works in
# it and read it out, so that the restore installs it again. Debian's criu
# (4.1) installs the filters in its restorer before it sets no_new_privs,
# which only works with CAP_SYS_ADMIN ("SECCOMP_SET_MODE_FILTER returned
# -13"): with it the plan checks the dump (--leave-running) and the full
# dump and restore with criu-patched, which carries the fix
# (criu/patches).
# cr-ipc: the job's System V objects live in an IPC namespace of its own,
# owned by its own user namespace; the restore must recreate them with the
# same ids and contents. Debian's criu fails on such namespaces without
# CAP_SYS_ADMIN (setgroups, setns, map_files, proc mount): the plan runs it
# with criu-patched.
. "$(dirname "$0")/tap.sh"
leave= who=$USER_ID unpriv=--unprivileged
[ "$1" != --leave-running ] || { leave=$1; shift; }
[ "$1" != --as-root ] || { who=0 unpriv=; shift; }
prog=$1 what=$2
criu=${CRIU:-criu}
shift 2
w=/tmp/job-$(basename "$prog")-$who

# ns_state PID: what of the job's namespaces must survive the restore
ns_state() {
	local n
	for n in user ipc; do
		if [ "$(readlink /proc/$1/ns/$n)" = "$(readlink /proc/self/ns/$n)" ]; then
			echo "$n namespace: the host's"
		else
			echo "$n namespace: its own"
		fi
	done
	echo "uid_map: $(tr -s ' \n' ' ' </proc/$1/uid_map)"
	echo "gid_map: $(tr -s ' \n' ' ' </proc/$1/gid_map)"
	echo "setgroups: $(cat /proc/$1/setgroups)"
}

start_job $who $w "$prog"
ask_report $w
grep '^ok' $w/report | sed 's/^ok //' >$w/items
ns_state "$pid" >$w/ns.before
echo "1..$((4 + ${leave:+1} + $(wc -l <$w/items) + 1))"
ok "the $what job checks itself before the checkpoint (pid $pid)" \
	sh -c "[ -s $w/items ] && ! grep -q '^not ok' $w/report"
diag <$w/ns.before

"${run[@]}" $criu dump -t "$pid" -D $w/img -o dump.log $unpriv --network-lock skip $leave "$@"
rc=$?
tail -n 2 $w/img/dump.log | diag
ok "$criu dump of the $what job as uid $who succeeds" [ $rc = 0 ]
intact() {
	if kill -0 "$pid" 2>/dev/null; then
		ask_report $w && ! grep -q '^not ok' $w/report
	else
		[ $rc = 0 ] && [ -s $w/img/inventory.img ]
	fi
}
ok "nothing lost: the job runs on, or its checkpoint is complete" intact
[ $rc = 0 ] || { kill -9 "$pid"; bail_out "the dump failed: nothing to check after it"; }

if [ -n "$leave" ]; then
	ok "the checkpoint holds the job's seccomp filter" \
		sh -c "[ $rc = 0 ] && [ -s $w/img/seccomp.img ]"
	ok "the job still runs after the checkpoint, same PID $pid" \
		sh -c "[ $rc = 0 ] && kill -0 $pid"
	[ $rc = 0 ] && ask_report $w
	while read -r item; do
		ok "after the checkpoint: $item" sh -c "[ $rc = 0 ] && grep -qxF 'ok $item' $w/report"
	done <$w/items
	ns_state "$pid" >$w/ns.after 2>&1
	ok "after the checkpoint: its namespaces, maps and setgroups as before" cmp -s $w/ns.before $w/ns.after
else
	"${run[@]}" $criu restore -D $w/img -o restore.log $unpriv -d "$@"
	rrc=$?
	grep -h "Error" $w/img/restore.log | head -n 8 | diag
	restored() { [ $rrc = 0 ] && kill -0 "$pid" 2>/dev/null; }
	ok "$criu restore as uid $who succeeds, same PID $pid" restored
	restored && ask_report $w
	while read -r item; do
		ok "after restore: $item" sh -c "[ $rrc = 0 ] && grep -qxF 'ok $item' $w/report"
	done <$w/items
	ns_state "$pid" >$w/ns.after 2>&1
	diff $w/ns.before $w/ns.after | diag
	ok "after restore: its namespaces, maps and setgroups as before" \
		sh -c "[ $rrc = 0 ] && cmp -s $w/ns.before $w/ns.after"
fi
kill -9 "$pid" 2>/dev/null
tap_exit
