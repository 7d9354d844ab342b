#!/bin/bash
# Builds the Debian packages (make deb): build/deb/*.deb, .buildinfo and
# .changes.  The tree keeps its packaging in packaging/debian/, so this
# stages a copy of the tree in build/deb-src/dpvs-VERSION/ with that
# folder as debian/ and debian/changelog written from VERSION (the one
# place a human edits the version), then runs dpkg-buildpackage there.
# keepalived's tarball already fetched into build/keepalived-src/ is
# reused: no download but the one `make` itself would do.
#   deb.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
stage=$top/build/deb-src
src=$stage/dpvs-$version
out=$top/build/deb

rm -rf "$stage" "$out"
mkdir -p "$src" "$out"
(cd "$top" && tar --exclude=./build --exclude=./build-san --exclude=./.git \
	--exclude=./debian -cf - .) | tar -xf - -C "$src"
cp -r "$top/packaging/debian" "$src/debian"
# The changelog's date: the last commit's (the same tree gives the same
# packages), now outside git.
date=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
sed -e "s/@VERSION@/$version/; s/@DATE@/$date/" \
	"$top/packaging/debian/changelog.in" > "$src/debian/changelog"
rm "$src/debian/changelog.in"
if [ -d "$top/build/keepalived-src/src" ]; then
	mkdir -p "$src/build/keepalived-src"
	cp -r "$top/build/keepalived-src/src" "$src/build/keepalived-src/"
fi

cd "$src"
# A sanitizer run's BUILD=build-san must not leak into the package build,
# nor `make check SAN=1`'s SAN=1, which make passes down in MAKEFLAGS.
unset BUILD SAN MAKEFLAGS MFLAGS MAKEOVERRIDES MAKELEVEL
dpkg-buildpackage -us -uc -b -J"$(nproc)"
for f in "$stage"/*.deb "$stage"/*.buildinfo "$stage"/*.changes; do
	mv "$f" "$out/"
done
echo "deb: packages in build/deb/:"
ls "$out"
