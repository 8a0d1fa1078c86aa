#!/bin/bash
# `make bench`: the benchmarks, patched against baseline, in one run.
#
# Kernel paths (tests/cr-bench) under QEMU's instruction counting (-icount
# shift=0,sleep=off): the guest's clock then advances with the instructions
# it executes, so times are "virtual us" (thousands of instructions) that
# repeat from boot to boot, which wall time under software emulation does not.
# Each kernel boots once in each of four memory layouts, in ABBA order; the
# effect (patched against baseline) and the noise (each kernel's spread over
# the layouts) are both measured across boots. Within a boot cr-bench
# interleaves what it compares. PID placement runs in two patched boots.
#
# What instruction counting cannot see (I/O, waiting) gets a wall-clock boot
# of the patched kernel: CRIU as uid 1000 against root, and root against
# root for the noise (tests/criu-bench.sh), and a JVM service's time to
# first answer (tests/criu-jvm.sh bench).
#
# Output: build/results/bench.md and build/results/pid-placement.png.
# BENCH_QUICK=1 runs the short version (a few minutes); BENCH_WALL=0 leaves
# out the wall-clock boot (the kernel paths alone: about 5 minutes).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
res=$top/build/results
quick=${BENCH_QUICK:+--quick}
# CRIU: 5 rounds; the JVM: 3 (a cold start alone takes half a minute).
rounds=5 jvm_rounds=3 mib=256
[ -z "$quick" ] || rounds=2 jvm_rounds=2 mib=64
rm -rf "$res" && mkdir -p "$res"
start=$(date +%s)

# Four memory layouts, each kernel booted once in each, in turn (ABBA:
# baseline first in layouts 1 and 3, patched first in 2 and 4). Under
# instruction counting two boots alike are alike to the instruction, but
# some paths cost about 1000 instructions more or less with the layout (the
# length of the command line is enough to move it), on either kernel: the
# spread over layouts is the noise, measured as the effect is, across boots.
# PID placement runs in the patched boots of layouts 1 and 2.
layouts=(a bbbbbbbbbbbbbbbbbbbb cccccccccccccccccccccccccccccccccccccccc
	dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd)
boots=() placed=()
for l in 0 1 2 3; do
	order="baseline patched"
	[ $((l % 2)) = 0 ] || order="patched baseline"
	for k in $order; do
		b=$(( ${#boots[@]} + 1 ))-$k
		boots+=("$b")
		{
			echo "qemu -icount shift=0,sleep=off"
			echo "append cr_bench_layout=${layouts[l]}"
			echo "suite paths 900 /tests/bench-run.sh $quick --icount paths"
			if [ $k = patched ] && [ $l -lt 2 ]; then
				placed+=("$b")
				echo "suite pid-placement 3600 /tests/bench-run.sh $quick --icount pid-placement --data /mnt/share/pid-placement.dat"
			fi
		} >"$res/bench-$b"
		GUEST_TIMEOUT=5400 "$top/vm/boot.sh" $k "$res/bench-$b" "$res/$b"
	done
done
cp "$res/${placed[0]}/share/pid-placement.dat" "$res/pid-placement-patched.dat" 2>/dev/null
wall=
if [ "${BENCH_WALL:-1}" != 0 ]; then
	{
		echo "image jre"
		echo "suite criu $((rounds * 600)) /tests/criu-bench.sh $rounds $mib"
		echo "suite jvm $((jvm_rounds * 600)) /tests/criu-jvm.sh bench $jvm_rounds"
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
	echo "Median per operation in each boot; per kernel the median of its four boots"
	echo "(one per memory layout) and, in brackets, their lowest..highest."
	echo "patched/baseline: of those medians, and of the lowest (the same state of the"
	echo "layout-dependent paths on both kernels). Noise: a kernel's highest boot over"
	echo "its lowest, minus 1."
	echo
	echo "| path | baseline | patched | patched/baseline | patched/baseline, lowest | noise baseline | noise patched |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	section "${boots[0]}" paths | awk -F' [|] ' '/^\| / && $2 ~ /^[0-9.]+$/ { sub(/^\| /, "", $1); print $1 }' |
	while IFS= read -r path; do
		for b in "${boots[@]}"; do echo "${b#*-} $(median "$b" "$path")"; done |
		awk -v n="$path" '
			function med(a, c,   i, j, t) {
				for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
					if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
			}
			$1 == "baseline" { b[++nb] = $2 } $1 == "patched" { p[++np] = $2 }
			END {
				mb = med(b, nb); mp = med(p, np)	# sorts b and p
				printf "| %s | %.3f (%.3f..%.3f) | %.3f (%.3f..%.3f) | %.4f | %.4f | %.2f %% | %.2f %% |\n",
					n, mb, b[1], b[nb], mp, p[1], p[np], mp / mb, p[1] / b[1],
					(b[nb] / b[1] - 1) * 100, (p[np] / p[1] - 1) * 100
			}'
	done | tee "$res/no-regression.md"
	echo
	# The targets, from the table: the largest effect against the largest noise.
	awk -F' [|] ' '/^\| / && $4 ~ /^[0-9]/ {
		e = $4 - 1; if (e < 0) e = -e; if (e > eff) eff = e
		e = $5 - 1; if (e < 0) e = -e; if (e > effl) effl = e
		for (i = 6; i <= 7; i++) { v = $i; sub(/ %.*/, "", v); v += 0; if (v > noise) noise = v }
	} END {
		printf "Largest |patched/baseline - 1|: %.2f %% of the medians, %.2f %% of the lowest; largest noise of one kernel over the layouts: %.2f %%.\n",
			eff * 100, effl * 100, noise
	}' "$res/no-regression.md"
	echo
	for b in "${placed[@]}"; do
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
