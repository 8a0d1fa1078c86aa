#!/bin/bash
# make bench: CRIU as uid 1000 against root, on the same job (tests/cr-state
# with MIB of touched memory, shared by its three processes): ROUNDS rounds,
# each dumping and restoring both, which user goes first alternating from
# round to round. Beside each
# total, CRIU's own statistics (the stats-dump and stats-restore images,
# read with crit), to see where the time goes.
#
#   criu-bench.sh ROUNDS MIB
. "$(dirname "$0")/tap.sh"
rounds=${1:-5} mib=${2:-256}
out=/tmp/criu-bench.times
echo "1..3"

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

# op WHO DIR dump|restore: one timed criu run as WHO; a line in $out
op() {
	local who=$1 w=$2 what=$3 flags=(--network-lock skip) run=() t0 rc
	if [ "$who" = 0 ]; then run=(); else run=(as_user); flags+=(--unprivileged); fi
	if [ $what = dump ]; then
		rm -rf "$w/img" && mkdir -p "$w/img" && chown "$who:$who" "$w/img"
		set -- dump -t "${job[$who]}"
	else
		set -- restore -d
	fi
	t0=$(now)
	"${run[@]}" criu "$@" -D "$w/img" -o $what.log "${flags[@]}"
	rc=$?
	echo "$r $who $what $(calc "($(now) - $t0) * 1000") $(stats "$w/img" $what)" >>$out
	[ $rc = 0 ] || { grep Error "$w/img/$what.log" | tail -n 3 | diag; return 1; }
	# A restore must bring back the job itself, untimed.
	[ $what = dump ] || { ask_report "$w" && ! grep -q '^not ok' "$w/report"; }
}

declare -A job dir
for who in $USER_ID 0; do
	dir[$who]=/tmp/bench-$who
	start_job $who "${dir[$who]}" /tests/cr-state "$mib" || bail_out "the job of uid $who did not start"
	# The first dump kills it: no "Killed" notice from bash in the table.
	disown
	job[$who]=$pid
done
ok "two jobs of $mib MiB ready: uid $USER_ID's (pid ${job[$USER_ID]}), root's (pid ${job[0]})" true

failed=0
# Round 0 is not timed: it warms both users' caches (criu's kerndat, the
# page cache of criu and its libraries), and the guest memory the images
# take is then already backed by the host (a first touch costs the host a
# page fault that the guest never sees, and that would fall on whoever
# dumped first).
for r in $(seq 0 "$rounds"); do
	[ "$r" != 1 ] || : >$out
	if [ $((r % 2)) = 1 ]; then order="$USER_ID 0"; else order="0 $USER_ID"; fi
	# One set of images at a time: with its three processes the job's
	# images take three times MIB, and /tmp is half the guest's memory.
	for who in $order; do
		pid=${job[$who]}
		for what in dump restore; do
			op $who "${dir[$who]}" $what || failed=1
		done
		rm -rf "${dir[$who]}/img"
	done
done
ok "$rounds rounds (and an untimed one) of dump and restore, as uid $USER_ID and as root, each job intact after each" \
	[ $failed = 0 ]
{ kill -9 "${job[@]}"; wait; } 2>/dev/null

# The table: per operation and user, the median of each column over the
# rounds; then uid 1000 / root, median of the per-round ratios (min..max).
echo "| operation | who | rounds | total ms | CRIU's statistics, ms (median) |"
echo "|---|---|---:|---:|---|"
for what in dump restore; do
	for who in $USER_ID 0; do
		awk -v w=$who -v op=$what '$2 == w && $3 == op' $out | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin]
stats = {}
for row in rows:
    for kv in row[4:]:
        k, v = kv.split("=")
        stats.setdefault(k, []).append(float(v))
print("| %s | %s | %d | %.0f | %s |" % (sys.argv[1], "uid 1000" if sys.argv[2] != "0" else "root",
      len(rows), statistics.median(float(r[3]) for r in rows),
      ", ".join("%s %.0f" % (k, statistics.median(v)) for k, v in stats.items())))' $what $who
	done
done
python3 - "$out" "$USER_ID" <<'EOF'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    r, who, op, ms = line.split()[:4]
    t[(r, who, op)] = float(ms)
for op in ("dump", "restore"):
    q = [t[(r, sys.argv[2], op)] / t[(r, "0", op)] for (r, w, o) in t
         if w == "0" and o == op and (r, sys.argv[2], op) in t]
    if q:
        print("\nuid 1000 / root, %s: %.2f (per-round ratios %.2f..%.2f, %d rounds: %s; uid 1000 slower in %d)"
              % (op, statistics.median(q), min(q), max(q), len(q),
                 " ".join("%.2f" % x for x in q), sum(x > 1 for x in q)))
EOF
ok "every round was timed" test "$(wc -l <$out)" = $((rounds * 4))
tap_exit
