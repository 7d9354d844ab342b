#!/bin/bash
# Puts the SMIv2 base modules (SNMPv2-SMI, -TC, -CONF, -MIB) and
# INET-ADDRESS-MIB (which KEEPALIVED-MIB imports) into DIR, next
# to DPVS-MIB.  Debian's net-snmp leaves the IETF modules out of main, so
# smilint and snmptranslate could not load any MIB that imports them;
# Debian's erlang-snmp package carries them as plain text.  The package is
# only downloaded and unpacked in the build directory, not installed, from
# the machine's own apt sources (apt checks its signature).
#   fetch-mibs.sh DIR
set -euo pipefail
dir=$1
mods=(SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB INET-ADDRESS-MIB)
have=1
for m in "${mods[@]}"; do [ -s "$dir/$m.txt" ] || have=0; done
[ $have = 1 ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "mibs: downloading erlang-snmp for the SMIv2 base modules"
if ! (cd "$work" && apt-get download -qq erlang-snmp >/dev/null 2>&1); then
	# Package lists can be missing on a machine that never ran apt-get update.
	apt-get update -qq
	(cd "$work" && apt-get download -qq erlang-snmp)
fi
dpkg-deb -x "$work"/erlang-snmp_*.deb "$work/x"
mkdir -p "$dir"
for m in "${mods[@]}"; do
	src=$(find "$work/x" -path "*/mibs/$m.mib" | head -1)
	[ -n "$src" ] || { echo "mibs: $m not found in erlang-snmp" >&2; exit 1; }
	cp "$src" "$dir/$m.txt"
done
echo "mibs: ${mods[*]} in $dir"
