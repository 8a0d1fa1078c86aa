#!/bin/bash
# The judge's own test, on canned results (no VM, seconds): a clean run of a
# control and a patched kernel must pass; then each way a result can lie is
# injected into a copy, and vm/judge.sh must fail the run with the message a
# user would then see. Prints TAP; each case shows the message it got.
set -u
judge=$(cd "$(dirname "$0")" && pwd)/judge.sh
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# A clean run: plan t on the baseline (control) and patched kernels.
canned() { # DIR KERNEL
	local d=$1 k=$2 verdict=ok rc=0
	[ "$k" = baseline ] && verdict="not ok" rc=1
	mkdir -p "$d"
	echo "$k" >"$d/kernel"
	cat >"$d/t.plan" <<-'EOF'
	# a plan as vm/boot.sh leaves it
	suite a 60 /tests/a.sh
	suite b 60 /tests/b.sh
	baseline-fails b:allowed with the capability
	may-skip a:optional feature -- not built into the test kernel
	EOF
	cat >"$d/t.tap" <<-EOF
	# guest: 6.12.117
	# suite: a
	1..2
	ok 1 works
	ok 2 optional feature # SKIP CONFIG_FOO is off
	# suite-exit: a rc=0 seconds=1
	# suite: b
	1..2
	$verdict 1 allowed with the capability
	ok 2 still denied without it
	# suite-exit: b rc=$rc seconds=1
	# guest-done
	EOF
	echo "[    0.000000] Linux version 6.12.117" >"$d/t.console.log"
	echo "0 12 60" >"$d/t.boot"
}

