#!/bin/sh
# An extra cpio archive for the guest: what installing Debian trixie packages
# adds to (or changes in) the guest's root filesystem. Only the boots whose
# plan asks for it ("image NAME": build/NAME.cpio) append it to their
# initramfs, so the other boots stay as small and fast as before.
#
#   vm/mkpkg.sh ROOTFS OUT.cpio PACKAGES CHECK-COMMAND...
#
# PACKAGES: one or more, separated by spaces (one argument). CHECK-COMMAND
# runs in the chroot after the install and must succeed (java -version,
# trinity --version).
set -eu
rootfs=$1 out=$2 pkgs=$3
shift 3
work=$out.root
log=$out.log
die() { echo "mkpkg: $*" >&2; exit 1; }

# A throwaway copy of the guest; the marker tells what the install touched.
rm -rf --one-file-system "$work"
mkdir -p "$work" && cp -a "$rootfs/." "$work"
touch "$work/.before-pkg"
sleep 1
echo "  IMAGE   $pkgs into a copy of the guest (log: $log)"
# Maintainer scripts (the JRE's run java) want /proc: mounted in a mount
# namespace of its own, it goes away with the install however that ends.
# apt in the copy reads the guest's own sources (vm/mkrootfs.sh wrote them
# from the host's apt configuration).
# shellcheck disable=SC2086 # one word per package
unshare -m sh -c 'w=$1 p=$2; shift 2
	mount -t proc proc "$w/proc" && chroot "$w" apt-get update &&
	chroot "$w" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $p &&
	exec chroot "$w" "$@"' sh "$work" "$pkgs" "$@" >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "installing $pkgs failed, or '$*' does not run"; }

# Everything created or changed after the marker (ctime: dpkg keeps the
# packages' mtimes), but not apt's caches: files, the
# directories they go into, and the few files the install changed (ld.so's
# cache, dpkg's database). The archive is appended after the rootfs one, so
# its copies of changed files win.
(cd "$work" && find . -cnewer .before-pkg ! -path ./.before-pkg \
	! -path './var/cache/apt/*' ! -path './var/lib/apt/lists/*' ! -path './proc/*' |
	cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf --one-file-system "$work"
