#!/bin/bash
# The JVM scenario: a warmed-up Java service (tests/jvm/CrService.java)
# checkpointed and restored by its own user, uid 1000, with the setcap'd criu.
#
#   criu-jvm.sh checkpoint   start it, serve, checkpoint, restore in the same
#                            boot, serve again; then checkpoint it into the
#                            host share for the next boot
#   criu-jvm.sh restore      the next boot: restore it from the share, serve
#   criu-jvm.sh bench ROUNDS time to first answer: cold start, the JDK's AOT
#                            cache, restore as uid 1000, restore as root,
#                            interleaved, ROUNDS rounds
#
# The service answers one line per request (pid, a token drawn once at
# start, its request count, how often it built its cache): a restored
# service carries these on, a restarted one starts over.
. "$(dirname "$0")/tap.sh"
jar=/tests/jvm/cr-service.jar
share=/mnt/share/jvm
criu=${CRIU:-criu}
# Serial GC: fewer threads; no perf data file in /tmp, which a reboot loses.
java=(java -XX:+UseSerialGC -Xmx256m -XX:-UsePerfData -cp "$jar")

ask() { # PORT [KEY]: one request; the answer on stdout
	busybox wget -q -T 10 -O - "http://127.0.0.1:$1/${2:+?key=$2}" 2>/dev/null
}
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; } # NAME, of an answer on stdin
answered() { # PORT: ask once; the answer in $answer
	answer=$(ask "$1") && [ -n "$answer" ]
}
# start_service WHO DIR PORT [JAVA-OPTION...]: start the service as WHO
# (0 or 1000) in DIR and wait for its first answer; sets $pid, $answer,
# $secs (from launch to the first answer).
start_service() {
	local who=$1 d=$2 port=$3 t0 run=()
	shift 3
	[ "$who" = 0 ] || run=(as_user)
	mkdir -p "$d" && chown "$who:$who" "$d"
	t0=$(now)
	# The service opens its log itself, as its user (criu reopens it so),
	# and nothing else writes there: a restore wants the size it had.
	(cd "$d" && "${run[@]}" setsid sh -c 'exec "$@" 2>service.log' sh \
		"${java[@]}" "$@" CrService "$port" </dev/null >/dev/null 2>&1 &)
	wait_for 300 answered "$port" || { diag <"$d/service.log"; return 1; }
	secs=$(calc "$(now) - $t0")
	pid=$(echo "$answer" | field pid)
}
# restore_service WHO IMG PORT [CRIU-OPTION...]: criu restore (detached) as
# WHO, then wait for the first answer; sets $rc, $answer, $secs.
restore_service() {
	local who=$1 img=$2 port=$3 t0 run=()
	shift 3
	[ "$who" = 0 ] || run=(as_user)
	t0=$(now)
	"${run[@]}" "$criu" restore -D "$img" -o restore.log -d "$@" ${CRIU_OPTS:-}
	rc=$?
	if [ $rc = 0 ]; then
		tail -n 1 "$img/restore.log" | diag
	else # what went wrong: criu's errors and what led to the first
		grep -m 1 -B 20 'Error' "$img/restore.log" 2>/dev/null | diag
		grep 'Error' "$img/restore.log" 2>/dev/null | tail -n 5 | diag
	fi
	[ $rc = 0 ] && wait_for 60 answered "$port" || return 1
	secs=$(calc "$(now) - $t0")
}
stop_service() { # PID: kill it and wait until it is gone (the PID is free)
	kill -9 "$1" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $1 2>/dev/null"
}
# carries_on OLD-ANSWER: the last answer ($answer) is the same process, one
# request further, and nothing was recomputed
carries_on() {
	local f
	for f in pid token builds startup_ms cache; do
		[ "$(echo "$answer" | field $f)" = "$(echo "$1" | field $f)" ] || return 1
	done
	[ "$(echo "$answer" | field requests)" = $(($(echo "$1" | field requests) + 1)) ]
}

