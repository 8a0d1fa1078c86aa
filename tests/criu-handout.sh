#!/bin/bash
# CRIU scenario: a setcap'd criu must not hand its capability to the user who
# runs it (issue 13). As uid 1000, with nothing but the criu under test:
#
#   criu-handout.sh [CRIU]     CRIU (or $CRIU): criu (Debian's, the default)
#                              or criu-patched (criu/patches)
#
# - crafted image: a sleep is dumped, crit sets cap_checkpoint_restore (bit
#   40) in cap_inh, cap_prm and cap_eff of its thread's creds, and uid 1000
#   restores it;
# - crafted image: crit puts a guard entry (VMA_AREA_GUARD, which criu writes
#   only after every real mapping) after the first mapping of a sleep's
#   mm-PID.img; the restorer's bootstrap hint stops at the first guard entry,
#   so the mappings after it are not kept clear of the restorer's own code
#   and stack, and criu must refuse the image;
# - plugins: a .so of the user's own (tests/cr-plugin.c, its constructor
#   copies /proc/self/status out) named by CRIU_LIBS_DIR, by --libdir, and by
#   "libdir" in a configuration file the user writes (CRIU_CONFIG_FILE,
#   ~/.criu/default.conf);
# - an action script, which criu runs as a program of its own: it must get
#   neither criu's capability nor its descriptors (no hole, in either criu);
# - an rseq abort handler of the user's (tests/cr-rseq.c): an honest image of
#   a job whose rseq area lives in a page another process of the user writes
#   to; that process points the area's rseq_cs at the restorer, so the
#   restorer, once it has registered the area, comes back from its next sleep
#   in the user's handler, which records the restorer's capability sets;
# - a lazy restore (--lazy-pages), whose userfaultfd would go to the user;
# - a two-threaded job whose second thread the user's image makes wait in a
#   log write (a FIFO of the user's) before it drops criu's capability,
#   while the leader has dropped it: the process's memory must stay closed
#   to the user (tests/cr-threads.c);
# - an honest round trip, which must still work, the restored process with
#   the capability sets of the original.
#
# With Debian's criu the hole shows: the crafted-image, guard-mapping, plugin,
# rseq, lazy-pages and threads cases fail (the negative control); with
# criu-patched every case passes.
. "$(dirname "$0")/tap.sh"
criu=${1:-${CRIU:-criu}}
plugin=$(dirname "$0")/cr-plugin.so
rseq=$(dirname "$0")/cr-rseq
threads=$(dirname "$0")/cr-threads
w=/tmp/handout
echo "1..22"

rm -rf $w && mkdir -p $w/x && chown -R $USER_ID:$USER_ID $w
echo "# $criu: $(command -v "$criu"), $(getcap "$(command -v "$criu")" | sed 's/.* //')"

