#!/bin/sh
# An extra cpio archive for the guest: the files that installing Debian
# trixie packages adds to the guest's root filesystem (never a replacement of
# one it has). Only the boots whose plan asks for it ("image NAME":
# build/NAME.cpio) append it to their initramfs, so the other boots stay as
# small and fast as before.
#
#   vm/mkpkg.sh ROOTFS OUT.cpio PACKAGES CHECK-COMMAND...
#
# PACKAGES: one or more, separated by spaces (one argument). CHECK-COMMAND
# runs in the chroot with the added files only, and must succeed
# (java -version, trinity --help).
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
{ "$guest" apt "$work" update && "$guest" apt "$work" install $pkgs; } >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "installing $pkgs failed"; }

# What the install created (ctime: dpkg keeps the packages' mtimes), without
# apt's caches. The archive only adds files: one the guest already has
# (ld.so's cache, dpkg's database, logs) gets the guest's copy back and stays
# out. A boot with the archive then maps the same /etc/ld.so.cache as a boot
# without it, and criu restores in one a process it dumped in the other
# (it refuses a mapped file whose size changed). CHECK-COMMAND runs after
# that, so it proves the packages work with the guest's own copies.
list=$out.files
(cd "$work" && find . -cnewer .before-pkg ! -path ./.before-pkg \
	! -path './var/cache/apt/*' ! -path './var/lib/apt/lists/*' ! -path './proc/*') |
while IFS= read -r f; do
	# Listed: what the guest lacks, and its directories (for what is new in
	# them); any other file of the guest's gets its own copy back.
	if { [ -e "$rootfs/$f" ] || [ -L "$rootfs/$f" ]; } &&
		{ [ ! -d "$rootfs/$f" ] || [ -L "$rootfs/$f" ]; }; then
		rm -rf "${work:?}/$f" && cp -a "$rootfs/$f" "$work/$f"
	else
		echo "$f"
	fi
done >"$list"
"$guest" run "$work" "$@" >>"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "'$*' does not run with the guest's own files"; }
(cd "$work" && cpio -o -H newc --quiet <"$list") >"$out.tmp"
mv "$out.tmp" "$out"
rm -f "$list"
"$guest" drop "$work"
