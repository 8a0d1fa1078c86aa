#!/bin/bash
# CRIU scenario 3: checkpoint in one boot, restore in the next.
#
#   criu-reboot.sh checkpoint   first boot: uid 1000 starts a counting job in
#                               its directory on the host share and checkpoints it
#   criu-reboot.sh restore      second boot: uid 1000 restores it; the job must
#                               resume: the same PID, the same random token,
#                               counting on from where it stopped
#
# Lines "# story: ..." narrate what happens, for `make run`.
. "$(dirname "$0")/tap.sh"
share=/mnt/share
job=$share/job img=$share/images
story() { echo "# story: $*"; }
# log_verdict RC LOG: criu's first errors if it failed, else its last line
log_verdict() {
	if [ "$1" = 0 ]; then tail -n 1 "$2"; else grep -h Error "$2" | head -n 2; fi 2>/dev/null | diag
}

checkpoint() {
	echo "1..4"
	rm -rf "$job" "$img" && mkdir -p "$job" "$img" && chown $USER_ID:$USER_ID "$job" "$img"
	# Root-only setup, as on a machine that has been up for a while: PIDs
	# are well past the few that a fresh boot uses, so the job's PID is
	# free again after the reboot.
	echo 4000 >/proc/sys/kernel/ns_last_pid
	story "criu holds only a file capability: $(getcap /usr/sbin/criu)"
	story "uid $USER_ID ($(id -un $USER_ID)) starts a job that counts into $job/count"
	counter_start "$job"
	ok "uid $USER_ID started the job (pid $pid, token $token)" test -n "$pid"
	wait_for 10 count_above "$job/count" 9
	story "the job runs as pid $pid and has counted to $(count_of "$job/count")"
	ok "criu carries cap_checkpoint_restore+eip and no other capability" \
		sh -c "[ \"\$(getcap /usr/sbin/criu | grep -o 'cap_[a-z_]*' | sort -u)\" = cap_checkpoint_restore ]"
	story "uid $USER_ID runs: criu dump -t $pid -D $img --unprivileged"
	t0=$(now)
	as_user criu dump -t "$pid" -D "$img" -o dump.log --unprivileged
	rc=$?
	t1=$(now)
	log_verdict "$rc" "$img/dump.log"
	ok "uid $USER_ID checkpointed the job to the host share" [ $rc = 0 ]
	if [ $rc = 0 ]; then
		story "checkpoint written in $(calc "$t1 - $t0") s; the job has stopped at $(count_of "$job/count")"
	else
		story "the checkpoint FAILED (see dump.log above); the job is still running: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
	fi
	intact() {
		if kill -0 "$pid" 2>/dev/null; then
			resumed "$job/count" "$token" "$(count_of "$job/count")"
		else
			[ $rc = 0 ] && [ -s "$img/inventory.img" ]
		fi
	}
	ok "nothing lost: the job runs on, or its checkpoint is complete" intact
	# For the next boot: what a complete checkpoint left, or nothing.
	[ $rc != 0 ] || echo "$pid $(count_of "$job/count") $token" >"$job/checkpointed"
	story "the machine now reboots"
}

restore() {
	echo "1..4"
	read -r pid stopped token <"$job/checkpointed" 2>/dev/null
	ok "the previous boot left a complete checkpoint" \
		sh -c "[ -n '$token' ] && [ -s $img/inventory.img ]"
	[ -n "$token" ] || bail_out "no checkpoint from the previous boot"
	holder=$(cat "/proc/$pid/comm" 2>/dev/null)
	story "after the reboot: pid $pid is ${holder:+taken by }${holder:-free}; the job had stopped at $stopped"
	story "uid $USER_ID runs: criu restore -D $img --unprivileged -d"
	t0=$(now)
	(cd "$job" && as_user criu restore -D "$img" -o restore.log --unprivileged -d)
	rc=$?
	t1=$(now)
	log_verdict "$rc" "$img/restore.log"
	ok "uid $USER_ID restored the job after the reboot" [ $rc = 0 ]
	ok "the job runs again as pid $pid, as uid $USER_ID" \
		sh -c "[ $rc = 0 ] && [ \"\$(stat -c %u /proc/$pid)\" = $USER_ID ]"
	counts_on() { [ $rc = 0 ] && resumed "$job/count" "$token" "$stopped"; }
	ok "the job resumed: token $token, counting on from $stopped" counts_on
	if [ $rc = 0 ]; then
		story "restored in $(calc "$t1 - $t0") s; pid $pid resumed (same token $token) and counts on: $(count_of "$job/count")"
	fi
	kill "$pid" 2>/dev/null
}

case $1 in
checkpoint) checkpoint ;;
restore) restore ;;
*) echo "usage: $0 checkpoint|restore" >&2; exit 2 ;;
esac
tap_exit
