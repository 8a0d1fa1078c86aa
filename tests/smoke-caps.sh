#!/bin/bash
# Smoke test: does the running kernel know capability 40, and does a file
# capability cap_checkpoint_restore+eip reach an unprivileged process?
# On the baseline kernel the checks of bit 40 must fail.
. "$(dirname "$0")/tap.sh"

highest_bit() { # highest set bit of a CapXxx hex mask
	local v=$((16#$1)) b=-1
	while [ "$v" -gt 0 ]; do v=$((v >> 1)); b=$((b + 1)); done
	echo $b
}
status_caps() { sed -n "s/^$1:[[:space:]]*//p"; }

echo "1..5"
last=$(cat /proc/sys/kernel/cap_last_cap)
bnd=$(highest_bit "$(status_caps CapBnd </proc/self/status)")
echo "# cap_last_cap=$last, highest CapBnd bit=$bnd"
ok "cap_last_cap is 40" [ "$last" = 40 ]
ok "highest CapBnd bit is cap_last_cap" [ "$bnd" = "$last" ]
capsh --print | grep '^Bounding set' | cut -c1-60 | diag
ok "capsh names cap_checkpoint_restore in the bounding set" \
	sh -c 'capsh --print | grep "^Bounding set" | grep -q cap_checkpoint_restore'

# A copy of cat with only the new file capability, run as uid 1000.
cp /bin/cat /tmp/cat-cr && setcap cap_checkpoint_restore+eip /tmp/cat-cr
eff=$(as_user /tmp/cat-cr /proc/self/status | status_caps CapEff)
echo "# uid 1000 running a cap_checkpoint_restore+eip binary: CapEff=$eff"
ok "file capability grants exactly bit 40 to uid 1000" [ "$eff" = 0000010000000000 ]
eff=$(as_user cat /proc/self/status | status_caps CapEff)
ok "uid 1000 without the file capability has no capability" [ "$eff" = 0000000000000000 ]
rm -f /tmp/cat-cr
tap_exit
