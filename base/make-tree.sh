#!/bin/sh
# Derive the work trees from the files in this repository:
#
#   build/src       git repository, branch "series":
#                     commit 1  Debian's linux-source-6.12 tarball, as shipped
#                     commit 2  base/*.patch (tag "baseline")
#                     then      patches/ in the order of patches/series
#   build/baseline  git worktree of build/src at tag "baseline"
#
# Idempotent: nothing is rewritten when base/ and patches/ have not changed,
# and a changed series only rewrites the files whose content changes, so
# that kbuild rebuilds no more than it must.
# Refuses to throw away uncommitted or unexported work in build/src.
#
#   base/make-tree.sh            make or update the trees
#   base/make-tree.sh --exported record that patches/ now matches build/src
#                                (run by 'make export')
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
baseline=$top/build/baseline
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
stamp=$src/.git/series-stamp

die() { echo "make tree: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball not found: install the linux-source-6.12 package (make deps)"
seen=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
made=$(cat "$top/base/DEBIAN_VERSION")
echo "  TREE    linux-source-6.12 $seen (base patch made against $made)"

series_files() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/patches/series" |
		while read -r p; do echo "$top/patches/$p"; done
}

# What the trees are made of: tarball version, base patch, the series.
want=$( { echo "$seen"; cat "$top"/base/*.patch; series_files | xargs -r cat; } |
	sha256sum | cut -d' ' -f1)

git_src() { git -C "$src" "$@"; }

if [ "${1:-}" = --exported ]; then
	echo "$want $(git_src rev-parse HEAD)" >"$stamp"
	exit 0
fi

if [ -d "$src/.git" ]; then
	read -r have_sum have_head <"$stamp" 2>/dev/null || { have_sum=none; have_head=none; }
	if [ -n "$(git_src status --porcelain --untracked-files=no)" ]; then
		# Work in progress: build it as it is, unless patches/ moved too.
		[ "$have_sum" = "$want" ] ||
			die "build/src has uncommitted changes and patches/ changed: commit and 'make export', or stash"
		echo "  TREE    build/src has uncommitted changes: building them as they are"
		exit 0
	fi
	head=$(git_src rev-parse HEAD)
	if [ "$have_head" != "$head" ]; then
		# Commits made in build/src since the last tree/export.
		if [ "$have_sum" = "$want" ]; then
			echo "  TREE    build/src has commits not yet in patches/: run 'make export'"
			exit 0
		fi
		die "build/src has unexported commits and patches/ changed too: 'make export' or reset build/src"
	fi
	if [ "$have_sum" = "$want" ]; then
		echo "  TREE    up to date ($(git_src rev-list --count baseline..HEAD) patches on baseline)"
		exit 0
	fi
	# The series changed: keep the tarball and base commits if they still hold.
	base_sum=$( { echo "$seen"; cat "$top"/base/*.patch; } | sha256sum | cut -d' ' -f1)
	if [ "$(git_src config --get tree.basesum || true)" != "$base_sum" ]; then
		echo "  TREE    base changed: recreating build/src"
		git_src worktree remove --force "$baseline" 2>/dev/null || rm -rf "$baseline"
		rm -rf "$src"
	fi
fi

if [ ! -d "$src/.git" ]; then
	echo "  TREE    unpacking $tarball"
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1 --touch
	git_src init -q -b series
	git_src config user.name "$(git -C "$top" config user.name || echo builder)"
	git_src config user.email "$(git -C "$top" config user.email || echo builder@localhost)"
	git_src config core.abbrev 12
	# No background repack of 80,000 objects while kbuild reads the tree.
	git_src config gc.auto 0
	git_src add -A -f .
	GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
		git_src commit -q -m "Debian linux-source-6.12 $seen"
	git_src tag debian
	echo "  TREE    applying base/ (removes upstream's CAP_CHECKPOINT_RESTORE)"
	git_src am -q --committer-date-is-author-date "$top"/base/*.patch ||
		{ git_src am --abort; rm -rf "$src";
		  die "base patch does not apply to linux-source-6.12 $seen (made against $made)"; }
	git_src tag baseline
	git_src config tree.basesum "$( { echo "$seen"; cat "$top"/base/*.patch; } |
		sha256sum | cut -d' ' -f1)"
	git_src worktree add -q --detach "$baseline" baseline
fi

# Apply the series in a scratch worktree, then move build/src to the result:
# files whose content did not change keep their times.
apply=$top/build/.tree-apply
git_src worktree remove --force "$apply" 2>/dev/null || rm -rf "$apply"
git_src worktree add -q --detach "$apply" baseline
n=0
for p in $(series_files); do
	git -C "$apply" am -q --committer-date-is-author-date "$p" ||
		{ git -C "$apply" am --abort; git_src worktree remove --force "$apply";
		  die "$(basename "$p") does not apply"; }
	n=$((n + 1))
done
new=$(git -C "$apply" rev-parse HEAD)
git_src worktree remove --force "$apply"
git_src reset -q --hard "$new"
echo "$want $(git_src rev-parse HEAD)" >"$stamp"
echo "  TREE    build/src: baseline + $n patches; build/baseline: baseline"
