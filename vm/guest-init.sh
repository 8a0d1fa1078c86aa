#!/bin/sh
# PID 1 of the guest. Does as root only what must be root (mounts, loopback,
# the file capability on criu), then runs the test plan and sends its TAP out
# on /dev/ttyS1, which the host reads as the result channel. The console
# (ttyS0) carries the kernel log and nothing else of interest.
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
# devtmpfs has none of these; shells and the tests expect them.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
ip link set lo up
hostname guest

# Images that must survive a reboot live on the host, shared over 9p.
mkdir -p /mnt/share
mount -t 9p -o trans=virtio,version=9p2000.L share /mnt/share 2>/dev/null &&
	chmod 1777 /mnt/share

arg() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
fault=$(arg fault)

# The only privilege the unprivileged tests get: criu's file capability
# (Debian's criu, and criu-patched: criu/ built with the project's patches).
# On the baseline kernel bit 40 is masked off (CAP_VALID_MASK): setcap
# succeeds, the kernel grants nothing.
for c in /usr/sbin/criu /usr/local/sbin/criu-patched; do setcap cap_checkpoint_restore+eip $c; done

out=/dev/ttyS1
stty -F $out raw -echo 2>/dev/null
{
	echo "# guest: $(uname -r) cap_last_cap=$(cat /proc/sys/kernel/cap_last_cap)"
	echo "# criu: $(getcap /usr/sbin/criu /usr/local/sbin/criu-patched | tr '\n' ' ')"
} >$out

case $fault in
hang)	echo "fault=hang: the guest now hangs" >/dev/console; while :; do sleep 60; done ;;
warn)	echo "<4>WARNING: CPU: 0 PID: 1 at fault=warn injected by vm/guest-init.sh" >/dev/kmsg ;;
esac

# The plan: one "suite NAME TIMEOUT COMMAND..." line per suite (vm/boot.sh
# expanded it on the host; the host judges what comes back).
# timeout_scale=N (vm/boot.sh's TIMEOUT_SCALE): a slow kernel (the debug
# one) gets N times each suite's time.
scale=$(arg timeout_scale)
while read -r _ name limit cmd; do
	limit=$(( limit * ${scale:-1} ))
	echo "  running $name" >/dev/console
	start=$(date +%s)
	( cd /tmp && timeout -k 5 "$limit" sh -c "$cmd" ) </dev/null >/tmp/suite.out 2>&1
	rc=$?
	{
		echo "# suite: $name"
		tr -d '\r' </tmp/suite.out
		echo "# suite-exit: $name rc=$rc seconds=$(( $(date +%s) - start ))"
	} >$out
done </testplan

[ "$fault" = noresult ] || echo "# guest-done" >$out
sync
busybox reboot -f
