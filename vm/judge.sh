#!/bin/bash
# The judge: the one place that decides pass and fail, for `make check`,
# `make run`, `make guest-KERNEL`, `make mutants` and `make bench`.
#
#   vm/judge.sh [-o SUMMARY] RESULTS-DIR...
#
# A results directory is what vm/boot.sh leaves for one kernel: `kernel` (its
# name), and per plan P: P.plan (the plan as the guest got it, kselftests
# expanded), P.tap (the result channel), P.console.log (the kernel log) and
# P.boot (QEMU's exit status, seconds, limit). The kernel's name sets what is
# required of it:
#
#   baseline   the control kernel: "baseline-fails SUITE:CASE" lines apply
#   mutant-*   a kernel that grants too much or too little: at least one case
#              must fail ("killed"); the run stays clean otherwise
#   any other  every case must pass; patched-NAME (the series built with
#              other checks: patched-debug) also counts as patched for
#              "fails-on patched"
# On any kernel, a case named by "baseline-fails" (on the baseline) or by
# "fails-on KERNEL[,KERNEL...] SUITE:CASE" (on those kernels; a mutant and patched-NAME count
# as patched) is a control: it must fail there, and a pass, a skip or no such
# case at all is a lost control.
#
# On every kernel: a boot that timed out, a result channel without the
# guest's end marker, a kernel log with a BUG/WARNING/Oops/sanitizer report, a
# planned suite that never started or never ended, a suite that timed out,
# printed no plan or no result, fewer or more results than its plan, exited
# non-zero without a failed case, or bailed out ("Bail out!") anywhere but on
# the control after failures that were all required there or on a mutant
# after a failure, an empty kselftest collection, an unknown plan keyword: each is a
# failure, and never counts toward a control. A skip is a failure unless the
# plan has "may-skip SUITE:CASE -- REASON" for it; a failure of a case named by
# "may-fail SUITE:CASE -- REASON" (upstream tests broken upstream) is counted
# and listed as a skip, with its reason. Results no plan asked for
# are listed. Exit status 0 only if nothing failed.
set -u
summary=
[ "${1:-}" = -o ] && { summary=$2; shift 2; }
[ $# -gt 0 ] || { echo "usage: vm/judge.sh [-o SUMMARY] RESULTS-DIR..." >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)

# Kernel-log reports that fail a run: the kernel's own and its sanitizers'.
# The debug kernels' reports start with BUG: or WARNING: too (BUG: KASAN:,
# BUG: KFENCE:, BUG: KCSAN:, BUG: sleeping function called from invalid
# context, lockdep's WARNING: possible circular locking dependency ...);
# the rest are the lines of those that do not (debug objects, hung tasks,
# RCU stalls), and the reports' names, in case the first line is lost.
klog_bad='(BUG:|WARNING:|Oops|KASAN|UBSAN|KFENCE|ODEBUG:|Kernel panic|general protection fault|invalid opcode|Call Trace:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|blocked for more than|detected stalls? on CPU|self-detected stall)'

declare -A cnt mkills
kernels=() suites=() failures=() skips=() notrun=() unplanned=() mutants=()
npass=0 nfail=0 nskip=0

rel() { echo "${1#"$top"/}"; }
add_suite() { [[ " ${suites[*]} " == *" $1 "* ]] || suites+=("$1"); }

# verdict KERNEL SUITE pass|xfail|fail|skip|kill CASE [WHY]
verdict() {
	local k=$1 s=$2 v=$3 c=$4 why=${5:-}
	add_suite "$s"
	cnt[$k,$s,$v]=$(( ${cnt[$k,$s,$v]:-0} + 1 ))
	cnt[$k,all,$v]=$(( ${cnt[$k,all,$v]:-0} + 1 ))
	case $v in
	pass|xfail) npass=$((npass + 1)) ;;
	kill) mkills[$k]+="    $s: $c"$'\n' ;;
	skip) nskip=$((nskip + 1)); skips+=("$k  $s: $c  -- $why") ;;
	fail) nfail=$((nfail + 1)); failures+=("$k  $s: $c"$'\n'"      $why") ;;
	esac
}

