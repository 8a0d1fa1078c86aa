#!/bin/sh
# The documentation the series touches builds with Debian's Sphinx, and gives
# no warning the baseline tree does not give. Only the top-level books the
# series touches are built (SPHINXDIRS), in both trees: minutes, not an hour.
#
#   base/htmldocs.sh
#   SRC=... BASELINE=... OBJ=... base/htmldocs.sh      (other trees)
#
# OBJ holds the patched tree's HTML; the baseline's is in $OBJ-baseline.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$top/build/src}
BASELINE=${BASELINE:-$top/build/baseline}
OBJ=${OBJ:-$top/build/obj-docs}
# The same messages whatever the caller's locale (kbuild drops LC_ALL).
unset LC_ALL LC_CTYPE LC_MESSAGES
export LANG=C

die() { echo "htmldocs: $*" >&2; exit 1; }
command -v sphinx-build >/dev/null || die "no sphinx-build: install python3-sphinx (make deps)"
for t in "$SRC" "$BASELINE"; do [ -f "$t/Makefile" ] || die "no kernel tree in $t (make tree)"; done

# The books: top-level directories of Documentation/ the series touches
# (uncommitted edits included) that are Sphinx books (have an index.rst).
dirs=
for d in $(git -C "$SRC" diff --name-only baseline -- Documentation | cut -d/ -f2 | sort -u); do
	if [ -f "$SRC/Documentation/$d/index.rst" ]; then
		dirs="$dirs $d"
	else
		echo "  NOTE    Documentation/$d is not a book of its own: not built"
	fi
done
dirs=${dirs# }
[ -n "$dirs" ] || { echo "htmldocs: the series touches no book: nothing to build"; exit 0; }

# One tree. Sphinx prints a page's warnings only when it reads the page, so
# an incremental build would forget them: build from scratch whenever the
# tree (or the list of books) changed, otherwise keep the last warnings.
build() {
	tree=$1 obj=$2
	state=$(
		echo "$tree $obj $dirs"		# the log names them
		sphinx-build --version
		git -C "$tree" rev-parse 'HEAD^{tree}'
		git -C "$tree" diff HEAD
	) && state=$(echo "$state" | sha256sum | cut -d' ' -f1)
	if [ "$state" = "$(cat "$obj/docs.state" 2>/dev/null)" ] && [ -f "$obj/docs.log" ]; then
		echo "  DOCS    $tree: unchanged, warnings of the last build"
		return 0
	fi
	echo "  DOCS    $tree: SPHINXDIRS=\"$dirs\""
	rm -rf "$obj" && mkdir -p "$obj"
	# (Like any htmldocs, this generates the ignored netlink_spec/*.rst in the tree.)
	make -C "$tree" O="$obj" SPHINXDIRS="$dirs" htmldocs >"$obj/docs.log" 2>&1 ||
		{ tail -n 20 "$obj/docs.log"; die "make htmldocs failed in $tree: $obj/docs.log"; }
	echo "$state" >"$obj/docs.state"
}

# Warnings comparable across trees: no tree or object prefix, no line numbers
# (the series moves lines), one line per message, sorted.
warnings() {
	grep -E '(WARNING|ERROR|SEVERE|CRITICAL)[:/]|(warning|error):' "$1/docs.log" |
		sed -E -e "s|$2/||g; s|$1/||g" -e 's/:[0-9]+: /: /' | sort
}

s=$(date +%s)
build "$BASELINE" "$OBJ-baseline"
build "$SRC" "$OBJ"

warnings "$OBJ-baseline" "$BASELINE" >"$OBJ/old"
warnings "$OBJ" "$SRC" >"$OBJ/new"
# comm pairs equal lines one to one: a warning given twice where the baseline
# gave it once is new too.
comm -13 "$OBJ/old" "$OBJ/new" >"$OBJ/new-warnings"
n=$(grep -c . "$OBJ/new-warnings" || true)
[ "$n" = 0 ] || { echo "  FAIL    warnings only the patched tree gives ($OBJ/docs.log):"; sed 's/^/          /' "$OBJ/new-warnings"; }
echo "  DOCS    HTML in $OBJ/Documentation/output"
echo "htmldocs: $dirs: $n new warnings ($(( $(date +%s) - s )) s)"
[ "$n" = 0 ]