checkpoint() {
	local port=8080 img=$share/img
	echo "1..8"
	rm -rf "$share" && mkdir -p "$share" && chown $USER_ID:$USER_ID "$share"
	# PIDs well past those a fresh boot uses, so that the service's and its
	# threads' are free again after the reboot (as in criu-reboot.sh).
	echo 6000 >/proc/sys/kernel/ns_last_pid
	start_service $USER_ID "$share" $port
	ok "uid $USER_ID started the service; first answer after $secs s" test -n "${pid:-}"
	[ -n "${pid:-}" ] || bail_out "the service did not start"
	diag <"$share/service.log"
	for k in 1 2 3 4 5; do answered $port; done
	echo "$answer" | diag
	ok "it answered 5 more requests, counting them" \
		[ "$(echo "$answer" | field requests)" = 6 ]

	mkdir -p "$img" && chown $USER_ID:$USER_ID "$img"
	local t0
	t0=$(now)
	as_user "$criu" dump -t "$pid" -D "$img" -o dump.log --unprivileged
	rc=$?
	if [ $rc = 0 ]; then
		echo "dump: $(calc "$(now) - $t0") s, $(du -sm "$img" | cut -f1) MB of images" | diag
	else
		grep Error "$img/dump.log" 2>/dev/null | tail -n 5 | diag
	fi
	ok "$criu dump of the service as uid $USER_ID succeeds" [ $rc = 0 ]
	local before=$answer
	intact() {
		if [ $rc = 0 ]; then
			! kill -0 "$pid" 2>/dev/null && [ -s "$img/inventory.img" ]
		else # the failed dump left it running: it answers, state intact
			answered $port && carries_on "$before"
		fi
	}
	ok "nothing lost: the service stopped with a complete checkpoint, or runs on" intact
	[ $rc = 0 ] || before=$answer
	stop_service "$pid"

	restore_service $USER_ID "$img" $port --unprivileged
	ok "$criu restore of the service as uid $USER_ID succeeds" [ $rc = 0 ]
	echo "${answer:-no answer}" | diag
	ok "its first answer carries on: same pid $pid and token, the next request, nothing rebuilt" \
		carries_on "$before"
	ok "the restored service runs as uid $USER_ID" \
		sh -c "[ \"\$(stat -c %u /proc/$pid 2>/dev/null)\" = $USER_ID ]"
	[ $rc = 0 ] && echo "restore to first answer: $secs s" | diag

	# For the next boot: checkpoint it again, into the share.
	rm -rf "$img" && mkdir -p "$img" && chown $USER_ID:$USER_ID "$img"
	answered $port
	as_user "$criu" dump -t "$pid" -D "$img" -o dump.log --unprivileged
	rc=$?
	ok "uid $USER_ID checkpointed it again for the next boot" [ $rc = 0 ]
	[ $rc != 0 ] || echo "$answer" >"$share/checkpointed"
	stop_service "$pid"
}

restore() {
	local port=8080 img=$share/img before
	echo "1..3"
	before=$(cat "$share/checkpointed" 2>/dev/null)
	ok "the previous boot left a complete checkpoint" \
		sh -c "[ -n '$before' ] && [ -s $img/inventory.img ]"
	[ -n "$before" ] || bail_out "no checkpoint from the previous boot"
	restore_service $USER_ID "$img" $port --unprivileged
	ok "$criu restore of the service as uid $USER_ID after the reboot succeeds" [ $rc = 0 ]
	echo "${answer:-no answer}" | diag
	ok "its first answer carries on from the previous boot: same pid and token, the next request" \
		carries_on "$before"
	[ $rc = 0 ] && echo "restore to first answer: $secs s" | diag
	stop_service "$(echo "$before" | field pid)"
}

