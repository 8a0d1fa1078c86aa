#!/bin/bash
# A rootless runc container, checkpointed and restored by the ordinary user
# who runs it (uid 1000), with runc-patched (runc/) and criu-patched (criu/),
# whose only privilege is criu's file capability (cap_checkpoint_restore+eip).
#
#   container-rootless.sh run          one boot: create, checkpoint, restore
#   container-rootless.sh checkpoint   first boot: the bundle and the images on
#                                      the host share (/mnt/share)
#   container-rootless.sh restore      second boot: restore from the share
#
# The container comes from `runc spec --rootless` (user, PID, mount, IPC, UTS
# and cgroup namespaces of its own), with a rootfs of busybox-static, and its
# init is /tests/cr-ctr: a random token in memory, "TOKEN COUNT" in /count
# (a file inside the container) every 50 ms, "PID TOKEN" in /born at start.
# After the restore it must be the same init (same PID inside, same token)
# counting on, in namespaces of its own, with its files intact. On a kernel
# without the capability the checkpoint fails and the container runs on.
#
# What runs as root (setup only): the guest's cgroup2 mount (runc wants one),
# the bundle's files, and a "real root" for the test (see real_root below).
. "$(dirname "$0")/tap.sh"

# An initramfs root cannot be pivot_root()ed (EINVAL: the rootfs has no
# parent mount), which runc (without --no-pivot) and CRIU (when it restores
# a mount namespace) both do; and a chroot()ed process may not create a
# user namespace (EPERM). So run in a mount namespace of our own whose root
# is a bind mount of / moved over /, as switch_root does: a root with a
# parent, and not a chroot (the namespace's root is the process's root).
if [ -z "${CTR_REAL_ROOT:-}" ]; then
	exec unshare -m --propagation private sh -c \
		'mkdir -p /.real-root && mount --rbind / /.real-root && cd /.real-root &&
		 mount --move . / && exec chroot . env CTR_REAL_ROOT=1 "$0" "$@"' "$0" "$@"
fi

RUNC=${RUNC:-runc-patched}
CRIU=${CRIU:-/usr/local/sbin/criu-patched}
id=ctr
state=/tmp/user-run/runc # runc's default for a rootless user ($XDG_RUNTIME_DIR/runc)

case ${1:-} in
run) top=/tmp/ctr ;;
checkpoint | restore) top=/mnt/share/ctr ;;
*) echo "usage: $0 run|checkpoint|restore" >&2; exit 2 ;;
esac
bundle=$top/bundle img=$top/images work=$top/work
rootfs=$bundle/rootfs

# runc as uid 1000 with no capability; runc runs criu-patched (--criu).
urunc() { as_user "$RUNC" --criu "$CRIU" "$@"; }
ctr_state() { urunc state "$id" 2>/dev/null; }
ctr_status() { ctr_state | sed -n 's/^ *"status": *"\([a-z]*\)".*/\1/p'; }
ctr_pid() { ctr_state | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p'; }
running() { [ "$(ctr_status)" = running ]; }
listed_running() { urunc list | awk -v id=$id '$1 == id && $3 == "running" { f = 1 } END { exit !f }'; }
nspid() { sed -n 's/^NSpid:[[:space:]]*//p' /proc/$1/status | awk '{ print $NF }'; }
sum() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
# mounts PID: the mount points of PID's namespace and their file systems
mounts() { awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i + 1); break } }' /proc/$1/mountinfo | sort; }

setup_root() {
	# runc finds no cgroup mount otherwise ("no cgroup mount found in
	# mountinfo"); a rootless container with no delegated cgroup runs in
	# none of its own, which runc accepts when it sets no resources.
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
	mkdir -p "$state" && chown $USER_ID:$USER_ID "$state"
}

