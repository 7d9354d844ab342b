#!/bin/bash
# The patch series as a git repository, to change a hook and make the
# patches again (see README.md):
#   patches.sh import REPO [BUILD_DIR]   REPO: keepalived 2.2.7 with our
#       files of src/ committed as "base", then one commit per patch of
#       patches/series (git am).  The tarball comes from fetch.sh, kept in
#       BUILD_DIR/keepalived-src (default: the project's build/).
#   patches.sh export REPO               writes patches/ again from the
#       commits after "base" (git format-patch).  With as many commits as
#       series names, the names are kept; otherwise they come from the
#       subjects and series is written again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=2.2.7
# The committer is not in the patches; git only needs one.
git_() { git -C "$repo" -c user.name=patches.sh -c user.email=patches.sh@localhost "$@"; }
patches() { grep -v '^#' "$here/patches/series" | grep .; }

import() {
	local build=${1:-$here/../build} work
	[ ! -e "$repo" ] || { echo "patches.sh: $repo exists" >&2; exit 1; }
	mkdir -p "$build"
	work=$(cd "$build" && pwd)/keepalived-src
	"$here/fetch.sh" "$work"
	mkdir -p "$repo"
	tar xzf "$work/src/keepalived_$version.orig.tar.gz" -C "$repo" --strip-components=1
	cp -r "$here/src/." "$repo/"
	git_ init -q
	git_ add -A
	git_ commit -q -m "keepalived $version with the files of keepalived/src/"
	git_ tag base
	patches | while read -r p; do git_ am -q "$here/patches/$p"; done
	git_ log --oneline base..
}

export_() {
	local out names n i=0 f
	out=$(mktemp -d)
	git_ format-patch -q --no-signature --zero-commit -o "$out" base..
	mapfile -t names < <(patches)
	n=$(find "$out" -name '*.patch' | wc -l)
	rm -f "$here/patches/"*.patch
	if [ "$n" -eq "${#names[@]}" ]; then
		for f in "$out"/*.patch; do
			mv "$f" "$here/patches/${names[$i]}"
			i=$((i + 1))
		done
	else
		sed -n '/^#/p' "$here/patches/series" > "$out/series"
		for f in "$out"/*.patch; do
			basename "$f" >> "$out/series"
			mv "$f" "$here/patches/"
		done
		mv "$out/series" "$here/patches/series"
	fi
	rmdir "$out"
	echo "patches.sh: $n patches in $here/patches"
}

[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
cmd=$1 repo=$2
shift 2
case $cmd in
import) import "$@" ;;
export) export_ ;;
*) sed -n '2,11p' "$0"; exit 2 ;;
esac