# Time to first answer, each method once per round, in turn. The AOT cache
# is the JDK's own answer to slow start-up (JDK 24+): a training run writes
# it, later runs map it.
# run_method DIR METHOD: start or restore the service one way; sets $secs
run_method() {
	local w=$1
	case $2 in
	cold) start_service $USER_ID "$w/cold" 8091 ;;
	aot) start_service $USER_ID "$w/aot" 8092 -XX:AOTCache="$w/app.aot" ;;
	restore-user) restore_service $USER_ID "$w/img" 8093 --unprivileged ;;
	restore-root) restore_service 0 "$w/img" 8093 ;;
	esac
}
# restore_ms DIR METHOD: criu's own restore_time of that restore, in ms
restore_ms() {
	case $2 in restore-*) ;; *) return 0 ;; esac
	crit show "$1/img/stats-restore" 2>/dev/null | python3 -c '
import json, sys
print("%.0f" % (json.load(sys.stdin)["entries"][0]["restore"]["restore_time"] / 1000))' 2>/dev/null
}

bench() {
	local rounds=$1 w=/tmp/jvm-bench r m ms crit_ms
	rm -rf "$w" && mkdir -p "$w" && chown $USER_ID:$USER_ID "$w"
	echo "1..3"
	(cd "$w" && as_user "${java[@]}" -XX:AOTCacheOutput="$w/app.aot" CrService 8090 --train \
		</dev/null >"$w/train.log" 2>&1)
	ok "a training run wrote the AOT cache" test -s "$w/app.aot"
	start_service $USER_ID "$w/img-dir" 8093 && answered 8093
	mkdir -p "$w/img" && chown $USER_ID:$USER_ID "$w/img"
	as_user "$criu" dump -t "$pid" -D "$w/img" -o dump.log --unprivileged
	ok "uid $USER_ID checkpointed the warmed-up service" [ $? = 0 ]
	# One untimed restore each first: criu's caches warm, and the guest
	# memory the service takes already backed by the host.
	for m in restore-user restore-root; do
		run_method "$w" $m && stop_service "$(echo "$answer" | field pid)"
	done
	: >"$w/times"
	for r in $(seq "$rounds"); do
		# ABBA: every other round takes the methods the other way round.
		ms="cold aot restore-user restore-root"
		[ $((r % 2)) = 1 ] || ms="restore-root restore-user aot cold"
		for m in $ms; do
			secs=
			run_method "$w" $m
			echo "$m ${secs:-fail} $(restore_ms "$w" $m)" >>"$w/times"
			stop_service "$(echo "$answer" | field pid)"
		done
	done
	ok "every method answered in every round" sh -c "! grep -q fail $w/times"
	# The table: median and range of each method, and the ratios of medians.
	: >"$w/medians"
	echo "| time to first answer | runs | median s | min s | max s | criu's restore_time, median ms |"
	echo "|---|---|---|---|---|---|"
	for m in cold aot restore-user restore-root; do
		crit_ms=$(sed -n "s/^$m [^ ]* //p" "$w/times" | sort -n |
			awk 'NF { v[++n] = $1 } END { print n ? (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : "-" }')
		sed -n "s/^$m \([^ ]*\).*/\1/p" "$w/times" | sort -n |
			awk -v m=$m -v f="$w/medians" -v c="$crit_ms" '
			{ v[++n] = $1 }
			END {
				med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
				printf "| %s | %d | %.2f | %.2f | %.2f | %s |\n", m, n, med, v[1], v[n], c
				print m, med >>f
			}'
	done
	awk '{ med[$1] = $2 } END {
		printf "\nrestore as uid 1000 / cold start: %.3f; / AOT cache: %.3f; / restore as root: %.3f\n",
			med["restore-user"] / med["cold"], med["restore-user"] / med["aot"],
			med["restore-user"] / med["restore-root"] }' "$w/medians"
	tap_exit
}

case ${1:-} in
checkpoint) checkpoint ;;
restore) restore ;;
bench) bench "${2:-5}" ;;
*) echo "usage: $0 checkpoint|restore|bench [ROUNDS]" >&2; exit 2 ;;
esac
tap_exit
