#!/bin/sh
# Build CRIU from Debian's source tarball with the patches in criu/patches, inside
# a copy of the guest's root filesystem, so that the binary links against the
# guest's own libraries. The tarball comes from the mirror the guest was built
# from and must match the checksum in criu/VERSION.
#
#   criu/build.sh ROOTFS OUT    (OUT: the criu binary to write)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rootfs=$1
out=$2
. "$here/VERSION"
work=$(dirname "$out")/criu-build
tarball=$(dirname "$out")/criu_$CRIU_VERSION.orig.tar.xz
deps="gcc make pkgconf libbsd-dev libcap-dev libgnutls28-dev libnet1-dev libnftables-dev
      libnl-3-dev libprotobuf-c-dev libprotobuf-dev protobuf-c-compiler protobuf-compiler
      uuid-dev python3"

mirror=$(sed -n 's|^deb \([^ ]*\) .*|\1|p' "$rootfs/etc/apt/sources.list" | head -n 1)
[ -n "$mirror" ] || { echo "criu/build.sh: no mirror in $rootfs/etc/apt/sources.list" >&2; exit 1; }

if ! echo "$CRIU_SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
	echo "  CRIU    fetching criu $CRIU_VERSION source from the guest's mirror"
	curl -fsS -o "$tarball.tmp" "$mirror/pool/main/c/criu/criu_$CRIU_VERSION.orig.tar.xz" ||
		{ echo "criu/build.sh: criu_$CRIU_VERSION.orig.tar.xz not on the mirror" \
			"(set CRIU_VERSION and CRIU_SHA256 in criu/VERSION to one it has)" >&2; exit 1; }
	echo "$CRIU_SHA256  $tarball.tmp" | sha256sum -c --status ||
		{ echo "criu/build.sh: checksum mismatch for criu_$CRIU_VERSION.orig.tar.xz" >&2; exit 1; }
	mv "$tarball.tmp" "$tarball"
fi

# A throwaway copy of the guest: the build dependencies never reach the image.
rm -rf "$work"
cp -a "$rootfs" "$work"
log=$work.log
echo "  CRIU    build dependencies into a copy of the guest (log: $log)"
{ chroot "$work" apt-get update &&
  chroot "$work" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $deps
} >"$log" 2>&1 || { tail -n 20 "$log" >&2; echo "criu/build.sh: apt-get failed" >&2; exit 1; }

mkdir -p "$work/src"
tar -C "$work/src" --strip-components=1 -xJf "$tarball"
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	echo "  CRIU    apply $p"
	patch -d "$work/src" -p1 -s <"$here/patches/$p"
done <"$here/patches/series"

echo "  CRIU    make criu ($CRIU_VERSION + $(grep -c '^[^#]' "$here/patches/series") patches)"
# protoc finds its own .proto files through /proc/self/exe.
mount -t proc proc "$work/proc"
trap 'umount "$work/proc"' EXIT
chroot "$work" make -C /src -j"$(nproc)" criu >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; echo "criu/build.sh: make failed" >&2; exit 1; }
umount "$work/proc"
trap - EXIT
cp "$work/src/criu/criu" "$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$work"
