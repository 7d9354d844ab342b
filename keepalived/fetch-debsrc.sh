#!/bin/bash
# Fetches one upstream tarball from Debian's source archive without
# touching the system's apt configuration: a private sources list
# (deb-src entries made from this machine's own sources, see debsrc.py)
# and a private lists folder.  Checks the tarball's SHA-256 and fails
# loudly on a mismatch.  Used for keepalived (fetch.sh) and for the
# bench's dpdk-testpmd (dpvs/bench/testpmd-build.sh).
#   fetch-debsrc.sh LABEL PACKAGE=DEBVERSION TARBALL SHA256 DEST APTDIR
set -euo pipefail
label=$1 pkg=$2 tarball=$3 sha256=$4 dest=$5 aptdir=$6
here=$(cd "$(dirname "$0")" && pwd)

verified() { echo "$sha256  $dest/$tarball" | sha256sum -c --status 2>/dev/null; }

mkdir -p "$aptdir/lists/partial" "$dest"
if [ -f "$dest/$tarball" ] && verified; then
	echo "$label: $tarball already fetched"
	exit 0
fi
"$here/debsrc.py" > "$aptdir/sources.list"
opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=-"
      -o "Dir::State::Lists=$aptdir/lists" -o "APT::Get::List-Cleanup=0")
echo "$label: fetching $tarball from this machine's Debian mirrors"
apt-get -qq "${opts[@]}" update
# apt warns that root downloads unsandboxed; everything else shows.
(cd "$dest" && apt-get -qq "${opts[@]}" source --download-only --tar-only \
	"$pkg" 2>&1 | grep -v 'unsandboxed' || true)
if [ ! -f "$dest/$tarball" ]; then
	echo "$label: downloading $tarball ($pkg) failed" >&2
	exit 1
fi
if ! verified; then
	echo "$label: SHA-256 MISMATCH for $tarball" >&2
	echo "  expected $sha256" >&2
	echo "  got      $(sha256sum "$dest/$tarball" | cut -d' ' -f1)" >&2
	exit 1
fi
echo "$label: $tarball verified"
