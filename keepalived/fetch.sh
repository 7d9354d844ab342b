#!/bin/bash
# Fetches upstream keepalived 2.2.7 from Debian's source archive into
# DIR/src (fetch-debsrc.sh: a private apt sources list and lists folder in
# DIR/apt, the system's apt configuration untouched, SHA-256 checked).
#   fetch.sh DIR
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
version=2.2.7
debver=1:2.2.7-1
tarball=keepalived_${version}.orig.tar.gz
sha256=c61940d874154a560a54627ecf7ef47adebdf832164368d10bf242a4d9b7d49d

exec "$here/fetch-debsrc.sh" keepalived "keepalived=$debver" "$tarball" \
	"$sha256" "$dir/src" "$dir/apt"
