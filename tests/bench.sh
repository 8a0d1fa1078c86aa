#!/bin/bash
# `make bench`: the benchmarks, patched against baseline, in one run.
#
# Kernel paths (tests/cr-bench) under QEMU's instruction counting (-icount
# shift=0,sleep=off): the guest's clock then advances with the instructions
# it executes, so times are "virtual us" (thousands of instructions) that
# repeat from boot to boot, which wall time under software emulation does not.
# The kernels boot in ABBA order (baseline, patched, patched, baseline); the
# effect (patched against baseline) and the noise (each kernel against its
# other boot) are both measured across boots. Within a boot cr-bench
# interleaves what it compares. PID placement runs in both patched boots.
#
# What instruction counting cannot see (I/O, waiting) gets a wall-clock boot
# of the patched kernel: CRIU as uid 1000 against root (tests/criu-bench.sh)
# and a JVM service's time to first answer (tests/criu-jvm.sh bench).
#
# Output: build/results/bench.md and build/results/pid-placement.png.
# BENCH_QUICK=1 runs the short version (a few minutes); BENCH_WALL=0 leaves
# out the wall-clock boot (the kernel paths alone: about 5 minutes).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/build/results
quick=${BENCH_QUICK:+--quick}
rounds=5 mib=256
[ -z "$quick" ] || rounds=2 mib=64
rm -rf "$res" && mkdir -p "$res"
start=$(date +%s)

boots=(1-baseline 2-patched 3-patched 4-baseline)
# Two memory layouts: boots 1 and 2 in one, 3 and 4 in the other. Under
# instruction counting two boots alike are alike to the instruction, but
# some paths cost about 1000 instructions more or less with the layout
# (the length of the command line is enough to move it): the noise column
# (each kernel's boots against each other) then includes that, as the
# effect (one kernel against the other) does.
layout=([1]=a [2]=a [3]=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
	[4]=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb)
