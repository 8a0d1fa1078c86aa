#!/bin/sh
# Make the guest kernel's .config: tinyconfig, the fragments merged on top,
# olddefconfig, then a check that every option asked for is really there
# (kconfig silently drops options whose dependencies are missing).
#
#   vm/kconfig.sh SRCDIR OBJDIR FRAGMENT...
set -eu
mkdir -p "$2"
src=$(cd "$1" && pwd) obj=$(cd "$2" && pwd)
shift 2
mkdir -p "$obj"
tmp=$obj/config.new
rm -rf "$tmp.d" && mkdir -p "$tmp.d"
# RUSTC=false: the same .config whether or not the machine has a rustc
# (the Makefile's kernel builds pass it too).
make -s -C "$src" O="$tmp.d" RUSTC=false tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$tmp.d" "$tmp.d/.config" "$@" >"$tmp.d/merge.log"
make -s -C "$src" O="$tmp.d" RUSTC=false olddefconfig >/dev/null

bad=0
for opt in $(grep -h '^CONFIG_[A-Z0-9_]*=' "$@"); do
	if ! grep -qx "$opt" "$tmp.d/.config"; then
		echo "kconfig: $opt was asked for but the final .config has:" \
			"$(grep "^${opt%%=*}=\|^# ${opt%%=*} is not set" "$tmp.d/.config" || echo nothing)" >&2
		bad=1
	fi
done
[ $bad = 0 ] || { rm -rf "$tmp.d"; exit 1; }

if cmp -s "$tmp.d/.config" "$obj/.config"; then
	touch "$obj/.config"
else
	cp "$tmp.d/.config" "$obj/.config"
	echo "  CONFIG  $obj/.config ($(grep -c '=y' "$obj/.config") options =y)"
fi
rm -rf "$tmp.d"
