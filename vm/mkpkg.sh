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
guest=$(dirname "$0")/guest-copy.sh
rootfs=$1 out=$2 pkgs=$3
shift 3
work=$out.root
log=$out.log
die() { echo "mkpkg: $*" >&2; exit 1; }

# A throwaway copy of the guest; the marker tells what the install touched.
"$guest" new "$rootfs" "$work"
touch "$work/.before-pkg"
sleep 1
echo "  IMAGE   $pkgs into a copy of the guest (log: $log)"
# apt in the copy reads the guest's own sources (vm/mkrootfs.sh wrote them
# from the host's apt configuration).
# shellcheck disable=SC2086 # one word per package
{ "$guest" apt "$work" update && "$guest" apt "$work" install $pkgs &&
  "$guest" run "$work" "$@"; } >"$log" 2>&1 ||
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
"$guest" drop "$work"
