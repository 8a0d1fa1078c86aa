# Shared by the shell tests: TAP output and running things as the ordinary user.
# Source it; each test prints "1..N" itself.

tap_n=0 tap_failed=0
ok() { # description, then a command that succeeds when the check holds
	tap_n=$((tap_n + 1))
	local d=$1; shift
	if "$@"; then echo "ok $tap_n $d"; else echo "not ok $tap_n $d"; tap_failed=1; fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }
tap_exit() { exit $tap_failed; }

# Run a command as uid 1000 with no capability of its own: only file
# capabilities (criu's) can give it any.
USER_ID=1000
as_user() {
	setpriv --reuid=$USER_ID --regid=$USER_ID --clear-groups --inh-caps=-all \
		env HOME=/home/user XDG_RUNTIME_DIR=/tmp/user-run "$@"
}
mkdir -p /tmp/user-run && chown $USER_ID:$USER_ID /tmp/user-run

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local t=$(( $1 * 10 )); shift
	while [ $t -gt 0 ]; do "$@" && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

# Timings: seconds with milliseconds, and arithmetic on them.
now() { date +%s.%N | cut -c1-14; }
calc() { awk "BEGIN { print $1 }"; }