status_caps() { grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' "$@"; }
# What uid 1000 holds on its own: the sets of a process without file capabilities.
user_caps=$(as_user cat /proc/self/status | status_caps)
echo "$user_caps" | tr '\t' ' ' | paste -sd' ' | sed 's/^/uid 1000 on its own: /' | diag
# exceeds STATUS-LINES: some set holds a capability uid 1000 does not hold
exceeds() {
	local set mine theirs
	for set in CapInh CapPrm CapEff CapAmb CapBnd; do
		mine=$(sed -n "s/^$set:[[:space:]]*//p" <<<"$1")
		theirs=$(sed -n "s/^$set:[[:space:]]*//p" <<<"$user_caps")
		[ -n "$mine" ] || continue
		[ $((16#$mine & ~16#$theirs)) = 0 ] || return 0
	done
	return 1
}

# crit_edit DIR IMAGE CODE: as uid 1000, with crit (the user's own tool),
# decode DIR/img/IMAGE, run the python CODE on it (d: the decoded image),
# and encode it back
crit_edit() {
	as_user crit decode -i "$1/img/$2" -o "$1/$2.json" &&
	as_user python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$3
json.dump(d, open(sys.argv[1], 'w'))" "$1/$2.json" &&
	as_user crit encode -i "$1/$2.json" -o "$1/img/$2"
}

# start_sleep DIR SECONDS: uid 1000 starts a sleep in its own session; sets
# $pid from the job's own pid file
start_sleep() {
	rm -rf "$1" && mkdir -p "$1/img" && chown -R $USER_ID:$USER_ID "$1"
	(cd "$1" && as_user setsid sh -c 'echo $$ >pid; exec sleep "$0"' "$2" </dev/null >/dev/null 2>&1 &)
	wait_for 5 test -s "$1/pid"
	pid=$(cat "$1/pid")
}

# Without the capability in the kernel (the baseline), there is nothing to
# hand out and nothing here means anything.
ok "the kernel has CAP_CHECKPOINT_RESTORE to hand out (cap_last_cap >= 40)" \
	[ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 40 ]
[ "$(cat /proc/sys/kernel/cap_last_cap)" -ge 40 ] || bail_out "no capability 40 in this kernel"

# --- crafted image ---------------------------------------------------------
dir=$w/crafted
start_sleep $dir 1001
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged )
rc=$?
grep -h Error $dir/img/dump.log | head -n 3 | diag
ok "crafted image: dump of a sleep as uid 1000" [ $rc = 0 ]

# The user edits their own image with crit, as anyone can.
craft() {
	[ $rc = 0 ] && crit_edit $dir core-$pid.img '
for e in d["entries"]:
	creds = e["thread_core"]["creds"]
	for k in ("cap_inh", "cap_prm", "cap_eff"):
		creds[k][1] |= 1 << (40 - 32)' &&
	as_user crit decode -i $dir/img/core-$pid.img -o $dir/check.json &&
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not all(e["thread_core"]["creds"][k][1] & (1 << 8)
		 for e in d["entries"] for k in ("cap_inh", "cap_prm", "cap_eff")))' $dir/check.json
}
ok "crafted image: crit sets cap_checkpoint_restore in cap_inh, cap_prm and cap_eff" craft

rrc=1
if [ $rc = 0 ]; then
	( cd $dir && as_user $criu restore -D img -o restore.log --unprivileged -d )
	rrc=$?
fi
crafted=""
if [ $rrc = 0 ] && kill -0 $pid 2>/dev/null; then
	crafted=$(status_caps /proc/$pid/status)
	echo "# restored from the crafted image (pid $pid):"
	echo "$crafted" | diag
else
	echo "# $criu restore of the crafted image exited $rrc; its errors:"
fi
grep -h Error $dir/img/restore.log 2>/dev/null | head -n 4 | diag
held_only() { ! { [ -n "$crafted" ] && exceeds "$crafted"; }; }
ok "crafted image: the restored process holds no capability the user did not have" held_only
refused() { [ $rrc != 0 ] && grep -q cap_checkpoint_restore $dir/img/restore.log; }
ok "crafted image: criu refuses it, naming cap_checkpoint_restore" refused
kill -9 $pid 2>/dev/null

# --- crafted image: a guard mapping among the others ------------------------
dir=$w/guard
start_sleep $dir 1004
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged )
rc=$?
grep -h Error $dir/img/dump.log | head -n 3 | diag
# craft_guard: a guard entry (status 1<<16) over the first page of the first
# mapping, inserted right after it: the list stays sorted by start
craft_guard() {
	[ $rc = 0 ] && crit_edit $dir mm-$pid.img '
num = lambda x: x if isinstance(x, int) else int(x, 0)
as_in = lambda x, like: x if isinstance(like, int) else hex(x)
vmas = d["entries"][0]["vmas"]
g = dict(vmas[0], pgoff=0, shmid=0, fd=-1,
	 end=as_in(num(vmas[0]["start"]) + 4096, vmas[0]["end"]),
	 status=as_in(1 << 16, vmas[0]["status"]))        # VMA_AREA_GUARD
g.pop("madv", None)
vmas.insert(1, g)' &&
	as_user crit decode -i $dir/img/mm-$pid.img -o $dir/check.json &&
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = d["entries"][0]["vmas"][1]["status"]
sys.exit((st if isinstance(st, int) else int(st, 0)) != 1 << 16)' $dir/check.json
}
rrc=1
if craft_guard; then
	( cd $dir && as_user $criu restore -D img -o restore.log --unprivileged -d )
	rrc=$?
	if [ $rrc = 0 ] && kill -0 $pid 2>/dev/null; then
		echo "# $criu restored the image with a guard entry after the first mapping (pid $pid)"
	else
		echo "# $criu restore of the image with a guard entry after the first mapping exited $rrc; its errors:"
	fi
	grep -h Error $dir/img/restore.log 2>/dev/null | head -n 4 | diag
else
	echo "# dump exited $rc, or crit could not insert the guard entry"
fi
guard_refused() { [ $rrc != 0 ] && grep -q "mapping 2 .*is a real mapping after a guard entry" $dir/img/restore.log; }
ok "crafted image: a guard mapping among the others is refused" guard_refused
kill -9 $pid 2>/dev/null

# --- the user's plugin ------------------------------------------------------
dir=$w/plugin
start_sleep $dir 1002
cp "$plugin" $w/x/cr-plugin.so && chown $USER_ID:$USER_ID $w/x/cr-plugin.so
printf 'libdir %s\n' $w/x >$w/x/criu.conf && chown $USER_ID:$USER_ID $w/x/criu.conf

# plugin_cases WHAT ENV... -- CRIU-OPTION...: dump (leaving the sleep running)
# with the plugin named that way
plugin_cases() {
	local what=$1 env=() out=$w/x/status err
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	rm -rf $dir/img/* $out
	( cd $dir && as_user env "${env[@]}" CR_PLUGIN_OUT=$out \
		$criu dump -t $pid -D img -o dump.log --unprivileged --leave-running "$@" ) >$dir/stderr 2>&1
	rc=$?
	err=$(cat $dir/stderr $dir/img/dump.log 2>/dev/null | grep -h Error | head -n 2)
	if [ -s $out ]; then
		echo "# $what: the plugin ran inside criu (dump exited $rc) with:"
		status_caps $out | diag
	else
		echo "# $what: the plugin did not run; criu exited $rc:"
	fi
	echo "$err" | diag
	no_cap() { ! { [ -s $out ] && exceeds "$(status_caps $out)"; }; }
	ok "plugin via $what: the user's code does not run with criu's capability" no_cap
	said_why() { [ $rc != 0 ] && [ ! -e $out ] && grep -q AT_SECURE <<<"$err"; }
	ok "plugin via $what: criu refuses it and says why" said_why
}
plugin_cases CRIU_LIBS_DIR CRIU_LIBS_DIR=$w/x --
plugin_cases --libdir -- --libdir $w/x
plugin_cases CRIU_CONFIG_FILE CRIU_CONFIG_FILE=$w/x/criu.conf --
mkdir -p /home/user/.criu && cp $w/x/criu.conf /home/user/.criu/default.conf &&
	chown -R $USER_ID:$USER_ID /home/user/.criu
# shellcheck disable=SC2088 # a name, not a path
plugin_cases "~/.criu/default.conf" --
rm -rf /home/user/.criu

# --- an action script: a program of the user's, run by criu -----------------
cat >$w/x/script.sh <<EOF
#!/bin/sh
[ "\$CRTOOLS_SCRIPT_ACTION" = pre-dump ] || exit 0
cat /proc/self/status >$w/x/script.status
ls /proc/self/fd >$w/x/script.fds
EOF
chmod 755 $w/x/script.sh && chown $USER_ID:$USER_ID $w/x/script.sh
rm -rf $dir/img/*
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged --leave-running \
	--action-script $w/x/script.sh )
rc=$?
echo "# action script (dump exited $rc): descriptors $(paste -sd' ' $w/x/script.fds 2>/dev/null)"
status_caps $w/x/script.status 2>/dev/null | diag
# ls may list its own descriptor of /proc/self/fd, 3.
script_clean() {
	[ -s $w/x/script.status ] && [[ "$(paste -sd' ' $w/x/script.fds)" == "0 1 2"?(" 3") ]] &&
		! exceeds "$(status_caps $w/x/script.status)"
}
ok "action script: runs without criu's capability, with only stdin, stdout, stderr" script_clean
kill -9 $pid 2>/dev/null

# --- the user's rseq abort handler in the restorer ---------------------------
dir=$w/rseq
rm -rf $dir && mkdir -p $dir/img && chown -R $USER_ID:$USER_ID $dir
(cd $dir && as_user setsid $rseq $dir </dev/null >/dev/null 2>&1 &)
wait_for 5 test -s $dir/ready
pid=$(cat $dir/ready)
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged )
rc=$?
grep -h Error $dir/img/dump.log 2>/dev/null | head -n 3 | diag
# The racer marks the page, holds criu (the user's own process) once it has
# forked the job, and waits for the restorer to register the area. The
# restore either finishes (no handler ran) or is caught in the handler,
# which never returns: wait for one or the other, then end what is left.
(cd $dir && as_user setsid $rseq $dir --race </dev/null &) >$dir/race.out 2>&1
wait_for 5 grep -qs racing $dir/race.out
( cd $dir && as_user timeout -s KILL 60 $criu restore -D img -o restore.log -v4 --unprivileged -d ) \
	2>$dir/restore.err &
rrc_pid=$!
rseq_settled() { [ -e $dir/result ] || ! kill -0 $rrc_pid 2>/dev/null; }
wait_for 30 rseq_settled
crpid=$(awk '{ print $4 }' /proc/$pid/stat 2>/dev/null)
[ -e $dir/result ] && [ -n "$crpid" ] && [ "$crpid" != 1 ] && kill -9 $crpid $pid 2>/dev/null
wait $rrc_pid
rrc=$?
kill -9 $(awk '/^racing/ { print $2 }' $dir/race.out) 2>/dev/null
echo "# dump exited $rc, restore $rrc"
grep -h -E "Error|rseq_abi_pointer" $dir/img/restore.log 2>/dev/null | head -n 4 | diag
if [ -e $dir/result ]; then
	echo "# the user's abort handler ran in the restorer with:"
	status_caps $dir/result | diag
else
	echo "# the user's abort handler did not run in the restorer"
fi
rseq_clean() { [ $rc = 0 ] && ! { [ -e $dir/result ] && exceeds "$(status_caps $dir/result)"; }; }
ok "rseq: the user's abort handler does not run in the restorer with criu's capability" rseq_clean
kill -9 $pid 2>/dev/null

# --- lazy pages: the restored task's userfaultfd goes to the user's listener --
# A lazy restore sends a userfaultfd of the task to whoever listens on
# lazy-pages.socket in the work directory, the user's: its holder can fill
# the restorer's memory before the credentials drop. criu must refuse it
# before it looks at any image.
dir=$w/lazy
as_user mkdir -p $dir/img
( cd $dir && as_user $criu restore -D img -o restore.log --unprivileged --lazy-pages -d )
grep -h Error $dir/img/restore.log | head -n 2 | diag
ok "lazy pages: criu refuses --lazy-pages and says why" \
	grep -q "Refusing --lazy-pages.*AT_SECURE" $dir/img/restore.log

# --- threads: the memory open while a thread holds criu's capability --------
# A process's threads drop criu's capabilities one by one, in one memory.
# The user's image narrows the second thread's bounding set under
# no_new_privs, so that thread logs a warning just before its capset();
# criu's log is a FIFO that the user's watcher (tests/cr-threads.c) has
# filled by then, so the thread waits there with the capability while the
# leader has dropped it. Can the user open the memory through the leader?
dir=$w/threads
start_job $USER_ID $dir $threads || bail_out "the two-threaded job did not start"
read -r _ tid <$dir/ready
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged )
rc=$?
grep -h Error $dir/img/dump.log | head -n 3 | diag
craft_threads() {
	[ $rc = 0 ] && crit_edit $dir core-$tid.img '
creds = d["entries"][0]["thread_core"]["creds"]
creds["cap_bnd"][0] &= ~1        # CAP_CHOWN: criu cannot drop it, so it warns
creds["no_new_privs"] = True'
}
wrc=2 rrc=1
if craft_threads; then
	rm -f $dir/img/restore.log && as_user mkfifo $dir/img/restore.log
	as_user $threads $dir --watch $dir/img/restore.log >$dir/watch.out 2>&1 &
	watcher=$!
	wait_for 5 grep -qs watching $dir/watch.out
	( cd $dir && as_user timeout -s KILL 120 $criu restore -D img -o restore.log --unprivileged -d )
	rrc=$?
	wait $watcher
	wrc=$?
else
	echo "# dump exited $rc, or crit could not narrow thread $tid's bounding set"
fi
echo "# restore exited $rrc; the watcher (exit $wrc):"
grep -v '^watching$' $dir/watch.out | diag
[ $wrc = 0 ] || { echo "# criu's log:"; grep -v '^#*$' $dir/criu.log | tail -n 5 | diag; }
ok "threads: the memory stays closed to the user while a thread holds criu's capability" [ $wrc = 0 ]
thread_clean() {
	[ $rrc = 0 ] && [ -r /proc/$pid/task/$tid/status ] &&
		! exceeds "$(status_caps /proc/$pid/task/$tid/status)"
}
ok "threads: the restored threads hold no capability the user did not have" thread_clean
kill -9 $pid 2>/dev/null

# --- an honest round trip ---------------------------------------------------
dir=$w/honest
start_sleep $dir 1003
before=$(status_caps /proc/$pid/status)
( cd $dir && as_user $criu dump -t $pid -D img -o dump.log --unprivileged )
rc=$?
grep -h Error $dir/img/dump.log | head -n 3 | diag
ok "honest round trip: dump of a sleep as uid 1000" [ $rc = 0 ]
rrc=1
if [ $rc = 0 ]; then
	( cd $dir && as_user $criu restore -D img -o restore.log --unprivileged -d )
	rrc=$?
	grep -h Error $dir/img/restore.log | head -n 4 | diag
fi
restored() { [ $rrc = 0 ] && kill -0 $pid 2>/dev/null; }
ok "honest round trip: restore as uid 1000, same PID $pid" restored
after=""
restored && after=$(status_caps /proc/$pid/status)
echo "# the sleep before the dump (pid $pid):"
echo "$before" | diag
if [ -n "$after" ]; then
	echo "# restored from the honest image:"
	echo "$after" | diag
fi
same_caps() { restored && [ -n "$after" ] && [ "$before" = "$after" ]; }
ok "honest round trip: the restored process has the original's capability sets" same_caps
kill -9 $pid 2>/dev/null
tap_exit
