#!/bin/sh
# Build CRIU from Debian's source tarball with the patches in criu/patches, inside
# a copy of the guest's root filesystem, so that the binary links against the
# guest's own libraries. The tarball comes from the mirror the guest was built
# from (or from CRIU_TARBALL, a file) and must match the checksum in
# criu/VERSION; it is kept beside OUT for the next build.
#
#   criu/build.sh ROOTFS OUT    (OUT: the criu binary to write)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../vm/guest-copy.sh
rootfs=$1
out=$2
. "$here/VERSION"
work=$(dirname "$out")/criu-build
tarball=$(dirname "$out")/criu_$CRIU_VERSION.orig.tar.xz
deps="gcc make pkgconf libbsd-dev libcap-dev libgnutls28-dev libnet1-dev libnftables-dev
      libnl-3-dev libprotobuf-c-dev libprotobuf-dev protobuf-c-compiler protobuf-compiler
      uuid-dev python3"
die() { echo "criu/build.sh: $*" >&2; exit 1; }

mirror=$(sed -n 's|^deb \([^ ]*\) .*|\1|p' "$rootfs/etc/apt/sources.list" | head -n 1)
[ -n "$mirror" ] || die "no mirror in $rootfs/etc/apt/sources.list"

if ! echo "$CRIU_SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
	if [ -n "${CRIU_TARBALL:-}" ]; then
		cp "$CRIU_TARBALL" "$tarball.tmp"
	else
		echo "  CRIU    fetching criu $CRIU_VERSION source from the guest's mirror"
		curl -fsSL --retry 3 -o "$tarball.tmp" "$mirror/pool/main/c/criu/criu_$CRIU_VERSION.orig.tar.xz" ||
			die "criu_$CRIU_VERSION.orig.tar.xz is not on the mirror: point CRIU_TARBALL at a" \
				"copy, or move criu/VERSION and the patches to a version the mirror has"
	fi
	echo "$CRIU_SHA256  $tarball.tmp" | sha256sum -c --status ||
		die "checksum mismatch for criu_$CRIU_VERSION.orig.tar.xz"
	mv "$tarball.tmp" "$tarball"
fi

# A throwaway copy of the guest: the build dependencies never reach the image.
"$guest" new "$rootfs" "$work"
log=$work.log
echo "  CRIU    build dependencies into a copy of the guest (log: $log)"
# shellcheck disable=SC2086 # one word per package
{ "$guest" apt "$work" update && "$guest" apt "$work" install $deps; } >"$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "apt-get failed"; }

mkdir -p "$work/src"
tar -C "$work/src" --strip-components=1 -xJf "$tarball"
"$here/../vm/apply-series.sh" "$work/src" "$here/patches" CRIU

echo "  CRIU    make criu ($CRIU_VERSION + criu/patches)"
# (protoc finds its own .proto files through /proc/self/exe.) The outer
# make's flags stay out of CRIU's build.
"$guest" run "$work" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C /src -j"$(nproc)" criu \
	>>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "make failed"; }
cp "$work/src/criu/criu" "$out.tmp"
mv "$out.tmp" "$out"
"$guest" drop "$work"
