#!/bin/bash
# Fetches upstream keepalived 2.2.7 from Debian's source archive into DIR,
# without touching the system's apt configuration: a private sources list
# (deb-src entries made from this machine's own sources, see debsrc.py)
# and a private lists folder.  Checks the tarball's SHA-256 and fails
# loudly on a mismatch.
#   fetch.sh DIR
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
version=2.2.7
debver=1:2.2.7-1
tarball=keepalived_${version}.orig.tar.gz
sha256=c61940d874154a560a54627ecf7ef47adebdf832164368d10bf242a4d9b7d49d

mkdir -p "$dir/apt/lists/partial" "$dir/src"
if [ -f "$dir/src/$tarball" ] && echo "$sha256  $dir/src/$tarball" | sha256sum -c --status; then
	echo "keepalived: $tarball already fetched"
	exit 0
fi
"$here/debsrc.py" > "$dir/apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o "Dir::Etc::SourceParts=-"
      -o "Dir::State::Lists=$dir/apt/lists" -o "APT::Get::List-Cleanup=0")
echo "keepalived: fetching $tarball from this machine's Debian mirrors"
apt-get -qq "${opts[@]}" update
(cd "$dir/src" && apt-get -qq "${opts[@]}" source --download-only --tar-only \
	"keepalived=$debver")
if ! echo "$sha256  $dir/src/$tarball" | sha256sum -c --status; then
	echo "keepalived: SHA-256 MISMATCH for $tarball" >&2
	echo "  expected $sha256" >&2
	echo "  got      $(sha256sum "$dir/src/$tarball" | cut -d' ' -f1)" >&2
	exit 1
fi
echo "keepalived: $tarball verified"
