#!/bin/bash
# Boot one kernel under QEMU with the rootfs and the tests, run vm/testplan,
# and judge the run from the host side:
#   - results arrive on the second serial port (PLAN.tap), never read from
#     the console; a run without the guest's end marker is a missing result;
#   - the guest gets a hard timeout (QEMU's own exit status means nothing);
#   - the kernel log (PLAN.console.log) must hold no BUG/WARNING/Oops/KASAN/UBSAN.
# The verdicts are appended to the results as the suite "boot:PLAN".
#
#   vm/boot.sh KERNEL-NAME BZIMAGE OUTDIR TIMEOUT FAULT PLAN
#
# PLAN is a test plan file (vm/testplan*); results go to OUTDIR/PLAN.tap, the
# kernel log to OUTDIR/PLAN.console.log. OUTDIR/share is shared into the guest
# as /mnt/share and kept from one boot to the next.
set -u
name=$1 image=$2 out=$3 limit=$4 fault=$5 plan=$6
p=$(basename "$plan")
share=$out/share
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build

results=$out/$p.tap console=$out/$p.console.log
rm -rf "$out/overlay" "$results" "$console"
mkdir -p "$out/overlay" "$share"

# The tests go in a second cpio appended to the rootfs one.
o=$out/overlay
install -m 755 "$top/vm/guest-init.sh" "$o/init"
cp "$plan" "$o/testplan"
[ ! -d "$b/kselftest" ] || cp -a "$b/kselftest" "$o/kselftest"
cp -a "$b/tests" "$o/tests"
(cd "$o" && find . | cpio -o -H newc --quiet) >"$out/overlay.cpio"
cat "$b/rootfs.cpio" "$out/overlay.cpio" >"$out/initrd.cpio"
rm -rf "$o" "$out/overlay.cpio"

# tsc=reliable: under emulation the clocksource watchdog often finds the TSC
# "unstable" and falls back to jiffies (4 ms steps), which ruins timings.
start=$(date +%s)
printf '  BOOT    %s kernel, plan %s (timeout %ss) ... ' "$name" "$p" "$limit"
timeout -k 10 "$limit" qemu-system-x86_64 \
	-machine pc -cpu max -m 3072 -nodefaults -nographic -no-reboot \
	-kernel "$image" -initrd "$out/initrd.cpio" \
	-append "console=ttyS0 printk.time=1 panic=-1 tsc=reliable rdinit=/init kernel=$name fault=$fault" \
	-serial "file:$console" -serial "file:$results" \
	-virtfs "local,path=$share,mount_tag=share,security_model=none" \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
echo "${secs} s"
rm -f "$out/initrd.cpio"
sed -i 's/\r$//' "$results" "$console" 2>/dev/null

verdict() { # ok|not ok, description, details...
	local v=$1 d=$2; shift 2
	echo "$v - $d" >>"$out/harness.tap"
	[ "$v" = ok ] || { echo "  FAIL    $name: $d"; for l in "$@"; do echo "          $l"; done; }
}
echo "# suite: boot:$p" >"$out/harness.tap"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	verdict "not ok" "guest finished before the timeout" \
		"guest hung: killed after ${limit}s; last console lines:" \
		"$(tail -n 3 "$console")"
else
	verdict ok "guest finished before the timeout"
fi
if grep -q '^# guest-done$' "$results" 2>/dev/null; then
	verdict ok "results complete"
else
	verdict "not ok" "results complete" \
		"missing result: no end marker on the result channel (qemu exit $rc)" \
		"$(tail -n 3 "$console")"
fi
pattern='(BUG:|WARNING:|Oops|KASAN|UBSAN|Kernel panic|general protection fault|invalid opcode|Call Trace:)'
if bad=$(grep -E "^\[ *[0-9]+\.[0-9]+\] .*$pattern|^$pattern" "$console"); then
	verdict "not ok" "kernel log clean" "kernel log has:" "$(echo "$bad" | head -n 5)"
else
	verdict ok "kernel log clean"
fi
echo "# suite-exit: boot:$p rc=0" >>"$out/harness.tap"
cat "$out/harness.tap" >>"$results"
rm -f "$out/harness.tap"
