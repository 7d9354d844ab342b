#!/bin/bash
# Builds dpdk-testpmd, the I/O reference of `make bench`, into BUILD.
# Debian 12 ships no dpdk-testpmd, so this fetches the source package of
# the installed DPDK from Debian's archive (a private apt sources list
# made from this machine's own, see keepalived/debsrc.py; the
# system's apt configuration is not touched), checks the tarball's
# SHA-256, and compiles only app/test-pmd against the installed libdpdk
# (pkg-config libdpdk).  Left out: the driver-private commands of
# mlx5/bnxt/i40e/ixgbe/dpaa/bonding (their sources live in drivers/ and
# they do nothing on vdevs) and the JSON flex-item parser.
#   testpmd-build.sh BUILD
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
debver=22.11.11-0+deb12u1
srcdir=dpdk-stable-22.11.11
tarball=dpdk_22.11.11.orig.tar.xz
sha256=27a3bb1f57e02eb68c7c0a6f8bbf9fb74ec198c5aab74ed602da5b71c492a476
mkdir -p "$build"
dir=$(cd "$build" && pwd)/testpmd-src
out=$build/dpdk-testpmd

have=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || true)
if [ "$have" != "$debver" ]; then
	echo "testpmd: libdpdk-dev is '$have', this script knows $debver" >&2
	exit 1
fi
[ -x "$out" ] && [ "$out" -nt "$0" ] && exit 0

mkdir -p "$dir/obj" "$dir/inc"
"$here/../../keepalived/fetch-debsrc.sh" testpmd "dpdk=$debver" \
	"$tarball" "$sha256" "$dir" "$dir/apt"
rm -rf "${dir:?}/$srcdir"
tar -C "$dir" -xJf "$dir/$tarball" "$srcdir/app/test-pmd" \
	"$srcdir/lib/eal/linux/include/rte_os_shim.h"
# rte_os_shim.h is an EAL-internal header testpmd includes; Debian does
# not install it.
cp "$dir/$srcdir/lib/eal/linux/include/rte_os_shim.h" "$dir/inc/"
cat > "$dir/inc/testpmd_vdev_only.h" <<'H'
#include <rte_build_config.h>
#undef RTE_NET_MLX5
#undef RTE_NET_BNXT
#undef RTE_NET_I40E
#undef RTE_NET_IXGBE
#undef RTE_NET_DPAA
#undef RTE_NET_BOND
#undef RTE_HAS_JANSSON
H
srcs=(5tswap cmdline cmdline_flow cmdline_mtr cmdline_tm cmd_flex_item config
      csumonly flowgen icmpecho ieee1588fwd iofwd macfwd macswap noisy_vnf
      parameters rxonly shared_rxq_fwd testpmd txonly util bpf_cmd)
echo "testpmd: compiling app/test-pmd (${#srcs[@]} files) against libdpdk $have"
cflags="-O3 -w -DALLOW_EXPERIMENTAL_API -DALLOW_INTERNAL_API
	$(pkg-config --cflags libdpdk) -I$dir/inc -include testpmd_vdev_only.h
	-I$dir/$srcdir/app/test-pmd"
printf '%s\n' "${srcs[@]}" | xargs -P"$(nproc)" -I{} sh -c \
	"gcc $(echo $cflags) -c $dir/$srcdir/app/test-pmd/{}.c -o $dir/obj/{}.o"
gcc -o "$out" "$dir"/obj/*.o $(pkg-config --libs libdpdk) -lpthread -lm
echo "testpmd: built $out"
