#!/bin/sh
# Build the guest's root filesystem: Debian trixie (criu 4.x; bookworm's 3.17 has
# no unprivileged mode), minbase, plus what the test plan runs. The mirror is the
# one this machine's apt uses, unless MIRROR is set.
#
#   vm/mkrootfs.sh DIR
set -eu
dir=$1
suite=${SUITE:-trixie}
# python3-pycriu: crit, with which a user edits their own images (criu-handout).
# runc: the rootless container of container-rootless (runc/ builds runc-patched
# from this package's source; busybox-static is the container's rootfs).
pkgs=criu,libcap2-bin,util-linux,iproute2,procps,busybox-static,python3-pycriu,runc

if [ -z "${MIRROR:-}" ]; then
	# First "debian" archive URI of apt's configuration, either format.
	MIRROR=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's|^URIs:[[:space:]]*\([^[:space:]]*/debian\)/*$|\1|p' | head -n 1)
	[ -n "$MIRROR" ] || MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's|^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*/debian\)/*[[:space:]].*|\2|p' |
		head -n 1)
fi
[ -n "$MIRROR" ] || { echo "mkrootfs: no Debian mirror in apt's configuration; set MIRROR=" >&2; exit 1; }

rm -rf "$dir.tmp"
echo "  ROOTFS  debootstrap $suite minbase (+$pkgs) from apt's configured mirror"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir.tmp" "$MIRROR" >"$dir.log" 2>&1 ||
	{ tail -n 20 "$dir.log" >&2; echo "mkrootfs: debootstrap failed (log: $dir.log)" >&2; exit 1; }
# An ordinary user for the unprivileged tests.
chroot "$dir.tmp" useradd -m -u 1000 -s /bin/sh user
rm -rf "$dir.tmp/var/cache/apt/archives"/*.deb "$dir.tmp/var/lib/apt/lists"/*_Packages
rm -rf "$dir"
mv "$dir.tmp" "$dir"