# The bundle: a rootfs of busybox-static and cr-ctr, the rootless spec.
make_bundle() {
	rm -rf "$top" && mkdir -p "$rootfs"/bin "$rootfs"/proc "$rootfs"/dev "$rootfs"/tmp "$img"
	cp /bin/busybox "$rootfs"/bin/
	for a in sh cat ls ps sleep hostname; do ln -s busybox "$rootfs/bin/$a"; done
	cp /tests/cr-ctr "$rootfs"/ctr-init
	head -c 65536 /dev/urandom >"$rootfs"/data
	chown -R $USER_ID:$USER_ID "$top"
	(cd "$bundle" && as_user "$RUNC" spec --rootless) || return 1
	# The init, no terminal (detached), a writable root, a host name.
	as_user python3 - "$bundle/config.json" <<-'EOF'
	import json, sys
	p = sys.argv[1]
	c = json.load(open(p))
	c["process"]["args"] = ["/ctr-init"]
	c["process"]["terminal"] = False
	c["root"]["readonly"] = False
	c["hostname"] = "rootless-ctr"
	json.dump(c, open(p, "w"), indent=1)
	EOF
}

# start_ctr: uid 1000 creates and starts it, detached, stdio on /dev/null.
start_ctr() {
	urunc --log "$work-run.log" run -d -b "$bundle" "$id" </dev/null >/dev/null 2>&1
	local rc=$?
	[ $rc = 0 ] || sed 's/^/run: /' "$work-run.log" | diag
	return $rc
}

# The namespaces that must be the container's own, not the host's.
new_namespaces() {
	local ns
	for ns in user pid mnt ipc uts; do
		[ -n "$(readlink /proc/$1/ns/$ns)" ] &&
			[ "$(readlink /proc/$1/ns/$ns)" != "$(readlink /proc/1/ns/$ns)" ] || return 1
	done
	# its user namespace maps root to uid 1000 and nothing else
	[ "$(awk '{ print $1, $2, $3 }' /proc/$1/uid_map)" = "0 1000 1" ]
}

# Before the checkpoint: create and start, let it count.
start_phase() {
	setup_root
	make_bundle
	start_ctr
	ok "uid $USER_ID created and started a container from runc spec --rootless" \
		wait_for 10 running
	hpid=$(ctr_pid)
	ok "the container runs as uid $USER_ID, its init is pid 1 inside (host pid $hpid)" \
		sh -c "[ \"\$(stat -c %u /proc/$hpid)\" = $USER_ID ] && [ \"\$(awk '/^NSpid/ { print \$NF }' /proc/$hpid/status)\" = 1 ]"
	ok "it counts in memory and into /count inside the container" \
		wait_for 10 count_above "$rootfs/count" 9
	token=$(token_of "$rootfs/count")
	born=$(cat "$rootfs/born" 2>/dev/null) data=$(sum "$rootfs/data")
	mounts "$hpid" >"$top/mounts"
	echo "# its mounts: $(awk '{ print $1 }' "$top/mounts" | tr '\n' ' ')"
	echo "# container: host pid $hpid, born '$born', token $token"
}

checkpoint_phase() {
	ok "criu-patched carries cap_checkpoint_restore+eip and no other capability" \
		sh -c "[ \"\$(getcap $CRIU | grep -o 'cap_[a-z_]*' | sort -u)\" = cap_checkpoint_restore ]"
	# runc creates the image and work directories itself.
	rm -rf "$img" "$work"
	urunc checkpoint --image-path "$img" --work-path "$work" "$id" </dev/null >"$top/checkpoint.out" 2>&1
	rc=$?
	diag <"$top/checkpoint.out"
	[ $rc = 0 ] || tail -n 3 "$work/dump.log" 2>/dev/null | diag
	ok "uid $USER_ID checkpointed the container (runc checkpoint)" [ $rc = 0 ]
	stopped=$(count_of "$rootfs/count")
	if [ $rc = 0 ]; then
		gone() { ! kill -0 "$hpid" 2>/dev/null && ! listed_running; }
		ok "after the checkpoint the container is gone: no init, not running in runc list" \
			wait_for 10 gone
		stopped=$(count_of "$rootfs/count")
		echo "# stopped at count $stopped"
	else
		# The control: a failed checkpoint must lose nothing.
		runs_on() { running && kill -0 "$hpid" 2>/dev/null && resumed "$rootfs/count" "$token" "$stopped"; }
		ok "nothing lost: the container still runs and counts on (token $token)" runs_on
		urunc kill "$id" KILL >/dev/null 2>&1
		urunc delete -f "$id" >/dev/null 2>&1
		bail_out "the checkpoint failed: nothing to restore"
	fi
}