n=0 failed=0
# case NAME EXPECT-STATUS MESSAGE-REGEX SETUP-COMMAND: judge a fresh copy of
# the clean run after SETUP (run in the copy); its exit status must be
# EXPECT-STATUS and its output must match MESSAGE-REGEX.
case_() {
	local name=$1 want=$2 re=$3; shift 3
	n=$((n + 1))
	rm -rf "$w/run" && mkdir -p "$w/run"
	canned "$w/run/baseline" baseline && canned "$w/run/patched" patched
	(cd "$w/run" && eval "$*")
	local dirs=("$w/run"/*/) out rc
	out=$("$judge" "${dirs[@]}" 2>&1); rc=$?
	[ $rc = 0 ] || rc=1
	if [ $rc = "$want" ] && grep -qE -- "$re" <<<"$out"; then
		echo "ok $n $name"
		grep -E -m 2 -A 1 -- "$re" <<<"$out" | sed 's/^/#   /'
	else
		echo "not ok $n $name (exit $rc, want $want, message /$re/)"
		sed 's/^/#   /' <<<"$out"
		failed=1
	fi
}
edit() { # FILE SED-SCRIPT
	sed -i "$2" "$1"
}

echo "1..47"
case_ "a clean run passes, its allowed skip listed with both reasons" 0 \
	'a: optional feature  -- CONFIG_FOO is off; allowed: not built into the test kernel' true
case_ "the closing line counts the clean run" 0 '^12 passed, 0 failed, 2 skipped$' true
case_ "suite timed out on the baseline: a failure, its cases not a control" 1 \
	'timed out after 60 s|its suite failed too: not counted' \
	"edit baseline/t.tap 's/b rc=1/b rc=124/'"
case_ "suite with no result on the baseline: a failure, not a control" 1 \
	'no result, exit 1' \
	"edit baseline/t.tap '/allowed with/d; /still denied/d'"
case_ "fewer results than the plan" 1 'stopped after 1 of 2 results' \
	"edit patched/t.tap '/still denied/d'"
case_ "more results than the plan" 1 '3 results for a plan of 2' \
	"edit patched/t.tap 's/^ok 2 still denied without it/&\nok 3 extra/'"
case_ "no plan line" 1 'no plan line' "edit patched/t.tap '/^1..2/d'"
case_ "a failed case shows the diagnostics printed before it" 1 \
	'^        # restore.log: Error \(criu\): cannot fork 4005$' \
	"edit patched/t.tap 's/^ok 2 still denied without it/# an older note\\n# restore.log: Error (criu): cannot fork 4005\\nnot ok 2 still denied without it/; s/b rc=0/b rc=1/'"
case_ "non-zero exit without a failed case" 1 'exited 1 with no failed case' \
	"edit patched/t.tap 's/a rc=0/a rc=1/'"
case_ "a control case passes on the baseline" 1 'passed, but must fail on the baseline' \
	"edit baseline/t.tap 's/^not ok 1 allowed/ok 1 allowed/'"
case_ "a control case skipped on the baseline: control lost" 1 \
	'control lost: skipped \(no capability\)' \
	"edit baseline/t.tap 's/^not ok 1 allowed with the capability/ok 1 allowed with the capability # SKIP no capability/'"
case_ "a control case absent on the baseline: control lost" 1 \
	'control lost: allowed with the capability' \
	"edit baseline/t.tap 's/allowed with the capability/renamed case/'"
case_ "a skip the plan does not allow" 1 'skipped \(CONFIG_FOO is off\); no may-skip line' \
	"edit patched/t.plan '/^may-skip/d'"
case_ "a may-skip line without its reason" 1 'may-skip without a reason' \
	"edit patched/t.plan 's/ -- .*//'"
case_ "a may-fail case that fails is listed with its reason, not failed" 0 \
	'b: still denied without it  -- failed; allowed: broken upstream' \
	"edit patched/t.tap 's/^ok 2 still denied/not ok 2 still denied/; s/b rc=0/b rc=1/' &&
	 echo 'may-fail b:still denied* -- broken upstream' >>patched/t.plan"
case_ "a planned suite that never started" 1 'b: \(suite\)|planned in .* but never started' \
	"edit patched/t.tap '/# suite: b/,/# suite-exit: b/d'"
case_ "a suite that never ended (guest died in it)" 1 "never ended: no '# suite-exit' line" \
	"edit patched/t.tap '/# suite-exit: b/,\$d'"
case_ "a plan whose .tap is missing, beside one that has results" 1 \
	'u.tap is missing or empty' \
	"cp patched/t.plan patched/u.plan"
case_ "a kernel with no plan at all" 1 'holds no plan: was the kernel booted' \
	"rm patched/t.*"
case_ "an empty kselftest collection" 1 'kselftests clone3: no program' \
	"echo 'kselftests 300 clone3' >>patched/t.plan"
case_ "an unknown plan keyword" 1 "unknown plan keyword 'sweet'" \
	"echo 'sweet a 60 true' >>patched/t.plan"
case_ "the guest hung: killed at the limit" 1 'killed after 60s' \
	"echo '124 60 60' >patched/t.boot"
case_ "no boot record" 1 'boot is missing: vm/boot.sh did not see the guest end' \
	"rm patched/t.boot"
case_ "no kernel log" 1 'console.log is missing or holds no kernel log' \
	": >patched/t.console.log"
case_ "no end marker on the result channel" 1 "never wrote '# guest-done'" \
	"edit patched/t.tap '/# guest-done/d'"
case_ "a WARNING in the kernel log" 1 'line 2: \[ *1.0+\] WARNING: CPU: 0' \
	"echo '[    1.000000] WARNING: CPU: 0 PID: 1 at kernel/foo.c:1' >>patched/t.console.log"
# The debug kernels' reports (KASAN, KFENCE, lockdep, atomic sleep, debug
# objects, hung tasks, KCSAN, RCU stalls): each one alone fails the run.
while IFS='|' read -r what line; do
	case_ "a report of $what in the kernel log" 1 'line 2: \[ *3\.50+\] ' \
		"echo '[    3.500000] $line' >>patched/t.console.log"
done <<-'EOF'
	KASAN|BUG: KASAN: slab-use-after-free in set_tid_check+0x1/0x2
	KFENCE|BUG: KFENCE: out-of-bounds read in proc_map_files_get_link+0x1/0x2
	lockdep|WARNING: possible circular locking dependency detected
	lockdep (irq)|WARNING: inconsistent lock state
	atomic sleep|BUG: sleeping function called from invalid context at kernel/seccomp.c:1
	debug objects|ODEBUG: free active (active state 0) object: 0000 object type: timer_list
	hung task|INFO: task cr-fuzz:99 blocked for more than 120 seconds.
	KCSAN|BUG: KCSAN: data-race in __seccomp_filter / ptrace_setoptions
	RCU stall|rcu: INFO: rcu_preempt self-detected stall on CPU
EOF
# KCSAN's reports are "BUG: KCSAN: ..."; its boot banner names it too.
case_ "KCSAN's boot banner is not a report" 0 '^12 passed, 0 failed, 2 skipped' \
	"echo '[    0.188000] kcsan: non-strict mode configured - use CONFIG_KCSAN_STRICT=y to see all data races' >>patched/t.console.log"
case_ "fails-on patched: on patched-debug too, and it fails as it must" 0 \
	'^12 passed, 0 failed, 2 skipped' \
	"mv patched patched-debug && echo patched-debug >patched-debug/kernel &&
	 echo 'fails-on patched a:works' >>patched-debug/t.plan && edit patched-debug/t.tap 's/^ok 1 works/not ok 1 works/; s/a rc=0/a rc=1/'"
case_ "fails-on patched: on patched-debug, a pass is a lost control" 1 \
	'passed, but must fail on the patched-debug kernel' \
	"mv patched patched-debug && echo patched-debug >patched-debug/kernel &&
	 echo 'fails-on patched a:works' >>patched-debug/t.plan"
case_ "a bail-out that follows no required failure" 1 'bailed out: no image' \
	"edit patched/t.tap 's/^ok 2 still denied without it/Bail out! no image/'"
case_ "a bail-out after failures all required on the baseline: reported once, not counted" 0 \
	'b: 1 cases not run: the checkpoint failed' \
	"edit baseline/t.tap 's/^ok 2 still denied without it/Bail out! the checkpoint failed/'"
case_ "a bail-out on the baseline after a failure that is not required" 1 \
	'bailed out: the checkpoint failed' \
	"edit baseline/t.tap 's/^ok 2 still denied without it/not ok 2 still denied without it\nBail out! the checkpoint failed/'"
case_ "fails-on: a control on the patched kernel that passes there" 1 \
	'a: works.*|passed, but must fail on the patched kernel' \
	"echo 'fails-on patched a:works' >>patched/t.plan"
case_ "fails-on: a control on the patched kernel that fails, as it must" 0 \
	'^12 passed, 0 failed, 2 skipped' \
	"echo 'fails-on patched,other a:works' >>patched/t.plan && edit patched/t.tap 's/^ok 1 works/not ok 1 works/; s/a rc=0/a rc=1/'"
case_ "fails-on patched: on a mutant, that failure kills nothing" 1 'mutant-x: SURVIVED' \
	"cp -r patched mutant-x && echo mutant-x >mutant-x/kernel &&
	 echo 'fails-on patched a:works' >>mutant-x/t.plan && edit mutant-x/t.tap 's/^ok 1 works/not ok 1 works/; s/a rc=0/a rc=1/'"
case_ "a mutant's suite may bail out after the failure that killed it" 0 \
	'1 of 1 mutants killed' \
	"cp -r patched mutant-x && echo mutant-x >mutant-x/kernel &&
	 edit mutant-x/t.tap 's/^ok 1 allowed with the capability/not ok 1 allowed with the capability/; s/^ok 2 still denied without it/Bail out! the dump failed/; s/b rc=0/b rc=1/'"
case_ "a mutant on which nothing fails survives" 1 'mutant-x: SURVIVED|0 of 1 mutants killed' \
	"cp -r patched mutant-x && echo mutant-x >mutant-x/kernel"
case_ "a mutant is killed by a failed case, which is named" 0 \
	'b: still denied without it|1 of 1 mutants killed' \
	"cp -r patched mutant-x && echo mutant-x >mutant-x/kernel &&
	 edit mutant-x/t.tap 's/^ok 2 still denied/not ok 2 still denied/; s/b rc=0/b rc=1/'"
exit $failed
