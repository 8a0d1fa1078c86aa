#!/bin/bash
# `make run`: the feature as its users see it, on the patched kernel.
# An ordinary user checkpoints a running job with a setcap'd criu, the machine
# reboots (a second VM boot), the user restores the job, and it carries on
# with the same PID and its state. vm/judge.sh decides whether it worked
# (exit status 0 only then), as it does for make check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/story
image=$top/build/obj-patched/arch/x86/boot/bzImage
failed=0

rm -rf "$out" && mkdir -p "$out"
cat <<TXT

  Checkpoint/restore as an ordinary user, across a reboot
  -------------------------------------------------------
  Machine: a QEMU guest running the patched kernel ($(make -s -C "$top/build/src" \
	O="$top/build/obj-patched" kernelrelease 2>/dev/null)), Debian trixie, $(chroot \
	"$top/build/rootfs" criu --version 2>/dev/null | sed -n 's/^Version: /criu /p').
  The administrator has run, once:  setcap cap_checkpoint_restore+eip /usr/sbin/criu
  The user is uid 1000, with no capability of their own.

TXT
step() { # boot the guest for one phase and tell what happened in it
	local phase=$1 title=$2
	echo "  == $title"
	mkdir -p "$out/plans"
	echo "suite story-$phase 300 /tests/criu-reboot.sh $phase" >"$out/plans/$phase"
	GUEST_TIMEOUT=600 BZIMAGE=$image "$top/vm/boot.sh" patched "$out/plans/$phase" "$out" |
		sed 's/^ */  /'
	sed -n 's/^# story: /     /p' "$out/$phase.tap"
	sed -n 's/^\(not ok\|ok\) [0-9]* \(- \)\?/\1: /p' "$out/$phase.tap" |
		sed 's/^ok: /     [ok]   /; s/^not ok: /     [FAIL] /'
	echo
}
step checkpoint "Boot 1: the user starts a job and checkpoints it"
step restore "Boot 2 (after the reboot): the user restores the job"

"$top/vm/judge.sh" -o "$out/summary.txt" "$out" >/dev/null || failed=1
if [ $failed = 0 ]; then
	echo "  The job carried on after the reboot with the same PID and its count,"
	echo "  checkpointed and restored by an ordinary user."
else
	echo "  FAILED:"
	sed -n '/^Failed:/,/^$/p' "$out/summary.txt" | sed '1d; s/^/  /'
	echo "  (the whole verdict: build/story/summary.txt)"
fi
exit $failed
