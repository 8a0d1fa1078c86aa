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
	sh -c "$counter_loop" &
	until [ -s count ]; do sleep 0.1; done
	job=$(cat pid)
	token_of count >token
	criu dump -t "$job" -D img -o dump.log --shell-job --unprivileged
	echo $? >dump.rc
	count_of count >stopped
	# As if the user came back on a fresh terminal: settings reset.
	stty sane cols 80 rows 24
	if [ "$(cat dump.rc)" = 0 ]; then
		criu restore -D img -o restore.log --shell-job --unprivileged -d
		echo $? >restore.rc
		stty -a | tr -s ' ;\n' ' ' >settings.after
	fi
	# The job lives on this terminal: look at it before the terminal goes.
	wait_for 5 count_above count $(($(cat stopped) + 2))
	kill -0 "$job" 2>/dev/null && echo yes >alive
	cp count after
	kill "$job" 2>/dev/null
	exit 0
fi

echo "1..6"
rm -rf $w && mkdir -p $w && chown $USER_ID:$USER_ID $w
as_user script -qec "$0 --inside" /dev/null </dev/null >/dev/null 2>&1
pid=$(cat $w/pid 2>/dev/null) token=$(cat $w/token 2>/dev/null) stopped=$(cat $w/stopped 2>/dev/null)
grep -h "Error" $w/img/dump.log $w/img/restore.log 2>/dev/null | head -n 6 | diag
dumped() { [ "$(cat $w/dump.rc 2>/dev/null)" = 0 ]; }
ok "criu dump --shell-job as uid 1000 succeeds (pid $pid)" dumped
if ! dumped; then
	ran_on() { [ -s $w/alive ] && [ "$(token_of $w/after)" = "$token" ]; }
	ok "nothing lost: the job ran on after the failed dump" ran_on
	bail_out "the dump failed: no checkpoint to restore"
fi
restored() { [ "$(cat $w/restore.rc 2>/dev/null)" = 0 ]; }
ok "criu restore --shell-job as uid 1000 succeeds" restored
ok "the job runs again with pid $pid, on the terminal" sh -c "[ -s $w/alive ]"
counts_on() {
	restored && [ "$(token_of $w/after)" = "$token" ] && count_above $w/after $((stopped + 2))
}
ok "the job resumed: token $token, counting on from $stopped (to $(count_of $w/after))" counts_on
diff $w/settings.before $w/settings.after 2>&1 | diag
same() { restored && [ -s $w/settings.after ] && cmp -s $w/settings.before $w/settings.after; }
ok "the terminal settings are intact after the restore" same
ended() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 5 ended
ok "the job is ended at the end of the scenario" ended
tap_exit
