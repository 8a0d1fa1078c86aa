#!/bin/sh
# A throwaway copy of the guest's root filesystem, to build or install in
# with the guest's own libraries and apt sources, so that nothing of the
# work (build dependencies, apt's caches) reaches the image. Used by
# criu/build.sh, runc/build.sh and vm/mkpkg.sh.
#
#   vm/guest-copy.sh new ROOTFS WORK    WORK: a fresh copy of ROOTFS
#   vm/guest-copy.sh run WORK CMD...    CMD in WORK, with /proc mounted
#   vm/guest-copy.sh apt WORK ARGS...   apt-get -y ARGS in WORK, no prompts,
#                                       no recommends
#   vm/guest-copy.sh drop WORK
#
# /proc (protoc and the JRE's maintainer scripts want it) is mounted in a
# mount namespace of its own: it goes away with CMD, however that ends.
set -eu
die() { echo "guest-copy: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 new ROOTFS WORK | run WORK CMD... | apt WORK ARGS... | drop WORK"
cmd=$1
shift

drop() {
	# A proc mount can only be left over by a crash of an older script.
	! mountpoint -q "$1/proc" 2>/dev/null || umount "$1/proc"
	rm -rf --one-file-system "$1"
}

case $cmd in
new)
	[ -d "$1/etc/apt" ] || die "$1 is no guest root filesystem"
	drop "$2"
	mkdir -p "$2"
	cp -a "$1/." "$2"
	;;
run)
	work=$1
	shift
	exec unshare -m sh -c 'w=$1; shift
		mount -t proc proc "$w/proc" && exec chroot "$w" "$@"' sh "$work" "$@"
	;;
apt)
	work=$1
	shift
	exec "$0" run "$work" env DEBIAN_FRONTEND=noninteractive \
		apt-get -y --no-install-recommends "$@"
	;;
drop)
	drop "$1"
	;;
*)
	die "unknown command $cmd"
	;;
esac
