#!/bin/bash
# `make fresh-check`: run `make check` (or another target) the way a new user
# would, on a machine that has nothing but a minimal Debian bookworm: a clean
# chroot made with mmdebstrap (as Debian's builders prove a package builds),
# a fresh clone of this repository's HEAD inside it, and nothing from the host
# but the kernel's /proc, /sys and /dev. Everything else must come from the
# project's own files (vm/install-deps.sh).
#
#   .ci/fresh-check.sh [TARGET...]     default: check
#
# The chroot gets the host's Debian sources and the apt options that reach
# them (nothing else of apt's configuration), git and make (what the README
# asks a user to have), and the host's ccache directory (FRESH_CCACHE=0: a
# cold one of its own). Mounts live in a mount namespace of their own: they
# go away with the run, however it ends. The chroot is rebuilt on every run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=$top/build/fresh
targets=${*:-check}
die() { echo "fresh-check: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot, mounts)"
"$top/vm/install-deps.sh" --only mmdebstrap:mmdebstrap

# The host's Debian sources, in whichever format apt has them.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && grep -q '^[^#]*/debian' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "no Debian source in apt's configuration"
hooks=()
for f in /etc/apt/apt.conf.d/*; do
	grep -q '^[[:space:]]*Acquire::' "$f" 2>/dev/null &&
		hooks+=(--setup-hook="copy-in $f /etc/apt/apt.conf.d/")
done

start=$(date +%s)
rm -rf --one-file-system "$root"
mkdir -p "$(dirname "$root")"
echo "==> fresh-check: bookworm minbase chroot (+ git, make) in build/fresh"
mmdebstrap --quiet --variant=minbase --include=git,make,ca-certificates "${hooks[@]}" \
	bookworm "$root" "${sources[@]}" >"$root.log" 2>&1 ||
	{ tail -n 20 "$root.log"; die "mmdebstrap failed (log: build/fresh.log)"; }
cp /etc/resolv.conf "$root/etc/resolv.conf"

git clone -q --no-local "$top" "$root/root/project"
echo "  CLONE   $(git -C "$root/root/project" log -1 --format='%h %s')"
# The host's ccache directory (ccache's default), whether or not the host
# has ccache itself: the cache then outlives the chroot.
ccache_dir=
if [ "${FRESH_CCACHE:-1}" != 0 ]; then
	ccache_dir=${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}
	mkdir -p "$ccache_dir" "$root/root/.cache/ccache"
	echo "  CCACHE  $ccache_dir, shared into the chroot"
fi

echo "==> fresh-check: make $targets (in the chroot, as root, CI=true, no stdin)"
rc=0
unshare -m --propagation private sh -c '
	r=$1 c=$2; shift 2
	# The chroot'"'"'s / a mount point, as a machine'"'"'s is (unshare needs it).
	mount --bind "$r" "$r" &&
	mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
	mount --rbind /dev "$r/dev" || exit 1
	[ -z "$c" ] || mount --bind "$c" "$r/root/.cache/ccache" || exit 1
	exec chroot "$r" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 CI=true sh -c "cd /root/project && exec make $*"
' sh "$root" "$ccache_dir" "$targets" </dev/null || rc=$?

echo "==> fresh-check: make $targets exited $rc after $(( $(date +%s) - start )) s (build/fresh/root/project)"
summary=$root/root/project/build/summary.txt
[ ! -s "$summary" ] || cp "$summary" "$top/build/fresh-summary.txt"
exit $rc
