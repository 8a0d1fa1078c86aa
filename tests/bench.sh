#!/bin/bash
# `make bench`: the benchmarks, patched against baseline, in one run.
#
# Each kernel boots once and runs tests/cr-bench (PID placement; the common
# paths twice, so that each kernel is also compared with itself: that is the
# noise); the patched kernel also times CRIU with 256 MiB as uid 1000 and as
# root, and a JVM service's time to first answer (tests/criu-jvm.sh bench).
# Absolute times under software emulation mean little: the tables are ratios.
# Output: build/results/bench.md and build/results/pid-placement.png.
#
# BENCH_QUICK=1 runs the short version (minutes instead of most of an hour).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/build/results
quick=${BENCH_QUICK:+--quick}
rm -rf "$res" && mkdir -p "$res"
start=$(date +%s)

for k in baseline patched; do
	plan=$res/bench-$k
	{
		echo "suite pid-placement 3600 /tests/bench-run.sh $quick pid-placement --data /mnt/share/pid-placement.dat"
		echo "suite paths-1 900 /tests/bench-run.sh $quick paths"
		echo "suite paths-2 900 /tests/bench-run.sh $quick paths"
		[ $k = baseline ] || {
			echo "suite criu-256m 1800 env ROUNDS=1 STATE_MIB=256 /tests/criu-state.sh"
			echo "image jre"
			echo "suite jvm 3600 /tests/criu-jvm.sh bench ${quick:+2}${quick:-5}"
		}
	} >"$plan"
	GUEST_TIMEOUT=5400 "$top/vm/boot.sh" $k "$plan" "$res/$k"
	cp "$res/$k/share/pid-placement.dat" "$res/pid-placement-$k.dat" 2>/dev/null
done

# No table from a run that did not finish: the judge decides, as for make check.
if ! "$top/vm/judge.sh" -o "$res/verdict.txt" "$res/baseline" "$res/patched" >/dev/null; then
	sed -n '/^Failed:/,$p' "$res/verdict.txt"
	echo "bench: no table: the runs above failed (build/results/verdict.txt)"
	exit 1
fi

section() { # kernel suite: the suite's output from the guest, without its TAP
	sed -n "/^# suite: $2\$/,/^# suite-exit: $2 /p" "$res/$1/bench-$1.tap" |
		sed '1d;$d' | grep -Ev '^(ok |not ok |1\.\.[0-9])'
}
median() { # kernel suite path: the median of one path in a paths table
	section "$1" "$2" | awk -F' [|] ' -v p="$3" '$1 == "| " p { print $2 }'
}

{
	echo "# Benchmarks: CAP_CHECKPOINT_RESTORE, patched against baseline"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
	echo "guest under QEMU software emulation (TCG), 1 CPU. ${quick:+Short run (BENCH_QUICK=1).}"
	echo
	echo "## Placing a process d PIDs ahead of the counter (patched kernel)"
	echo
	section patched pid-placement
	echo
	echo "## The same on the baseline kernel (root: CAP_SYS_ADMIN)"
	echo
	section baseline pid-placement
	echo
	echo "## No regression: patched / baseline"
	echo
	echo "Median per operation of the first paths run on each kernel; noise is each kernel's"
	echo "second run against its first (1.00 = identical)."
	echo
	echo "| path | baseline (us) | patched (us) | patched/baseline | noise baseline | noise patched |"
	echo "|---|---:|---:|---:|---:|---:|"
	section baseline paths-1 | awk -F' [|] ' '/^\| / && $2 ~ /^[0-9.]+$/ { sub(/^\| /, "", $1); print $1 }' |
	while IFS= read -r path; do
		b1=$(median baseline paths-1 "$path") b2=$(median baseline paths-2 "$path")
		p1=$(median patched paths-1 "$path") p2=$(median patched paths-2 "$path")
		awk -v n="$path" -v b1="$b1" -v b2="$b2" -v p1="$p1" -v p2="$p2" 'BEGIN {
			printf "| %s | %s | %s | %.2f | %.2f | %.2f |\n", n, b1, p1, p1 / b1, b2 / b1, p2 / p1 }'
	done
	echo
	echo "## CRIU, 256 MiB of touched memory, patched kernel"
	echo
	section patched criu-256m | sed -n 's/^# timing: /- /p'
	echo
	echo "## A warmed-up JVM service (tests/jvm), patched kernel"
	echo
	echo "From launch (or criu restore) to the first HTTP answer; the methods take turns"
	echo "within each round. AOT cache: the JDK's own start-up cache (-XX:AOTCache)."
	echo
	section patched jvm | grep -v '^#'
	echo
	echo "![time per placed process](pid-placement.png)"
} >"$res/bench.md"

if command -v gnuplot >/dev/null && [ -s "$res/pid-placement-patched.dat" ]; then
	gnuplot <<EOF
set terminal pngcairo noenhanced size 900,600
set output "$res/pid-placement.png"
set logscale xy
set xlabel "distance d to the PID wanted"
set ylabel "time per placed process (us)"
set title "Placing a process at a chosen PID (patched kernel, QEMU TCG)"
set key top left
plot "$res/pid-placement-patched.dat" using 1:2 with linespoints title "clone3 set_tid", \
     "" using 1:3 with linespoints title "ns_last_pid + clone", \
     "" using 1:4 with linespoints title "fork and discard", \
     "" using 1:5 with linespoints title "plain clone3 (floor)"
EOF
fi
cat "$res/bench.md"
echo
echo "bench: $(( $(date +%s) - start )) s; build/results/bench.md${quick:+ (short run)}"