first_match() { # "suite:case" PATTERN...: print the first shell glob it matches
	local x=$1 p; shift
	for p in "$@"; do
		# shellcheck disable=SC2053 # a glob on purpose
		[[ $x == $p ]] && { echo "$p"; return 0; }
	done
	return 1
}
matches() { first_match "$@" >/dev/null; }

# judge_plan DIR KERNEL ROLE PLAN-NAME
judge_plan() {
	local d=$1 k=$2 role=$3 p=$4
	local plan=$d/$p.plan tap=$d/$p.tap con=$d/$p.console.log
	local where; where=$(rel "$d")
	local -a planned=() xfail=() mayskip=() mayfail=() colls=()
	local -A limit=() seen=() why_skip=() why_fail=() xfail_hit=()
	local kw a rest line n=0

	# The plan: what must have run, and what each case must do.
	while read -r kw a rest; do
		n=$((n + 1))
		case $kw in
		''|'#'*) ;;
		suite) planned+=("$a"); limit[$a]=${rest%% *} ;;
		append|image|qemu) ;; # the boot's kernel command line, extra cpio, QEMU options: vm/boot.sh's
		kselftests) colls+=(${rest}) ;;
		baseline-fails) [ "$k" != baseline ] || xfail+=("$a${rest:+ $rest}") ;;
		fails-on)
			# the kernels it must fail on; a mutant is the patched kernel's,
			# and so is patched-NAME (the series built with other checks)
			[[ ",$a," == *",$k,"* || ( ( $role = mutant || $k == patched-* ) && ",$a," == *",patched,"* ) ]] &&
				xfail+=("$rest") ;;
		may-skip|may-fail)
			line="$a${rest:+ $rest}"
			if [[ $line != *" -- "?* ]]; then
				verdict "$k" "plan:$p" fail "$kw without a reason" \
					"$where/$p.plan line $n: $kw SUITE:CASE -- REASON"
			elif [ "$kw" = may-skip ]; then
				mayskip+=("${line%% -- *}"); why_skip[${line%% -- *}]=${line#* -- }
			else
				mayfail+=("${line%% -- *}"); why_fail[${line%% -- *}]=${line#* -- }
			fi ;;
		*) verdict "$k" "plan:$p" fail "unknown plan keyword '$kw'" "$where/$p.plan line $n" ;;
		esac
	done <"$plan"
	for a in "${colls[@]}"; do
		n=0; for kw in "${planned[@]}"; do [[ $kw == "$a" || $kw == "$a/"* ]] && n=$((n + 1)); done
		[ $n -gt 0 ] || verdict "$k" "plan:$p" fail "kselftests $a: no program" \
			"build/kselftest/kselftest-list.txt lists none of $a: see build/kselftest.log"
	done

	# The boot: finished in time, end marker, clean kernel log.
	local rc=- secs=- lim=-
	[ -s "$d/$p.boot" ] && read -r rc secs lim <"$d/$p.boot"
	if [ ! -s "$tap" ]; then
		verdict "$k" "boot:$p" fail "results arrived" \
			"$where/$p.tap is missing or empty (qemu exit $rc); last kernel log lines, $where/$p.console.log:"$'\n'"$(tail -n 3 "$con" 2>/dev/null | sed 's/^/        /')"
		return
	fi
	if [ "$rc" = - ]; then
		verdict "$k" "boot:$p" fail "guest finished before the timeout" \
			"$where/$p.boot is missing: vm/boot.sh did not see the guest end"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		verdict "$k" "boot:$p" fail "guest finished before the timeout" \
			"killed after ${lim}s; the guest's last lines are in $where/$p.console.log"
	else
		verdict "$k" "boot:$p" pass "guest finished before the timeout"
	fi
	if grep -q '^# guest-done$' "$tap"; then
		verdict "$k" "boot:$p" pass "result channel complete"
	else
		verdict "$k" "boot:$p" fail "result channel complete" \
			"the guest never wrote '# guest-done' to $where/$p.tap; last line there: $(tail -n 1 "$tap")"
	fi
	local bad
	if [ ! -e "$con" ] || { [ "$k" != host ] && ! grep -q 'Linux version' "$con"; }; then
		verdict "$k" "boot:$p" fail "kernel log clean" \
			"$where/$p.console.log is missing or holds no kernel log"
	elif bad=$(grep -nE "^\[ *[0-9]+\.[0-9]+\] .*$klog_bad|^$klog_bad" "$con" 2>/dev/null); then
		verdict "$k" "boot:$p" fail "kernel log clean" \
			"$where/$p.console.log:"$'\n'"$(echo "$bad" | head -n 3 | sed 's/^\([0-9]*\):/        line \1: /')"
	else
		verdict "$k" "boot:$p" pass "kernel log clean"
	fi

	# The results, suite by suite.
	local suite="" plan_n="" nres=0 nfailed=0 nx=0 bail="" ln=0 raw c r q shown
	local -a held=() notes=()
	hold() { held+=("$(printf '%s\x1f' "$@")"); }
	# A suite's cases are counted when it ends: if the suite itself failed,
	# none of them counts toward the control.
	release() { # suite-failed?
		local h f
		for h in "${held[@]}"; do
			# -d '': a reason may span lines (a failure's diagnostics)
			IFS=$'\x1f' read -r -d '' -a f < <(printf '%s' "$h")
			if [ "$1" = 1 ] && [ "${f[2]}" = xfail ]; then
				verdict "${f[0]}" "${f[1]}" fail "${f[3]}" "failed, but its suite failed too: not counted as the control"
			else
				verdict "${f[@]}"
			fi
		done
		held=()
	}
	end_suite() { # rc
		local s=$suite rc=$1 at="$where/$p.tap line $ln" before=$nfail
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			verdict "$k" "$s" fail "(suite)" "timed out after ${limit[$s]:-?} s with $nres results ($at)"
		elif [ -n "$bail" ]; then
			# On the control, after failures all required there; on a
			# mutant, after the failure that killed it.
			if [ -n "$plan_n" ] && [ $nfailed -gt 0 ] &&
				{ [ "$role" = mutant ] || { [ "$role" = baseline ] && [ $nx = $nfailed ]; }; }; then
				notrun+=("$k  $s: $((plan_n - nres)) cases not run: $bail")
			else
				verdict "$k" "$s" fail "(suite)" "bailed out: $bail ($at)"
			fi
		elif [ -z "$plan_n" ]; then
			verdict "$k" "$s" fail "(suite)" "no plan line (1..N), exit $rc ($at)"
		elif [ $nres = 0 ] && [ "$plan_n" != 0 ]; then
			verdict "$k" "$s" fail "(suite)" "no result, exit $rc ($at)"
		elif [ $nres -lt "$plan_n" ]; then
			verdict "$k" "$s" fail "(suite)" "stopped after $nres of $plan_n results, exit $rc ($at)"
		elif [ $nres -gt "$plan_n" ]; then
			verdict "$k" "$s" fail "(suite)" "$nres results for a plan of $plan_n ($at)"
		elif [ "$rc" != 0 ] && [ $nfailed = 0 ]; then
			verdict "$k" "$s" fail "(suite)" "exited $rc with no failed case ($at)"
		fi
		release $(( nfail > before ))
		suite=""
	}
	while IFS= read -r line; do
		ln=$((ln + 1))
		case $line in
		"# suite: "*)
			if [ -n "$suite" ]; then
				verdict "$k" "$suite" fail "(suite)" \
					"no end line before the next suite ($where/$p.tap line $ln)"
				release 1
			fi
			suite=${line#"# suite: "} plan_n="" nres=0 nfailed=0 nx=0 bail=""; notes=()
			if [ -n "${limit[$suite]:-}" ]; then
				seen[$suite]=1
			else
				unplanned+=("$k  $suite ($where/$p.tap line $ln)")
				suite=""
			fi ;;
		"# suite-exit: "*)
			[ -n "$suite" ] || continue
			r=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")
			end_suite "${r:-?}" ;;
		"1.."[0-9]*)
			[ -n "$suite" ] && [ -z "$plan_n" ] && plan_n=${line#1..} plan_n=${plan_n%% *} ;;
		"Bail out!"*)
			[ -n "$suite" ] && bail=${line#Bail out!} bail=${bail# } ;;
		"#"*)
			# A case's diagnostics come before its result: a failure
			# carries the last three, so that CI's output explains it.
			[ -n "$suite" ] && notes=("${notes[@]: -2}" "$line") ;;
		"ok "*|"not ok "*)
			[ -n "$suite" ] && [ -z "$bail" ] || continue
			nres=$((nres + 1))
			shown=""; [ ${#notes[@]} = 0 ] || printf -v shown '\n        %s' "${notes[@]}"
			notes=()
			raw=pass; [[ $line == "not ok "* ]] && raw=fail
			c=${line#not ok } c=${c#ok }
			c=$(sed -E 's/^[0-9]+ *//; s/^- *//' <<<"$c")
			r=""
			if [[ $c =~ \ ?#\ (SKIP|skip) ]]; then raw=skip r=${c#*# [Ss][Kk][Ii][Pp]} r=${r# }; fi
			c=${c%%# *} c=${c% }
			[ $raw = fail ] && nfailed=$((nfailed + 1))
			local at="$where/$p.tap line $ln"
			if matches "$suite:$c" "${xfail[@]}"; then
				# every line it matches has found its case
				for q in "${xfail[@]}"; do
					# shellcheck disable=SC2053
					[[ "$suite:$c" == $q ]] && xfail_hit[$q]=1
				done
				case $raw in
				fail) nx=$((nx + 1)); hold "$k" "$suite" xfail "$c" ;;
				pass) hold "$k" "$suite" fail "$c" "passed, but must fail on the $k kernel ($at)" ;;
				skip) hold "$k" "$suite" fail "$c" "control lost: skipped ($r), but must fail on the $k kernel ($at)" ;;
				esac
				continue
			fi
			case $raw in
			pass) hold "$k" "$suite" pass "$c" ;;
			fail) if [ "$role" = mutant ]; then hold "$k" "$suite" kill "$c"
			      elif q=$(first_match "$suite:$c" "${mayfail[@]}"); then
				hold "$k" "$suite" skip "$c" "failed; allowed: ${why_fail[$q]}"
			      else hold "$k" "$suite" fail "$c" "failed ($at)$shown"; fi ;;
			skip) if q=$(first_match "$suite:$c" "${mayskip[@]}"); then
				hold "$k" "$suite" skip "$c" "$r; allowed: ${why_skip[$q]}"
			      else
				hold "$k" "$suite" fail "$c" "skipped ($r); no may-skip line in $where/$p.plan allows it ($at)"
			      fi ;;
			esac ;;
		esac
	done <"$tap"
	if [ -n "$suite" ]; then
		verdict "$k" "$suite" fail "(suite)" \
			"never ended: no '# suite-exit' line after $where/$p.tap line $ln"
		release 1
	fi
	for a in "${planned[@]}"; do
		[ -n "${seen[$a]:-}" ] || verdict "$k" "$a" fail "(suite)" \
			"planned in $where/$p.plan but never started: the guest stopped before it? see $where/$p.console.log"
	done
	for a in "${xfail[@]}"; do
		[ -n "${xfail_hit[$a]:-}" ] || [ -z "${seen[${a%%:*}]:-}" ] ||
			verdict "$k" "${a%%:*}" fail "control lost: ${a#*:}" \
				"no result of $where/$p.tap matches this line of $where/$p.plan"
	done
}