for b in "${boots[@]}"; do
	k=${b#*-}
	{
		echo "qemu -icount shift=0,sleep=off"
		echo "append cr_bench_layout=${layout[${b%%-*}]}"
		echo "suite paths 900 /tests/bench-run.sh $quick --icount paths"
		[ $k = baseline ] ||
			echo "suite pid-placement 3600 /tests/bench-run.sh $quick --icount pid-placement --data /mnt/share/pid-placement.dat"
	} >"$res/bench-$b"
	GUEST_TIMEOUT=5400 "$top/vm/boot.sh" $k "$res/bench-$b" "$res/$b"
done
cp "$res/2-patched/share/pid-placement.dat" "$res/pid-placement-patched.dat" 2>/dev/null
wall=
if [ "${BENCH_WALL:-1}" != 0 ]; then
	{
		echo "image jre"
		echo "suite criu $((rounds * 600)) /tests/criu-bench.sh $rounds $mib"
		echo "suite jvm $((rounds * 600)) /tests/criu-jvm.sh bench $rounds"
	} >"$res/bench-wall"
	GUEST_TIMEOUT=5400 "$top/vm/boot.sh" patched "$res/bench-wall" "$res/wall"
	wall=$res/wall
fi

# No table from a run that did not finish: the judge decides, as for make check.
if ! "$top/vm/judge.sh" -o "$res/verdict.txt" "${boots[@]/#/$res/}" $wall >/dev/null; then
	sed -n '/^Failed:/,$p' "$res/verdict.txt"
	echo "bench: no table: the runs above failed (build/results/verdict.txt)"
	exit 1
fi

section() { # boot suite: the suite's output from the guest, without its TAP
	sed -n "/^# suite: $2\$/,/^# suite-exit: $2 /p" "$res/$1/bench-$1.tap" |
		sed '1d;$d' | grep -Ev '^(ok |not ok |1\.\.[0-9])'
}
median() { # boot path: the median of one path in the paths table of a boot
	section "$1" paths | awk -F' [|] ' -v p="$2" '$1 == "| " p { print $2 }'
}

{
	echo "# Benchmarks: CAP_CHECKPOINT_RESTORE, patched against baseline"
	echo
	echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
	echo "guest under QEMU software emulation (TCG), 1 CPU. ${quick:+Short run (BENCH_QUICK=1).}"
	echo "Kernel paths: virtual us under QEMU -icount shift=0 (1 virtual us = 1000 instructions"
	echo "executed), boots in the order ${boots[*]}. CRIU and the JVM: wall clock."
	echo
	echo "## No regression: patched / baseline (virtual us)"
	echo
	echo "Median per operation in each boot. patched/baseline: the mean of the patched boots'"
	echo "medians over the baseline boots'; in brackets the lowest and highest of the four"
	echo "boot-to-boot ratios. Noise: each kernel's second boot against its first, in the"
	echo "other memory layout (boots 1 and 2 in one, 3 and 4 in the other)."
	echo
	echo "| path | baseline 1 | patched 2 | patched 3 | baseline 4 | patched/baseline | noise baseline | noise patched |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	section 1-baseline paths | awk -F' [|] ' '/^\| / && $2 ~ /^[0-9.]+$/ { sub(/^\| /, "", $1); print $1 }' |
	while IFS= read -r path; do
		awk -v n="$path" -v b1="$(median 1-baseline "$path")" -v p2="$(median 2-patched "$path")" \
			-v p3="$(median 3-patched "$path")" -v b4="$(median 4-baseline "$path")" 'BEGIN {
			lo = p2 / b1; hi = lo
			split(p2 / b1 " " p2 / b4 " " p3 / b1 " " p3 / b4, q, " ")
			for (i in q) { if (q[i] < lo) lo = q[i]; if (q[i] > hi) hi = q[i] }
			printf "| %s | %s | %s | %s | %s | %.4f (%.4f..%.4f) | %+.2f %% | %+.2f %% |\n",
				n, b1, p2, p3, b4, (p2 + p3) / (b1 + b4), lo, hi,
				(b4 / b1 - 1) * 100, (p3 / p2 - 1) * 100 }'
	done | tee "$res/no-regression.md"
	echo
	# The targets, from the table: the largest effect against the largest noise.
	awk -F' [|] ' '/^\| / && $6 ~ /^[0-9]/ {
		split($6, r, " "); e = r[1] - 1; if (e < 0) e = -e; if (e > eff) eff = e
		for (i = 7; i <= 8; i++) { n = $i; sub(/ %.*/, "", n); n += 0; n = n < 0 ? -n : n; if (n > noise) noise = n }
	} END {
		printf "Largest |patched/baseline - 1|: %.2f %%; largest noise between boots of one kernel: %.2f %%.\n",
			eff * 100, noise
	}' "$res/no-regression.md"
	echo
	for b in 2-patched 3-patched; do
		echo "## Placing a process d PIDs ahead of the counter (patched kernel, boot ${b%%-*})"
		echo
		section $b pid-placement
		echo
	done
	if [ -n "$wall" ]; then
		echo "## CRIU as uid 1000 against root, $mib MiB of touched memory (wall clock)"
		echo
		section wall criu | grep -v '^#'
		echo
		echo "## A warmed-up JVM service (tests/jvm), patched kernel (wall clock)"
		echo
		echo "From launch (or criu restore) to the first HTTP answer; the methods take turns"
		echo "within each round. AOT cache: the JDK's own start-up cache (-XX:AOTCache)."
		echo
		section wall jvm | grep -v '^#'
		echo
	else
		echo "(No wall-clock boot: BENCH_WALL=0.)"
		echo
	fi
	echo "![time per placed process](pid-placement.png)"
} >"$res/bench.md"

if command -v gnuplot >/dev/null && [ -s "$res/pid-placement-patched.dat" ]; then
	gnuplot <<EOF
set terminal pngcairo noenhanced size 900,600
set output "$res/pid-placement.png"
set logscale xy
set xlabel "distance d to the PID wanted"
set ylabel "virtual us per placed process (1 = 1000 instructions)"
set title "Placing a process at a chosen PID (patched kernel, QEMU TCG, -icount)"
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
