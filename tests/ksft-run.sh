#!/bin/sh
# Run one kselftest program in the guest and make sure it speaks TAP.
# Programs built on kselftest.h or kselftest_harness.h print their own TAP,
# passed through as it is. The others (many proc tests) only exit with
# kselftest's codes: they become one case, as tools/testing/selftests'
# runner.sh does it: 0 passes, 4 (KSFT_SKIP) skips, anything else fails;
# their output goes along as diagnostics. A program that skips as a whole
# ("1..0 # SKIP reason", exit status 4) becomes one skipped case, which the
# plan must allow like any other skip.
#
#   ksft-run.sh COLLECTION PROGRAM
cd "/kselftest/$1" || exit 1
# The series' own tests skip a case that needs CAP_CHECKPOINT_RESTORE on a
# kernel without it; the plan's negative control needs them to run there,
# and fail.
[ "$1" != checkpoint_restore ] || export CHECKPOINT_RESTORE_REQUIRED=1
out=$(mktemp)
"./$2" >"$out" 2>&1
rc=$?
if grep -qE '^1\.\.0 *# *SKIP' "$out"; then
	grep -v '^1\.\.0' "$out" | sed 's/^\([^#]\)/# \1/'
	echo "1..1"
	echo "ok 1 $2 # SKIP $(sed -n 's/^1\.\.0 *# *SKIP *//p' "$out" | head -n 1)"
	rc=0
elif grep -qE '^1\.\.[0-9]+' "$out"; then
	cat "$out"
else
	sed 's/^/# /' "$out"
	echo "1..1"
	case $rc in
	0) echo "ok 1 $2" ;;
	4) echo "ok 1 $2 # SKIP exit status 4 (KSFT_SKIP)"; rc=0 ;;
	*) echo "not ok 1 $2 (exit status $rc)" ;;
	esac
fi
rm -f "$out"
exit $rc
