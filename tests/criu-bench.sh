#!/bin/bash
# make bench: CRIU as uid 1000 against root, on the same job (tests/cr-state
# with MIB of touched memory, shared by its three processes), and root
# against root: a second root job, dumped and restored like the others,
# measures the noise of this measurement the same way as the effect (an A/A
# comparison). ROUNDS rounds, each dumping and restoring the three jobs in
# the order user, root, root2 or its reverse, from round to round: root is
# always in the middle, and uid 1000 and root2 take the same places, so
# "user / root" and "root2 / root" see the same order effects. Beside each
# total, CRIU's own statistics (the stats-dump and stats-restore images,
# read with crit), to see where the time goes.
#
#   criu-bench.sh ROUNDS MIB [PIPE-MAX-SIZE]
#
# PIPE-MAX-SIZE: fs.pipe-max-size in bytes for the run (the kernel's default,
# 1 MiB, is what an ordinary user's criu gets; root's grows its page pipes
# past it).
. "$(dirname "$0")/tap.sh"
rounds=${1:-5} mib=${2:-256} pipe_max=${3:-}
out=/tmp/criu-bench.times
echo "1..3"
if [ -n "$pipe_max" ]; then
	old_pipe_max=$(cat /proc/sys/fs/pipe-max-size)
	echo "$pipe_max" >/proc/sys/fs/pipe-max-size || bail_out "cannot set fs.pipe-max-size"
	trap 'echo $old_pipe_max >/proc/sys/fs/pipe-max-size' EXIT
fi
echo "# fs.pipe-max-size: $(cat /proc/sys/fs/pipe-max-size)"

# stats IMG KIND: the named fields of CRIU's stats image, in ms
stats() {
	[ -s "$1/stats-$2" ] || return 0
	crit show "$1/stats-$2" 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)["entries"][0]
e = e.get("dump") or e.get("restore")
us = ("freezing_time", "frozen_time", "memdump_time", "memwrite_time", "forking_time", "restore_time")
print(" ".join("%s=%.0f" % (k, e[k] / 1000) for k in us if k in e),
      " ".join("%s=%d" % (k, e[k]) for k in ("pages_written", "page_pipes", "page_pipe_bufs",
                                             "pages_restored") if k in e))'
}

# op JOB dump|restore: one timed criu run by the job's user; a line in $out
op() {
	local j=$1 what=$2 who=${uid[$1]} w=${dir[$1]} flags=(--network-lock skip) run=() t0 rc
	if [ "$who" = 0 ]; then run=(); else run=(as_user); flags+=(--unprivileged); fi
	if [ $what = dump ]; then
		rm -rf "$w/img" && mkdir -p "$w/img" && chown "$who:$who" "$w/img"
		set -- dump -t "${job[$j]}"
	else
		set -- restore -d
	fi
	t0=$(now)
	"${run[@]}" criu "$@" -D "$w/img" -o $what.log "${flags[@]}"
	rc=$?
	echo "$r $j $what $(calc "($(now) - $t0) * 1000") $(stats "$w/img" $what)" >>$out
	[ $rc = 0 ] || { grep Error "$w/img/$what.log" | tail -n 3 | diag; return 1; }
	# A restore must bring back the job itself, untimed.
	[ $what = dump ] || { ask_report "$w" && ! grep -q '^not ok' "$w/report"; }
}

declare -A job dir uid=([user]=$USER_ID [root]=0 [root2]=0)
declare -A name=([user]="uid $USER_ID" [root]=root [root2]="root, second job")
for j in user root root2; do
	dir[$j]=/tmp/bench-$j
	start_job "${uid[$j]}" "${dir[$j]}" /tests/cr-state "$mib" || bail_out "the $j job did not start"
	# The first dump kills it: no "Killed" notice from bash in the table.
	disown
	job[$j]=$pid
done
ok "three jobs of $mib MiB ready: uid $USER_ID's (pid ${job[user]}), root's (pids ${job[root]} and ${job[root2]})" true

failed=0
# Round 0 is not timed: it warms both users' caches (criu's kerndat, the
# page cache of criu and its libraries), and the guest memory the images
# take is then already backed by the host (a first touch costs the host a
# page fault that the guest never sees, and that would fall on whoever
# dumped first).
for r in $(seq 0 "$rounds"); do
	[ "$r" != 1 ] || : >$out
	if [ $((r % 2)) = 1 ]; then order="user root root2"; else order="root2 root user"; fi
	# One set of images at a time: with its three processes a job's
	# images take three times MIB, and /tmp is half the guest's memory.
	for j in $order; do
		pid=${job[$j]}
		for what in dump restore; do
			op $j $what || failed=1
		done
		rm -rf "${dir[$j]}/img"
	done
done
ok "$rounds rounds (and an untimed one) of dump and restore of the three jobs, each intact after each" \
	[ $failed = 0 ]
{ kill -9 "${job[@]}"; wait; } 2>/dev/null

# The table: per operation and job, the median of each column over the
# rounds; then uid 1000 / root and root2 / root (the noise), each the median
# of the per-round ratios (min..max).
echo "| operation | who | rounds | total ms | CRIU's statistics, ms (median) |"
echo "|---|---|---:|---:|---|"
for what in dump restore; do
	for j in user root root2; do
		awk -v j=$j -v op=$what '$2 == j && $3 == op' $out | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin]
stats = {}
for row in rows:
    for kv in row[4:]:
        k, v = kv.split("=")
        stats.setdefault(k, []).append(float(v))
print("| %s | %s | %d | %.0f | %s |" % (sys.argv[1], sys.argv[2], len(rows),
      statistics.median(float(r[3]) for r in rows),
      ", ".join("%s %.0f" % (k, statistics.median(v)) for k, v in stats.items())))' \
			$what "${name[$j]}"
	done
done
python3 - "$out" "$USER_ID" <<'EOF'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    r, j, op, ms = line.split()[:4]
    t[(r, j, op)] = float(ms)
rounds = sorted({r for r, j, op in t}, key=int)
for op in ("dump", "restore"):
    for j, name in (("user", "uid %s / root" % sys.argv[2]), ("root2", "root2 / root (noise)")):
        q = [t[(r, j, op)] / t[(r, "root", op)] for r in rounds
             if (r, j, op) in t and (r, "root", op) in t]
        if q:
            print("\n%s, %s: %.2f (per-round ratios %.2f..%.2f, %d rounds: %s)"
                  % (name, op, statistics.median(q), min(q), max(q), len(q),
                     " ".join("%.2f" % x for x in q)))
EOF
ok "every round was timed" test "$(wc -l <$out)" = $((rounds * 6))
tap_exit
