#!/bin/sh
# Smoke test: does the running kernel know capability 40, and does a file
# capability cap_checkpoint_restore+eip reach an unprivileged process?
# TAP on stdout. On the baseline kernel the checks of bit 40 must fail.
n=0 failed=0
check() { # description, then a command that succeeds when the check holds
	n=$((n + 1)); d=$1; shift
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; failed=1; fi
}
highest_bit() { # highest set bit of a CapXxx hex mask
	v=$(printf '%d' "0x$1") b=-1
	while [ "$v" -gt 0 ]; do v=$((v >> 1)); b=$((b + 1)); done
	echo $b
}
echo "1..5"
last=$(cat /proc/sys/kernel/cap_last_cap)
bnd=$(highest_bit "$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)")
echo "# cap_last_cap=$last, highest CapBnd bit=$bnd"
check "cap_last_cap is 40" [ "$last" = 40 ]
check "highest CapBnd bit is cap_last_cap" [ "$bnd" = "$last" ]
check "capsh names cap_checkpoint_restore in the bounding set" \
	sh -c 'capsh --print | grep "^Bounding set" | grep -q cap_checkpoint_restore'

# A copy of cat with only the new file capability, run as uid 1000.
cp /bin/cat /tmp/cat-cr && setcap cap_checkpoint_restore+eip /tmp/cat-cr
eff=$(setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
	/tmp/cat-cr /proc/self/status | sed -n 's/^CapEff:[[:space:]]*//p')
echo "# uid 1000 running a cap_checkpoint_restore+eip binary: CapEff=$eff"
check "file capability grants exactly bit 40 to uid 1000" [ "$eff" = 0000010000000000 ]
eff=$(setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all \
	cat /proc/self/status | sed -n 's/^CapEff:[[:space:]]*//p')
check "uid 1000 without the file capability has no capability" [ "$eff" = 0000000000000000 ]
rm -f /tmp/cat-cr
exit $failed
