#!/bin/bash
# checkpoint_restore_ns_capable() under a real SELinux policy: which
# capability the LSM is asked about, and how many AVC records that leaves,
# in enforcing and in permissive mode. Root (both capabilities in its sets)
# and a caller with only CAP_SYS_ADMIN write /proc/sys/kernel/ns_last_pid,
# each case under one of four tiny policies (tests/selinux/, built on the
# host with checkpolicy): everything allowed but the capability permissions
# a variant leaves out.
#
# The helper asks SELinux once, audited, about the capability the caller's
# sets say it uses: a refusal leaves exactly one record naming it, in
# either mode; a silent probe first (as the v1 helper did) makes permissive
# mode cache the permission as granted and log nothing.
#
# Needs SELinux active at boot ("lsm=...,selinux" on the kernel command
# line: vm/testplan.selinux asks for it) and a boot of its own: a loaded
# policy stays until the next boot.
. "$(dirname "$0")/tap.sh"
pol=$(dirname "$0")/selinux
sel=/sys/fs/selinux
w=/tmp/selinux-helper
rm -rf $w && mkdir -p $w

NCASES=14
echo "1..$NCASES"

# kauditd prints AVC records with printk_ratelimit(): no limit while we count.
ratelimit=$(cat /proc/sys/kernel/printk_ratelimit 2>/dev/null)
echo 0 >/proc/sys/kernel/printk_ratelimit 2>/dev/null

load() { # VARIANT: load tests/selinux/VARIANT.pol (one write, as the kernel wants it)
	dd if="$pol/$1.pol" of=$sel/load bs=1M status=none 2>$w/load.err
}
setup() {
	[ -d $sel ] || { echo "SELinux is not active: no $sel (lsm= on the kernel command line?)" | diag; return 1; }
	grep -q " $sel selinuxfs " /proc/mounts || mount -t selinuxfs selinuxfs $sel || return 1
	[ -w /proc/sys/kernel/printk_ratelimit ] || { echo "no printk_ratelimit sysctl" | diag; return 1; }
	load all || { diag <$w/load.err; return 1; }
	echo "policyvers $(cat $sel/policyvers), enforce $(cat $sel/enforce), deny_unknown $(cat $sel/deny_unknown)," \
		"printk_ratelimit was $ratelimit, pid_max $(cat /proc/sys/kernel/pid_max)" | diag
}
if ! setup; then
	for i in $(seq $NCASES); do echo "not ok $i SELinux set-up failed (see above)"; done
	exit 1
fi

# The kernel log from a case's begin marker on, without timestamps.
window() { dmesg | sed -e 's/^\[[ 0-9.]*\] //' -n -e "/^selinux-helper: begin $1\$/,\$p"; }
policy_loads() { window "$1" | grep -c 'type=1403'; }

# run_case NAME ENFORCE VARIANT N [PREFIX...]: under policy VARIANT, in
# enforcing mode ENFORCE (1) or permissive (0), PREFIX... bash writes N to
# ns_last_pid, then forks once. Sets: rc (0: written; 3: the write failed),
# err (its stderr), wpid (the writer's pid), cap (its CapEff), child (the
# pid of the fork after the write), avc (the AVC records of the case).
run_case() {
	local c=$1 enf=$2 v=$3 n=$4 i
	shift 4
	echo "<5>selinux-helper: begin $c" >/dev/kmsg
	load "$v" || diag <$w/load.err
	echo "$enf" >$sel/enforce
	# shellcheck disable=SC2016 # expanded by the writer
	"$@" bash -c 'echo $$ >"$1/pid"; grep ^CapEff: /proc/$$/status >"$1/cap"
		echo "$2" >/proc/sys/kernel/ns_last_pid || exit 3
		true & echo $!' writer $w "$n" >$w/out 2>$w/err
	rc=$?
	# Back to everything allowed; the record of that load is the fence:
	# kauditd prints in order, so once it is in the log, so is every AVC
	# record of the case.
	load all || diag <$w/load.err
	echo 0 >$sel/enforce
	for i in $(seq 150); do [ "$(policy_loads "$c")" -ge 2 ] && break; sleep 0.1; done
	[ "$(policy_loads "$c")" -ge 2 ] || echo "no policy load record after 15 s: the window may be short" | diag
	wpid=$(cat $w/pid) cap=$(sed 's/^CapEff:[[:space:]]*//' $w/cap) child=$(cat $w/out) err=$(cat $w/err)
	avc=$(window "$c" | grep 'avc: ')
	{
		echo "$c: policy $v, enforce=$enf, writer pid $wpid CapEff $cap, wrote $n: exit $rc${err:+ ($err)}${child:+, next pid $child}"
		echo "AVC records: $(echo -n "$avc" | grep -c .)"
		[ -z "$avc" ] || echo "$avc"
	} | diag
}

