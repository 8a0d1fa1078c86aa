#!/bin/sh
# Install what the project needs on the host, if anything is missing.
# Each entry: a file or command that proves it is there, and its Debian package.
set -eu
need="
gcc:build-essential
make:make
flex:flex
bison:bison
bc:bc
cpio:cpio
curl:curl
rsync:rsync
patch:patch
xz:xz-utils
perl:perl
python3:python3
ccache:ccache
setcap:libcap2-bin
qemu-system-x86_64:qemu-system-x86
debootstrap:debootstrap
/usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
/usr/include/libelf.h:libelf-dev
/usr/lib/python3/dist-packages/ply:python3-ply
/usr/lib/python3/dist-packages/git:python3-git
/usr/include/openssl/ssl.h:libssl-dev
/usr/include/sys/capability.h:libcap-dev
/usr/src/linux-source-6.12.tar.xz:linux-source-6.12
/usr/src/linux-config-6.12/config.amd64_none_amd64.xz:linux-config-6.12
sphinx-build:python3-sphinx
/usr/lib/python3/dist-packages/yaml:python3-yaml
dot:graphviz
checkpolicy:checkpolicy
javac:openjdk-17-jdk-headless
"
# Extra entries for one target, in the same form: vm/install-deps.sh gnuplot:gnuplot-nox;
# with --only, just those.
[ "${1:-}" != --only ] || { need=; shift; }
need="$need $*"
missing=
for e in $need; do
	what=${e%%:*} pkg=${e#*:}
	case $what in
	/*) [ -e "$what" ] ;;
	*) command -v "$what" >/dev/null 2>&1 ;;
	esac || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "==> installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $missing >/dev/null
