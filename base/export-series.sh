#!/bin/sh
# Regenerate patches/ from build/src: one git format-patch file per commit on
# top of tag "baseline", patches/series in order, and the cover letter with its
# hand-written subject and text kept, its shortlog and diffstat refreshed,
# Cc: from the tree's scripts/get_maintainer.pl and base-commit: (the tag
# "baseline") so that a reader knows whom it concerns and what it applies to.
# Stable: an unchanged tree exports byte-identical files.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/src
p=$top/patches
[ -d "$src/.git" ] || { echo "make export: no build/src: run 'make tree'" >&2; exit 1; }
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
	echo "make export: build/src has uncommitted changes: commit them first" >&2
	exit 1
fi

cover=$p/0000-cover-letter.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" format-patch -q --zero-commit --no-signature --cover-letter \
	--subject-prefix="PATCH v$(cat "$p/VERSION")" \
	--base=baseline -o "$tmp" baseline..HEAD
# The cover letter is dated like the newest patch, not "now".
date=$(git -C "$src" log -1 --format=%aD HEAD)
sed -i "s/^Date: .*/Date: $date/" "$tmp/0000-cover-letter.patch"

# Keep the cover letter's own subject and text (everything above the shortlog).
if [ -f "$cover" ]; then
	subject=$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$cover")
	sed -n '/^$/,$p' "$cover" | sed '1d' | sed '/^[^ ].* ([0-9]*):$/,$d' >"$tmp/blurb"
	awk -v subject="$subject" -v blurb="$tmp/blurb" '
		/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
		/^\*\*\* BLURB HERE \*\*\*$/ {
			n = 0
			while ((getline l < blurb) > 0) line[++n] = l
			while (n > 0 && line[n] == "") n--	# no blank lines pile up
			for (i = 1; i <= n; i++) print line[i]
			next
		}
		{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover"
	mv "$tmp/cover" "$tmp/0000-cover-letter.patch"
fi

# Cc: whom the tree's own MAINTAINERS (the series' version) names for the
# patches, in get_maintainer's order, as one folded header the way
# git format-patch --cc writes it; on the cover letter only.
# (Not over the cover letter: its text would match MAINTAINERS' keywords.)
(cd "$src" && find "$tmp" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' | sort |
	xargs perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats) >"$tmp/cc"
[ -s "$tmp/cc" ] || { echo "make export: get_maintainer.pl named nobody" >&2; exit 1; }
awk -v cc="$tmp/cc" '
	!done && /^$/ {		# the end of the headers
		sep = "Cc: "
		while ((getline a < cc) > 0) { printf "%s%s", sep, a; sep = ",\n    " }
		print ""
		done = 1
	}
	{ print }' "$tmp/0000-cover-letter.patch" >"$tmp/cover"
mv "$tmp/cover" "$tmp/0000-cover-letter.patch"

rm -f "$p"/[0-9][0-9][0-9][0-9]-*.patch
mv "$tmp"/*.patch "$p/"
(cd "$p" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-') >"$p/series"
n=$(wc -l <"$p/series")
"$top/base/make-tree.sh" --exported >/dev/null
echo "  EXPORT  $n patches and the cover letter in patches/"
