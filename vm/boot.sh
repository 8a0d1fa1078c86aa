#!/bin/bash
# Boot one kernel under QEMU with the rootfs and the tests and run one test
# plan. This script judges nothing (vm/judge.sh does); it leaves in OUTDIR:
#   kernel            the kernel's name (it tells the judge what to require)
#   PLAN.plan         the plan as the guest got it (kselftests expanded)
#   PLAN.tap          the result channel: the guest's second serial port,
#                     never confused with the console
#   PLAN.console.log  the kernel log (first serial port)
#   PLAN.boot         "QEMU-EXIT SECONDS LIMIT" (124/137: killed at the limit)
# OUTDIR/share is shared into the guest as /mnt/share and kept from one boot
# to the next.
#
#   vm/boot.sh KERNEL-NAME PLAN OUTDIR
#
# Environment: BZIMAGE (default build/obj-KERNEL-NAME/arch/x86/boot/bzImage),
# GUEST_TIMEOUT (seconds, default 900), TIMEOUT_SCALE (N: each suite gets N
# times the time its plan line gives it, for a slow kernel; default 1), FAULT
# (hang|warn|noresult: make the guest misbehave, to show that the judge
# notices), QEMU_SMP (CPUs, default 1: the KCSAN kernel wants 2).
set -u
name=$1 plan=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
image=${BZIMAGE:-$b/obj-$name/arch/x86/boot/bzImage}
limit=${GUEST_TIMEOUT:-900}
p=$(basename "$plan")
share=$out/share
[ -r "$image" ] || { echo "boot.sh: no kernel image $image" >&2; exit 1; }

results=$out/$p.tap console=$out/$p.console.log
rm -rf "$out/overlay" "$results" "$console" "$out/$p.boot" "$out/$p.plan"
mkdir -p "$out/overlay" "$share"
echo "$name" >"$out/kernel"

# The plan as the guest runs it: "kselftests TIMEOUT COLLECTION..." becomes a
# suite per program of those collections (build/kselftest/kselftest-list.txt;
# COLLECTION/PROGRAM names one program).
# Every other line goes through unchanged; the judge reads the same file.
list=$b/kselftest/kselftest-list.txt
while IFS= read -r line; do
	echo "$line"
	set -- $line
	[ "${1:-}" = kselftests ] || continue
	t=$2; shift 2
	for c in "$@"; do # COLLECTION, or COLLECTION/PROGRAM for one program
		prog='.*'; [ "${c#*/}" = "$c" ] || prog=${c#*/} c=${c%/*}
		sed -n "s|^$c:\($prog\)\$|suite $c/\1 $t /tests/ksft-run.sh $c \1|p" "$list" 2>/dev/null
	done
done <"$plan" >"$out/$p.plan"

# The tests go in a second cpio appended to the rootfs one.
o=$out/overlay
install -m 755 "$top/vm/guest-init.sh" "$o/init"
grep '^suite ' "$out/$p.plan" >"$o/testplan"
[ ! -d "$b/kselftest" ] || cp -a "$b/kselftest" "$o/kselftest"
cp -a "$b/tests" "$o/tests"
(cd "$o" && find . | cpio -o -H newc --quiet) >"$out/overlay.cpio"
# A plan's "image NAME" lines: build/NAME.cpio goes in too (the JRE is one:
# only the boots that need its 250 MB carry it).
images=
for i in $(sed -n 's/^image //p' "$out/$p.plan"); do
	[ -r "$b/$i.cpio" ] || { echo "boot.sh: plan $p needs build/$i.cpio" >&2; exit 1; }
	images="$images $b/$i.cpio"
done
cat "$b/rootfs.cpio" $images "$out/overlay.cpio" >"$out/initrd.cpio"
rm -rf "$o" "$out/overlay.cpio"

# A plan's "append ARG..." lines: kernel command-line arguments for its boot;
# "qemu ARG...": QEMU's (make bench: -icount, a clock that counts instructions).
append=$(sed -n 's/^append //p' "$out/$p.plan" | tr '\n' ' ')
qemu_args=$(sed -n 's/^qemu //p' "$out/$p.plan" | tr '\n' ' ')

# tsc=reliable: under emulation the clocksource watchdog often finds the TSC
# "unstable" and falls back to jiffies (4 ms steps), which ruins timings.
start=$(date +%s)
printf '  BOOT    %s kernel, plan %s (timeout %ss) ... ' "$name" "$p" "$limit"
timeout -k 10 "$limit" qemu-system-x86_64 \
	-machine pc -cpu max -smp "${QEMU_SMP:-1}" -m 3072 -nodefaults -nographic -no-reboot \
	-kernel "$image" -initrd "$out/initrd.cpio" \
	-append "console=ttyS0 printk.time=1 panic=-1 tsc=reliable rdinit=/init fault=${FAULT:-} timeout_scale=${TIMEOUT_SCALE:-1} $append" \
	-serial "file:$console" -serial "file:$results" \
	-virtfs "local,path=$share,mount_tag=share,security_model=none" $qemu_args \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
echo "${secs} s"
rm -f "$out/initrd.cpio"
sed -i 's/\r$//' "$results" "$console" 2>/dev/null
echo "$rc $secs $limit" >"$out/$p.boot"
