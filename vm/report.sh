#!/bin/bash
# Judge the guests' TAP against the plan and print the summary.
#
# On the patched kernel every case must pass. On the baseline kernel the cases
# named by "baseline-fails" in vm/testplan must fail (the negative control:
# proof that the test can fail) and every other case must pass; the same holds
# on the first-series kernel, which runs only the suites of the seccomp work. Skips are
# counted, never passed. A suite that stops early, times out or prints no
# result counts as a failure.
#
#   vm/report.sh BUILD-DIR KERNEL...
set -u
b=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t xfail < <(sed -n 's/^baseline-fails //p' "$top/vm/testplan")

declare -A cnt
suites=() failures=()
pass=0 fail=0 skip=0

expected_to_fail() { # kernel, "suite:case"
	[ "$1" = baseline ] || [ "$1" = first-series ] || return 1
	local p
	for p in "${xfail[@]}"; do
		# shellcheck disable=SC2053 # the pattern is a glob on purpose
		[[ $2 == $p ]] && return 0
	done
	return 1
}

count() { # kernel suite raw(pass|fail|skip) case [reason]
	local k=$1 s=$2 r=$3 c=$4 why=${5:-} v
	if [ "$r" = skip ]; then v=skip
	elif expected_to_fail "$k" "$s:$c"; then
		if [ "$r" = fail ]; then v=negctl; else v=fail; why="passed, but must fail on the $k kernel"; fi
	else v=$r
	fi
	[[ " ${suites[*]} " == *" $s "* ]] || suites+=("$s")
	cnt[$k,$s,$v]=$(( ${cnt[$k,$s,$v]:-0} + 1 ))
	cnt[$k,all,$v]=$(( ${cnt[$k,all,$v]:-0} + 1 ))
	case $v in
	pass|negctl) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	fail) fail=$((fail + 1)); failures+=("$k  $s: $c${why:+  ($why)}") ;;
	esac
}

for k in "$@"; do
	for f in "$b/results-$k"/*.tap; do
	[ -s "$f" ] || { count "$k" boot fail "results of $k" "missing: $f"; continue; }
	suite="" planned="" seen=0
	while IFS= read -r line; do
		case $line in
		"# suite: "*) suite=${line#"# suite: "} planned="" seen=0 ;;
		"1.."[0-9]*) [ -n "$suite" ] && [ -z "$planned" ] && planned=${line#1..} ;;
		"ok "*|"not ok "*)
			[ -n "$suite" ] || continue
			raw=pass; [[ $line == "not ok "* ]] && raw=fail
			c=${line#not ok } c=${c#ok }
			c=$(sed -E 's/^[0-9]+ *//; s/^- *//' <<<"$c")
			if [[ $c =~ \ \#\ (SKIP|skip) ]]; then raw=skip; fi
			c=${c%% # *}
			seen=$((seen + 1))
			count "$k" "$suite" "$raw" "$c" ;;
		"# suite-exit: "*)
			rc=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")
			if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				count "$k" "$suite" fail "(suite)" "timed out after $seen results"
			elif [ "$seen" = 0 ]; then
				count "$k" "$suite" fail "(suite)" "no result, exit $rc"
			elif [ -n "$planned" ] && [ "$seen" -lt "$planned" ]; then
				count "$k" "$suite" fail "(suite)" "stopped after $seen of $planned results, exit $rc"
			fi
			suite="" ;;
		esac
	done <"$f"
	done
done

cell() { # kernel suite
	local k=$1 s=$2
	# A suite this kernel's plan does not run.
	[ -n "${cnt[$k,$s,pass]:-}${cnt[$k,$s,negctl]:-}${cnt[$k,$s,fail]:-}${cnt[$k,$s,skip]:-}" ] ||
		{ printf '%5s %6s %5s %5s' - - - -; return; }
	printf '%5s %6s %5s %5s' "${cnt[$k,$s,pass]:-0}" "${cnt[$k,$s,negctl]:-0}" \
		"${cnt[$k,$s,fail]:-0}" "${cnt[$k,$s,skip]:-0}"
}
{
	printf '%-44s' ""; for k in "$@"; do printf ' | %-24s' "$k kernel"; done; echo
	printf '%-44s' suite; for k in "$@"; do printf ' | %5s %6s %5s %5s' pass negctl fail skip; done; echo
	for s in "${suites[@]}" all; do
		[ "$s" = all ] && printf '%s\n' "$(printf '%.0s-' {1..44})"
		printf '%-44s' "$s"; for k in "$@"; do printf ' | %s' "$(cell "$k" "$s")"; done; echo
	done
	echo
	echo "negctl: a case that must fail without the patches it tests (baseline, first-series)"
	echo "        did fail there (counted as passed)."
	for k in "$@"; do
		sed -n "s/^# timing: /  $k: /p" "$b/results-$k"/*.tap 2>/dev/null
	done | { IFS= read -r l && { echo; echo "Timings:"; echo "$l"; cat; }; }
	if [ ${#failures[@]} -gt 0 ]; then
		echo; echo "Failed:"; printf '  %s\n' "${failures[@]}"
	fi
	echo
	echo "$pass passed, $fail failed, $skip skipped"
} | tee "$b/summary.txt"
[ "$fail" = 0 ]
