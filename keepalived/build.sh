#!/bin/bash
# Builds keepalived 2.2.7 for dpvs, linked with libdpvs:
#   build.sh BUILD_DIR    (the project's build dir: libdpvs.a is there)
# Unpacks the pristine tarball (fetch.sh), copies in the new files of
# src/ (they mirror keepalived's tree), then applies patches/series, the
# hooks into keepalived's own files.  Result: BUILD_DIR/keepalived, and
# BUILD_DIR/mibs/KEEPALIVED-MIB.txt.  Rebuilds, from a fresh tree, only
# when this script, a file of src/ or patches/, or libdpvs changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "$1" && pwd)
work=$build/keepalived-src
version=2.2.7
stamp=$work/stamp

# Names as well as contents: a renamed or moved file rebuilds too.
want=$( (cd "$here" && find build.sh src patches -type f | LC_ALL=C sort |
	xargs sha256sum; cat "$root/dpvs/lib/libdpvs.h" "$build/libdpvs.a") |
	sha256sum | cut -d' ' -f1)
# keepalived's MIB (KEEPALIVED-MIB virtualServerTable, realServerTable,
# ...) next to the build, for snmpwalk -M +BUILD_DIR/mibs and the tests.
install_mib() {
	mkdir -p "$build/mibs"
	cp "$work/keepalived-$version/doc/KEEPALIVED-MIB.txt" "$build/mibs/"
}
if [ -x "$build/keepalived" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	[ -f "$build/mibs/KEEPALIVED-MIB.txt" ] || install_mib
	# Up to date: say so to make, which saw a newer file (a README).
	touch "$build/keepalived"
	exit 0
fi
"$here/fetch.sh" "$work"
rm -rf "$work/keepalived-$version"
tar xzf "$work/src/keepalived_$version.orig.tar.gz" -C "$work"
cd "$work/keepalived-$version"
# The new files first (the hooks #include them); none may replace one of
# keepalived's own.
(cd "$here/src" && find . -type f) | while read -r f; do
	if [ -e "$f" ]; then
		echo "keepalived: src/${f#./} would replace keepalived's own file" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$f")"
	cp "$here/src/$f" "$f"
done
grep -v '^#' "$here/patches/series" | while read -r p; do
	[ -n "$p" ] || continue
	echo "keepalived: applying $p"
	patch -p1 -s -F0 --no-backup-if-mismatch < "$here/patches/$p"
done
echo "keepalived: configuring (about 15 s)"
# --disable-systemd: the same binary whatever the build host's init
# (keepalived turns its notify support on by itself on a systemd host);
# dpvs-keepalived.service runs it Type=simple with --dont-fork.
# Installed as dpvs-keepalived beside Debian's keepalived: its own
# default config (and, patch 0015, its own pid files).
./configure -q --enable-snmp --enable-snmp-rfc --disable-libiptc \
	--disable-libipset --disable-nftables --disable-dynamic-linking \
	--disable-systemd --with-default-config-file=/etc/dpvs/keepalived.conf \
	CPPFLAGS="-D_WITH_DPVS_ -I$root/dpvs/lib" \
	> "$work/configure.log" 2>&1 || { tail -20 "$work/configure.log"; exit 1; }
echo "keepalived: building (about a minute)"
# keepalived's Makefiles keep LIBS for the final link, after its own
# archives: the place for a static library they use.
make -s -j"$(nproc)" LIBS="$build/libdpvs.a" > "$work/make.log" 2>&1 || { tail -30 "$work/make.log"; exit 1; }
cp keepalived/keepalived "$build/keepalived"
install_mib
echo "$want" > "$stamp"
echo "keepalived: built $build/keepalived"
