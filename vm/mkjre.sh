#!/bin/sh
# The Java runtime for the JVM scenario, as a cpio archive of its own: what
# installing Debian trixie's headless JRE adds to (or changes in) the guest's
# root filesystem. Only the boots whose plan asks for it ("image jre") append
# it to their initramfs, so the other boots stay as small and fast as before.
#
#   vm/mkjre.sh ROOTFS OUT.cpio
set -eu
rootfs=$1 out=$2
pkg=${JRE_PACKAGE:-openjdk-25-jre-headless}
work=$out.root
log=$out.log
die() { echo "mkjre: $*" >&2; exit 1; }

# A throwaway copy of the guest; the marker tells what the install touched.
rm -rf --one-file-system "$work"
cp -a "$rootfs" "$work"
touch "$work/.before-jre"
sleep 1
echo "  JRE     $pkg into a copy of the guest (log: $log)"
# The JRE's maintainer scripts run java, which wants /proc: mounted in a
# mount namespace of its own, it goes away with the install however that ends.
unshare -m sh -c 'mount -t proc proc "$1/proc" && chroot "$1" apt-get update &&
	chroot "$1" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "$2" &&
	exec chroot "$1" java -version' sh "$work" "$pkg" >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "installing $pkg failed, or java does not run"; }

# Everything created or changed after the marker (ctime: dpkg keeps the
# packages' mtimes), but not apt's caches: files, the
# directories they go into, and the few files the install changed (ld.so's
# cache, dpkg's database). The archive is appended after the rootfs one, so
# its copies of changed files win.
(cd "$work" && find . -cnewer .before-jre ! -path ./.before-jre \
	! -path './var/cache/apt/*' ! -path './var/lib/apt/lists/*' ! -path './proc/*' |
	cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf --one-file-system "$work"
