# Shared by the shell tests: TAP output and running things as the ordinary user.
# Source it; each test prints "1..N" itself.

tap_n=0 tap_failed=0
ok() { # description, then a command that succeeds when the check holds
	tap_n=$((tap_n + 1))
	local d=$1; shift
	if "$@"; then echo "ok $tap_n $d"; else echo "not ok $tap_n $d"; tap_failed=1; fi
}
diag() { sed 's/^/# /'; }
tap_exit() { exit $tap_failed; }
# bail_out REASON: stop here; the judge accepts it only on a control kernel
# after failures that were all required there (the cases left depend on them).
bail_out() { echo "Bail out! $*"; exit 1; }

# Run a command as uid 1000 with no capability of its own: only file
# capabilities (criu's) can give it any.
USER_ID=1000
as_user() {
	setpriv --reuid=$USER_ID --regid=$USER_ID --clear-groups --inh-caps=-all \
		env HOME=/home/user XDG_RUNTIME_DIR=/tmp/user-run "$@"
}
mkdir -p /tmp/user-run && chown $USER_ID:$USER_ID /tmp/user-run

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds. COMMAND is run
# again each time: put what must be re-read in a function, not in $(...).
wait_for() {
	local t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

# Timings: seconds with milliseconds, and arithmetic on them.
now() { date +%s.%N | cut -c1-14; }
calc() { awk "BEGIN { print $1 }"; }

# Jobs that check themselves (cr-state, cr-seccomp): they write DIR/ready,
# and DIR/report on SIGUSR1.
#
# start_job WHO DIR PROGRAM [ARG...]: start it as uid WHO in its own session, wait
# until it is ready; sets $pid, $pids (all its processes) and $run (the
# prefix that runs a command as WHO).
start_job() {
	local who=$1 w=$2 prog=$3
	shift 3
	rm -rf "$w" && mkdir -p "$w/img" && chown -R "$who:$who" "$w"
	if [ "$who" = 0 ]; then run=(); else run=(as_user); fi
	"${run[@]}" setsid "$prog" "$w" "$@" </dev/null >/dev/null 2>&1 &
	wait_for 10 test -s "$w/ready" || return 1
	read -r -a pids <"$w/ready"
	pid=${pids[0]}
}

# ask_report DIR: have the job check itself; the report lands in DIR/report.
# A signal that arrives before the job waits for it is lost: send again.
ask_report() {
	local w=$1 i
	rm -f "$w/report"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -USR1 "$pid" 2>/dev/null || return 1
		wait_for 1 grep -qx done "$w/report" 2>/dev/null && return 0
	done
	return 1
}

# The counting job (criu-counter, criu-reboot, criu-shell-job): a shell loop
# in DIR that writes its PID to DIR/pid, then "TOKEN COUNT" to DIR/count
# every tick. TOKEN is drawn at random once, at start, and lives only in the
# loop's memory: a job started again instead of restored would write another
# token, and count from 1.
counter_loop='echo $$ >pid
t=$(od -An -N8 -tx8 /dev/urandom | tr -d " ")
i=0
while :; do i=$((i + 1)); echo "$t $i" >count.new; mv count.new count; sleep 0.05; done'
# counter_start DIR: start it as uid 1000 in its own session; sets $pid, $token
counter_start() {
	(cd "$1" && as_user setsid sh -c "$counter_loop" </dev/null >/dev/null 2>&1 &)
	wait_for 10 count_above "$1/count" 0 || return 1
	pid=$(cat "$1/pid") token=$(token_of "$1/count")
}
# The file is replaced by rename at every tick; over 9p a read can still
# come back empty now and then: read until there is a whole line.
count_line() {
	local l i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		l=$(cat "$1" 2>/dev/null) && [ "${l#* }" != "$l" ] && { echo "$l"; return 0; }
		sleep 0.02
	done
	return 1
}
count_of() { count_line "$1" | awk '{ print $2 }'; }
token_of() { count_line "$1" | awk '{ print $1 }'; }
# count_above FILE N: the count in FILE is above N (for wait_for)
count_above() { [ "$(count_of "$1" || true)" -gt "$2" ] 2>/dev/null; }
# resumed FILE TOKEN STOPPED: the job that writes FILE is the one that wrote
# TOKEN, and counts on past STOPPED
resumed() {
	[ "$(token_of "$1")" = "$2" ] && count_above "$1" $(($3 - 1)) &&
		wait_for 5 count_above "$1" $(($3 + 2)) && [ "$(token_of "$1")" = "$2" ]
}
