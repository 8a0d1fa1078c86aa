#!/bin/bash
# CRIU scenario: a job started from a shell on a pseudo-terminal is
# checkpointed and restored by uid 1000 with `criu --shell-job`, from that
# same terminal. The terminal is reset between the two, as a new login would
# find it; after the restore its settings (termios, window size) must be the
# ones the job had.
#
#   criu-shell-job.sh            run the scenario (as root: it drops to uid 1000)
#   criu-shell-job.sh --inside   the part that runs on the pseudo-terminal
. "$(dirname "$0")/tap.sh"
w=/tmp/shell-job

if [ "${1:-}" = --inside ]; then
	# On the terminal, as uid 1000: set it up the way a user would.
	cd $w && mkdir -p img || exit 1
	stty cols 101 rows 33 -echo -icanon min 1 time 0 intr '^T'
	stty -a | tr -s ' ;\n' ' ' >settings.before
	sh -c 'i=0; while :; do i=$((i + 1)); echo $i >count.new; mv count.new count; sleep 0.1; done' &
	job=$!
	echo $job >pid
	until [ -s count ]; do sleep 0.1; done
	criu dump -t $job -D img -o dump.log --shell-job --unprivileged
	echo $? >dump.rc
	cat count >stopped
	# As if the user came back on a fresh terminal: settings reset.
	stty sane cols 80 rows 24
	criu restore -D img -o restore.log --shell-job --unprivileged -d
	echo $? >restore.rc
	stty -a | tr -s ' ;\n' ' ' >settings.after
	# The job lives on this terminal: look at it before the terminal goes.
	for i in $(seq 50); do
		[ "$(cat count)" -gt $(($(cat stopped) + 2)) ] && break
		sleep 0.1
	done
	kill -0 $job 2>/dev/null && echo yes >alive
	cat count >after
	exit 0
fi

echo "1..5"
rm -rf $w && mkdir -p $w && chown $USER_ID:$USER_ID $w
as_user script -qec "$0 --inside" /dev/null </dev/null >/dev/null 2>&1
pid=$(cat $w/pid 2>/dev/null)
grep -h "Error" $w/img/dump.log $w/img/restore.log 2>/dev/null | head -n 6 | diag
ok "criu dump --shell-job as uid 1000 succeeds (pid $pid)" [ "$(cat $w/dump.rc 2>/dev/null)" = 0 ]
ok "criu restore --shell-job as uid 1000 succeeds" [ "$(cat $w/restore.rc 2>/dev/null)" = 0 ]
restored() { [ "$(cat $w/restore.rc 2>/dev/null)" = 0 ] && [ -s $w/alive ]; }
ok "the job runs again with pid $pid, on the terminal" restored
counts_on() { restored && count_above $w/after $(($(cat $w/stopped) + 2)); }
ok "the job counts on from $(cat $w/stopped 2>/dev/null) (to $(cat $w/after 2>/dev/null))" counts_on
diff $w/settings.before $w/settings.after 2>&1 | diag
same() { [ -s $w/settings.after ] && [ "$(cat $w/restore.rc)" = 0 ] && cmp -s $w/settings.before $w/settings.after; }
ok "the terminal settings are intact after the restore" same
tap_exit
