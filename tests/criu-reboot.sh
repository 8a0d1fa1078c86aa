#!/bin/bash
# CRIU scenario 3: checkpoint in one boot, restore in the next.
#
#   criu-reboot.sh checkpoint   first boot: uid 1000 starts a counting job in
#                               its directory on the host share and checkpoints it
#   criu-reboot.sh restore      second boot: uid 1000 restores it; the job must
#                               count on from where it stopped, with the same PID
#
# Lines "# story: ..." narrate what happens, for `make run`.
. "$(dirname "$0")/tap.sh"
share=/mnt/share
job=$share/job img=$share/images
story() { echo "# story: $*"; }

checkpoint() {
	echo "1..4"
	rm -rf "$job" "$img" && mkdir -p "$job" "$img" && chown $USER_ID:$USER_ID "$job" "$img"
	# Root-only setup, as on a machine that has been up for a while: PIDs
	# are well past the few that a fresh boot uses, so the job's PID is
	# free again after the reboot.
	echo 4000 >/proc/sys/kernel/ns_last_pid
	story "criu holds only a file capability: $(getcap /usr/sbin/criu)"
	story "uid $USER_ID ($(id -un $USER_ID)) starts a job that counts into $job/count"
	(cd "$job" && as_user setsid sh -c \
		'i=0; while :; do i=$((i + 1)); echo $i >count.new; mv count.new count; sleep 0.1; done' \
		</dev/null >/dev/null 2>&1 &)
	wait_for 10 count_above "$job/count" 0
	pid=$(pgrep -u $USER_ID -f 'while :; do i=' | head -n 1)
	ok "uid $USER_ID started the job (pid $pid)" test -n "$pid"
	wait_for 10 count_above "$job/count" 9
	story "the job runs as pid $pid and has counted to $(cat "$job/count")"
	ok "criu carries cap_checkpoint_restore+eip and no other capability" \
		sh -c "[ \"\$(getcap /usr/sbin/criu | grep -o 'cap_[a-z_]*' | sort -u)\" = cap_checkpoint_restore ]"
	story "uid $USER_ID runs: criu dump -t $pid -D $img --unprivileged"
	t0=$(now)
	as_user criu dump -t "$pid" -D "$img" -o dump.log --unprivileged
	rc=$?
	t1=$(now)
	tail -n 2 "$img/dump.log" | diag
	ok "uid $USER_ID checkpointed the job to the host share" [ $rc = 0 ]
	if [ $rc = 0 ]; then
		story "checkpoint written in $(calc "$t1 - $t0") s; the job has stopped at $(cat "$job/count")"
	else
		story "the checkpoint FAILED (see dump.log above); the job is still running: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
	fi
	echo "$pid $(cat "$job/count")" >"$job/checkpointed"
	ok "the job is gone from this boot only after a complete checkpoint" \
		sh -c "[ $rc = 0 ] && ! kill -0 $pid 2>/dev/null && [ -s $img/inventory.img ]"
	story "the machine now reboots"
}

restore() {
	echo "1..3"
	read -r pid stopped <"$job/checkpointed" 2>/dev/null
	story "after the reboot: pid $pid is $(kill -0 "$pid" 2>/dev/null && echo taken || echo free); the job had stopped at ${stopped:-?}"
	story "uid $USER_ID runs: criu restore -D $img --unprivileged -d"
	t0=$(now)
	(cd "$job" && as_user criu restore -D "$img" -o restore.log --unprivileged -d)
	rc=$?
	t1=$(now)
	tail -n 2 "$img/restore.log" 2>/dev/null | diag
	ok "uid $USER_ID restored the job after the reboot" [ $rc = 0 ]
	ok "the job runs again as pid $pid, as uid $USER_ID" \
		sh -c "[ $rc = 0 ] && [ \"\$(stat -c %u /proc/$pid)\" = $USER_ID ]"
	counts_on() {
		[ $rc = 0 ] && count_above "$job/count" $((stopped - 1)) &&
			wait_for 10 count_above "$job/count" $((stopped + 4))
	}
	ok "the job counts on from $stopped" counts_on
	if [ $rc = 0 ]; then
		story "restored in $(calc "$t1 - $t0") s; pid $pid counts on: $(cat "$job/count")"
	fi
	kill "$pid" 2>/dev/null
}

case $1 in
checkpoint) checkpoint ;;
restore) restore ;;
*) echo "usage: $0 checkpoint|restore" >&2; exit 2 ;;
esac
tap_exit