restore_phase() {
	# A rootless runc keeps its state in a tmpfs: after a reboot it knows
	# no container; after a checkpoint in the same boot it has deleted it.
	rm -rf "$work.restore"
	urunc --log "$work-restore.log" restore -d -b "$bundle" --image-path "$img" --work-path "$work.restore" "$id" \
		</dev/null >"$top/restore.out" 2>&1
	rc=$?
	diag <"$top/restore.out"
	[ $rc = 0 ] || grep -h 'Error' "$work.restore/restore.log" 2>/dev/null | tail -n 5 | diag
	ok "uid $USER_ID restored the container (runc restore)" [ $rc = 0 ]
	[ $rc = 0 ] || bail_out "the restore failed"
	# From the container's user namespace on, the user may ptrace its tasks,
	# which share criu's restore memory: criu-patched goes on without its
	# capability (criu/patches 0030), and the restore still works.
	grep -h "Dropped criu's capabilities" "$work.restore/restore.log" 2>/dev/null | diag
	ok "criu dropped its capabilities once the container's user namespace existed" \
		grep -q "restore: Dropped criu's capabilities" "$work.restore/restore.log"
	ok "the container is running in runc list" wait_for 10 listed_running
	npid=$(ctr_pid)
	echo "# restored: host pid $npid"
	same_init() {
		[ -n "$npid" ] && [ "$(nspid "$npid")" = 1 ] &&
			[ "$(cat "$rootfs/born")" = "$born" ] && [ "${born%% *}" = 1 ] &&
			[ "$(tr '\0' ' ' </proc/$npid/cmdline)" = "/ctr-init " ] &&
			[ "$(stat -L -c %i /proc/$npid/exe)" = "$(stat -c %i "$rootfs/ctr-init")" ]
	}
	ok "the same init runs: /ctr-init, pid 1 inside the container, as at its start ($born)" same_init
	ok "the init runs as uid $USER_ID on the host" sh -c "[ \"\$(stat -c %u /proc/$npid)\" = $USER_ID ]"
	for ns in user pid mnt ipc uts; do
		echo "# ns $ns: host (pid 1) $(readlink /proc/1/ns/$ns), container $(readlink /proc/$npid/ns/$ns)"
	done
	ok "in new user, PID, mount, IPC and UTS namespaces, root mapped to uid $USER_ID" new_namespaces "$npid"
	ok "its host name is its own (UTS namespace restored)" \
		sh -c "[ \"\$(nsenter -t $npid -u hostname)\" = rootless-ctr ]"
	ok "its state carried on: token $token in memory, counting on from $stopped" \
		resumed "$rootfs/count" "$token" "$stopped"
	same_mounts() { mounts "$npid" | diff "$top/mounts" - | diag; [ "${PIPESTATUS[1]}" = 0 ]; }
	ok "its mounts are as they were (mount points and file systems, /sys from the host)" same_mounts
	ok "its files are intact (/data, /born)" \
		sh -c "[ \"\$(sha256sum $rootfs/data | cut -d' ' -f1)\" = $data ] && [ \"\$(cat $rootfs/born)\" = '$born' ]"
	echo "# count now $(count_of "$rootfs/count")"
	urunc kill "$id" KILL >/dev/null 2>&1
	wait_for 5 sh -c "! kill -0 $npid 2>/dev/null"
	urunc delete -f "$id" >/dev/null 2>&1
}

case $1 in
run)
	echo "1..16"
	start_phase
	checkpoint_phase
	restore_phase
	;;
checkpoint)
	echo "1..6"
	start_phase
	checkpoint_phase
	# For the next boot: what the container was.
	echo "$token $stopped $data $born" >"$top/checkpointed"
	;;
restore)
	echo "1..11"
	setup_root
	read -r token stopped data born 2>/dev/null <"$top/checkpointed"
	ok "the previous boot left a complete checkpoint" \
		sh -c "[ -n '$token' ] && [ -s $img/inventory.img ] && [ -s $img/descriptors.json ]"
	[ -n "$token" ] || bail_out "no checkpoint from the previous boot"
	restore_phase
	;;
esac
tap_exit