last=$(cat /proc/sys/kernel/cap_last_cap)
# Root's effective set: CAP_SYS_ADMIN (21) and, on a kernel that knows it,
# CAP_CHECKPOINT_RESTORE (40).
root_caps() { [ $((16#$cap >> 21 & 1)) = 1 ] && { [ "$last" -lt 40 ] || [ $((16#$cap >> 40 & 1)) = 1 ]; }; }
sa_only() { [ "$cap" = 0000000000200000 ]; }
# wrote N: the write succeeded and moved the allocator: the next pid came after N.
wrote() { [ "$rc" = 0 ] && [ "$child" -gt "$1" ] 2>/dev/null && [ "$child" -le $(($1 + 16)) ]; }
eperm() { [ "$rc" = 3 ] && [[ $err == *"Operation not permitted"* ]]; }
root_wrote() { root_caps && wrote "$1"; }
root_eperm() { root_caps && eperm; }
sa_wrote() { sa_only && wrote "$1"; }
sa_eperm() { sa_only && eperm; }
# one_record PERM PERMISSIVE: the case left exactly one AVC record, the
# writer's, a denial of PERM with permissive=PERMISSIVE.
one_record() {
	[ "$(echo -n "$avc" | grep -c .)" = 1 ] &&
		[[ $avc == *"avc:  denied  { $1 } for  pid=$wpid "*" permissive=$2"* ]]
}
no_record() { [ -z "$avc" ]; }
# shellcheck disable=SC2054 # setpriv's own comma-separated list
only_sys_admin=(setpriv --bounding-set=-all,+sys_admin --inh-caps=-all)

ok "SELinux is active and the test policy (capability2 checkpoint_restore) loads" true

base=$(( $(cat /proc/sys/kernel/pid_max) / 2 ))
run_case sys_admin-enforcing 1 sys_admin $((base + 100))
ok "sys_admin-only policy, enforcing, root (both capabilities): writing ns_last_pid succeeds" \
	root_wrote $((base + 100))
ok "sys_admin-only policy, enforcing, root (both capabilities): one AVC denial, for checkpoint_restore" \
	one_record checkpoint_restore 0

run_case neither-permissive 0 neither $((base + 200))
ok "policy allowing neither, permissive, root (both capabilities): writing ns_last_pid succeeds" \
	root_wrote $((base + 200))
ok "policy allowing neither, permissive, root (both capabilities): one AVC record, for checkpoint_restore, permissive=1" \
	one_record checkpoint_restore 1

run_case checkpoint_restore-enforcing 1 checkpoint_restore $((base + 300))
ok "checkpoint_restore-only policy, enforcing, root (both capabilities): writing ns_last_pid succeeds" \
	root_wrote $((base + 300))
ok "checkpoint_restore-only policy, enforcing, root (both capabilities): no AVC record" \
	no_record

run_case neither-enforcing 1 neither $((base + 400))
ok "policy allowing neither, enforcing, root (both capabilities): writing ns_last_pid fails with EPERM" \
	root_eperm
ok "policy allowing neither, enforcing, root (both capabilities): one AVC denial, for checkpoint_restore" \
	one_record checkpoint_restore 0

run_case sa-only-sys_admin-enforcing 1 sys_admin $((base + 500)) "${only_sys_admin[@]}"
ok "sys_admin-only policy, enforcing, caller with only CAP_SYS_ADMIN: writing ns_last_pid succeeds" \
	sa_wrote $((base + 500))
ok "sys_admin-only policy, enforcing, caller with only CAP_SYS_ADMIN: no AVC record" \
	no_record

run_case sa-only-neither-enforcing 1 neither $((base + 600)) "${only_sys_admin[@]}"
ok "policy allowing neither, enforcing, caller with only CAP_SYS_ADMIN: writing ns_last_pid fails with EPERM" \
	sa_eperm
ok "policy allowing neither, enforcing, caller with only CAP_SYS_ADMIN: one AVC denial, for sys_admin" \
	one_record sys_admin 0

# In permissive mode no record of sys_admin is to be expected, whatever the
# helper does: SELinux's own vm_enough_memory hook probes sys_admin without
# audit at every exec and mmap, which caches it as granted in permissive
# mode. Nothing in the kernel probes checkpoint_restore that way, so the
# record of case neither-permissive must be there.
run_case sa-only-neither-permissive 0 neither $((base + 700)) "${only_sys_admin[@]}"
ok "policy allowing neither, permissive, caller with only CAP_SYS_ADMIN: writing ns_last_pid succeeds" \
	sa_wrote $((base + 700))

# Leave the guest as it was: everything allowed (permissive), the log limited again.
load all
echo 0 >$sel/enforce
[ -z "$ratelimit" ] || echo "$ratelimit" >/proc/sys/kernel/printk_ratelimit
tap_exit
