#!/bin/bash
# The fuzzing boot (vm/testplan.fuzz): an ordinary user holding only
# CAP_CHECKPOINT_RESTORE fuzzes the paths the series changes, while a
# process of another user (the sentinel: uid 2000, a terminal with locked
# termios, System V IPC objects, a token in its memory) looks on. Pass: the
# kernel log stays clean (the judge's scan), the guest stays up, and the
# sentinel is unchanged at the end.
#
#   cr-fuzz.sh start              start the sentinel (as root, then uid 2000)
#   cr-fuzz.sh fuzz SEED CALLS [PATH]  tests/cr-fuzz.c, every path (or PATH), CALLS calls each
#   cr-fuzz.sh trinity SEED CALLS trinity on the series' system calls
#   cr-fuzz.sh check              the sentinel is as it was
#
# The seed is printed; the same SEED replays the same calls (cr-fuzz: exactly,
# per path; trinity: the same choices, in a different interleaving).
. /tests/tap.sh
w=/run/cr-fuzz
fuzz_user() { # a copy of PROGRAM with only CAP_CHECKPOINT_RESTORE, as uid 1000
	local prog=$1; shift
	cp "$prog" "/tmp/$(basename "$prog")-cr" && chmod 755 "/tmp/$(basename "$prog")-cr" &&
		setcap cap_checkpoint_restore+ep "/tmp/$(basename "$prog")-cr" || return 1
	as_user "/tmp/$(basename "$prog")-cr" "$@"
}
sentinel_pid() { read -r spid _ 2>/dev/null <"$w/ready" && echo "$spid"; }

case $1 in
start)
	echo "1..2"
	rm -rf "$w" && mkdir -p "$w" && chmod 755 "$w"
	# its own directory, writable by uid 2000 only
	mkdir "$w/s" && chown 2000:2000 "$w/s"
	setsid /tests/cr-fuzz sentinel "$w/s" </dev/null >"$w/sentinel.log" 2>&1 &
	ok "the sentinel of uid 2000 is up" wait_for 10 test -s "$w/s/ready"
	cp "$w/s/ready" "$w/ready"
	read -r spid pts shm msq sem <"$w/ready"
	echo "# sentinel: pid $spid, terminal $pts, shm $shm, msg $msq, sem $sem"
	ps -o pid,uid,stat,cmd -p "$spid" | diag
	kill -USR1 "$spid"
	ok "it checks itself: all well before the fuzzing" \
		wait_for 10 grep -qx done "$w/s/report"
	grep -v '^done$' "$w/s/report" | diag
	! grep -q '^not ok' "$w/s/report" || tap_failed=1
	tap_exit ;;
fuzz)
	seed=$2 calls=$3 only=${4:+-p $4} spid=$(sentinel_pid)
	# The administrator's switch flips under the fuzzer, as it may
	# (CR_FUZZ_FLIP=0: not here; tests/ksft-loop.sh flips it itself).
	sw=/proc/sys/kernel/seccomp/checkpoint_restore
	old=$(cat $sw 2>/dev/null)
	if [ -n "$old" ] && [ "${CR_FUZZ_FLIP:-1}" != 0 ]; then
		( while :; do echo 0 >$sw; sleep 0.3; echo 1 >$sw; sleep 0.7; done ) &
		flip=$!
	fi
	mkdir -p /tmp/cr-fuzz && chown 1000:1000 /tmp/cr-fuzz && cd /tmp/cr-fuzz &&
	fuzz_user /tests/cr-fuzz run -s "$seed" -n "$calls" $only ${spid:+-t "$spid"} -t 1
	rc=$?
	[ -z "${flip:-}" ] || { kill "$flip"; wait "$flip" 2>/dev/null; echo "$old" >$sw; }
	exit $rc ;;
trinity)
	seed=$2 calls=$3
	echo "1..2"
	command -v trinity >/dev/null || bail_out "no trinity: the plan needs 'image trinity'"
	# The series' system calls, those this trinity knows (trinity -L).
	want="clone3 prctl ptrace ioctl seccomp open openat write readlink readlinkat"
	known=$(trinity -L 2>/dev/null)
	calls_to=() missing=
	for s in $want; do
		if grep -qw -- "$s" <<<"$known"; then calls_to+=(-c "$s"); else missing="$missing $s"; fi
	done
	echo "# trinity: seed $seed, $calls calls of:${calls_to[*]//-c/}${missing:+ (this trinity does not know:$missing)}"
	mkdir -p /tmp/trinity && chown 1000:1000 /tmp/trinity && cd /tmp/trinity || exit 1
	s=$(date +%s)
	# -V: the files it may write to; /proc/sys/kernel holds ns_last_pid and
	# the *_next_id sysctls.
	fuzz_user "$(command -v trinity)" -q -l off -a64 -C 2 -s "$seed" -N "$calls" \
		-V /proc/sys/kernel "${calls_to[@]}" >/tmp/trinity.out 2>&1
	rc=$?
	tail -n 15 /tmp/trinity.out | diag
	echo "# trinity exited $rc after $(( $(date +%s) - s )) s"
	ok "trinity ran its calls (uid 1000, only CAP_CHECKPOINT_RESTORE)" [ $rc = 0 ]
	# trinity stops early when it sees the kernel tainted (a BUG, a WARNING)
	ok "it did not find the kernel tainted" eval '! grep -qi "tainted" /tmp/trinity.out'
	tap_exit ;;
check)
	echo "1..3"
	[ -s "$w/ready" ] || bail_out "no sentinel: cr-fuzz.sh start did not run"
	read -r spid pts shm msq sem <"$w/ready"
	ok "the sentinel is alive, still uid 2000, under the same PID" \
		eval "[ \"\$(awk '/^Uid:/ { print \$2 \$3 \$4 \$5 }' /proc/$spid/status 2>/dev/null)\" = 2000200020002000 ]"
	ok "its exe link is still the fuzzer's binary" \
		eval "readlink /proc/$spid/exe | grep -q /tests/cr-fuzz"
	kill -USR1 "$spid"
	wait_for 10 grep -qx done "$w/s/report"
	grep -v '^done$' "$w/s/report" | diag
	ok "it finds its terminal, IPC objects and memory as it left them" \
		eval "grep -q '^ok' '$w/s/report' && ! grep -q '^not ok' '$w/s/report'"
	tap_exit ;;
*)
	echo "usage: cr-fuzz.sh start|fuzz SEED CALLS [PATH]|trinity SEED CALLS|check" >&2
	exit 2 ;;
esac