for d in "$@"; do
	d=$(cd "$d" 2>/dev/null && pwd) || { verdict "?" "boot" fail "results of $1" "no such directory"; continue; }
	k=$(cat "$d/kernel" 2>/dev/null) || k=$(basename "$d")
	case $k in baseline) role=baseline ;; mutant-*) role=mutant; mutants+=("$k") ;; *) role=must-pass ;; esac
	kernels+=("$k")
	[ ! -s "$d/error" ] || verdict "$k" "boot" fail "kernel built and booted" "$(cat "$d/error")"
	n=0
	for plan in "$d"/*.plan; do
		[ -e "$plan" ] || continue
		n=$((n + 1))
		judge_plan "$d" "$k" "$role" "$(basename "$plan" .plan)"
	done
	[ $n -gt 0 ] || [ -s "$d/error" ] || verdict "$k" "boot" fail "results of $k" "$(rel "$d") holds no plan: was the kernel booted?"
	if [ "$role" = mutant ]; then
		if [ -n "${mkills[$k]:-}" ]; then npass=$((npass + 1))
		elif [ ! -s "$d/error" ]; then
			verdict "$k" "mutant" fail "survived" "no case failed on it: the tests do not catch this mistake"
		fi
	fi
done

cell() { # kernel suite
	local k=$1 s=$2
	[ -n "${cnt[$k,$s,pass]:-}${cnt[$k,$s,xfail]:-}${cnt[$k,$s,fail]:-}${cnt[$k,$s,skip]:-}${cnt[$k,$s,kill]:-}" ] ||
		{ printf '%5s %9s %5s %5s' - - - -; return; }
	printf '%5s %9s %5s %5s' "${cnt[$k,$s,pass]:-0}" "$(( ${cnt[$k,$s,xfail]:-0} + ${cnt[$k,$s,kill]:-0} ))" \
		"${cnt[$k,$s,fail]:-0}" "${cnt[$k,$s,skip]:-0}"
}
report() {
	local -a tk=() k s
	for k in "${kernels[@]}"; do [[ $k == mutant-* ]] || tk+=("$k"); done
	if [ ${#tk[@]} -gt 0 ]; then
		printf '%-44s' ""
		for k in "${tk[@]}"; do
			[ "$k" = host ] && printf ' | %-27s' "host (no VM)" || printf ' | %-27s' "$k kernel"
		done; echo
		printf '%-44s' suite; for k in "${tk[@]}"; do printf ' | %5s %9s %5s %5s' pass must-fail FAIL skip; done; echo
		for s in "${suites[@]}" all; do
			[[ $s == mutant ]] && continue
			[ "$s" = all ] && printf '%s\n' "$(printf '%.0s-' {1..44})"
			local any=
			for k in "${tk[@]}"; do [ "$(cell "$k" "$s")" != "$(printf '%5s %9s %5s %5s' - - - -)" ] && any=1; done
			[ -n "$any" ] || continue
			printf '%-44s' "$s"; for k in "${tk[@]}"; do printf ' | %s' "$(cell "$k" "$s")"; done; echo
		done
		echo
		echo "must-fail: cases that need the series (baseline-fails in the plan) and failed"
		echo "on the baseline kernel, as they must; the negative control."
	fi
	if [ ${#mutants[@]} -gt 0 ]; then
		local killed=0
		echo; echo "Mutants (kernels that grant too much or too little; some case must fail on each):"
		for k in "${mutants[@]}"; do
			if [ -n "${mkills[$k]:-}" ]; then
				killed=$((killed + 1)); echo "  $k: killed by"; printf '%s' "${mkills[$k]}"
			else echo "  $k: SURVIVED"; fi
		done
		echo "$killed of ${#mutants[@]} mutants killed"
	fi
	for d in "$@"; do sed -n "s/^# timing: /  $(cat "$d/kernel" 2>/dev/null): /p" "$d"/*.tap 2>/dev/null; done |
		{ IFS= read -r l && { echo; echo "Timings:"; echo "$l"; cat; }; }
	[ ${#skips[@]} = 0 ] || { echo; echo "Skipped, or failed where the plan allows it (not counted as passed):"; printf '  %s\n' "${skips[@]}"; }
	[ ${#notrun[@]} = 0 ] || { echo; echo "Not run, after a failure required on a control kernel or killing a mutant:"; printf '  %s\n' "${notrun[@]}"; }
	[ ${#unplanned[@]} = 0 ] || { echo; echo "Results no plan asked for (not counted):"; printf '  %s\n' "${unplanned[@]}"; }
	[ ${#failures[@]} = 0 ] || { echo; echo "Failed:"; printf '  %s\n' "${failures[@]}"; }
	echo
	echo "$npass passed, $nfail failed, $nskip skipped"
}
if [ -n "$summary" ]; then report "$@" | tee "$summary"; else report "$@"; fi
[ "$nfail" = 0 ]
