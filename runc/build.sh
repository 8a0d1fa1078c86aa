#!/bin/sh
# Build runc from Debian's source package, with Debian's patches and then
# those in runc/patches, inside a throwaway copy of the guest's root
# filesystem, as Debian builds it (dh-golang, against the guest's golang-*
# packages), so that it matches the guest's own runc but for our patches.
# The source comes from the mirror the guest was built from (apt-get source
# checks it against the signed archive) and its .dsc must match the
# checksum in runc/VERSION.
#
#   runc/build.sh ROOTFS OUT    (OUT: the runc binary to write)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../vm/guest-copy.sh
rootfs=$1
out=$2
. "$here/VERSION"
work=$(dirname "$out")/runc-build
die() { echo "runc/build.sh: $*" >&2; exit 1; }

have=$(chroot "$rootfs" dpkg-query -W -f '${source:Version}' runc 2>/dev/null) ||
	die "the guest has no runc package (vm/mkrootfs.sh installs it)"
[ "$have" = "$RUNC_SOURCE_VERSION" ] ||
	die "the guest's runc is built from source $have, runc/VERSION names $RUNC_SOURCE_VERSION:" \
		"move runc/VERSION and the patches to the guest's version"

# A throwaway copy of the guest, with the source lines of its own mirror:
# the build dependencies never reach the image.
"$guest" new "$rootfs" "$work"
sed -n 's/^deb /deb-src /p' "$rootfs/etc/apt/sources.list" >>"$work/etc/apt/sources.list"
grep -q '^deb-src ' "$work/etc/apt/sources.list" || die "no mirror in $rootfs/etc/apt/sources.list"
log=$work.log
echo "  RUNC    build dependencies and source $RUNC_SOURCE_VERSION into a copy of the guest (log: $log)"
{ "$guest" apt "$work" update && "$guest" apt "$work" install dpkg-dev &&
  "$guest" apt "$work" build-dep "runc=$RUNC_SOURCE_VERSION" &&
  mkdir -p "$work/src" &&
  "$guest" run "$work" sh -c 'cd /src && apt-get source "runc=$1"' sh "$RUNC_SOURCE_VERSION"
} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get failed"; }

dsc=$work/src/runc_$RUNC_SOURCE_VERSION.dsc
echo "$RUNC_DSC_SHA256  $dsc" | sha256sum -c --status || die "checksum mismatch for $(basename "$dsc")"
src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'runc-*')
[ -d "$src" ] || die "apt-get source unpacked nothing"

"$here/../vm/apply-series.sh" "$src" "$here/patches" RUNC

echo "  RUNC    debian/rules build (runc $RUNC_SOURCE_VERSION + runc/patches)"
# Debian's own build, without its tests; the outer make's flags stay out.
"$guest" run "$work" sh -c 'cd "/src/$1" && exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS="nocheck nodoc parallel=$2" debian/rules build' \
	sh "$(basename "$src")" "$(nproc)" >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "build failed"; }
cp "$src/_build/bin/runc" "$out.tmp"
mv "$out.tmp" "$out"
"$guest" drop "$work"
