#!/bin/bash
# The newcomer's first run: a client namespace and dpvs on a veth pair.
# dpvs answers ARP and ping on its port, hands other traffic to the kernel
# through dpdk0.kni, and is driven with dpip and dpvsctl.  Everything is
# removed at the end, also on Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tag=$$
lb=demo-lb-$tag
cl=demo-cl-$tag
dir=$(mktemp -d /tmp/dpvs-demo.XXXXXX)
prefix=dpvs_demo_$tag
pid=

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	ip netns del "$cl" 2>/dev/null || true
	ip netns del "$lb" 2>/dev/null || true
	rm -rf "$dir" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
dpip() { echo "\$ dpip $*"; "$BUILD/dpip" -x "$dir/dpvs.ipc" "$@"; }
ctl() { echo "\$ dpvsctl $*"; "$BUILD/dpvsctl" -x "$dir/dpvs.ipc" "$@"; }
in_cl() { echo "[client]\$ $*"; ip netns exec "$cl" "$@"; }

say "Topology: namespace $cl (10.0.0.2) <-veth-> dpvs in $lb (dpdk0 = 10.0.0.1)"
ip netns add "$lb"
ip netns add "$cl"
ip link add vlb0-$tag type veth peer name vcl0-$tag
ip link set vlb0-$tag netns "$lb" name vlb0
ip link set vcl0-$tag netns "$cl" name vcl0
for ns in "$lb" "$cl"; do ip -n "$ns" link set lo up; done
ip -n "$lb" link set vlb0 up
ip -n "$cl" link set vcl0 up
ip -n "$cl" addr add 10.0.0.2/24 dev vcl0
# af_packet must not see partial checksums or 64 KB super-frames.
ip netns exec "$lb" ethtool -K vlb0 tx off rx off tso off gso off gro off >/dev/null
ip netns exec "$cl" ethtool -K vcl0 tx off rx off tso off gso off gro off >/dev/null

cat > "$dir/dpvs.conf" <<CONF
global = {
    eal_args = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix", "$prefix" ];
};
netif = {
    devices = ( { name = "dpdk0"; device = "net_af_packet0,iface=vlb0,qpairs=2";
                  rx_queues = 2; tx_queues = 2; rx_desc = 256; tx_desc = 256; } );
};
workers = {
    master_lcore = 0;
    lcores = (
        { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; } ); },
        { lcore = 2; queues = ( { port = "dpdk0"; rx = [1]; tx = [1]; } ); }
    );
};
ctrl = { ipc_file = "$dir/dpvs.ipc"; };
CONF

say "Checking the configuration (dpvs -t)"
"$BUILD/dpvs" -t -c "$dir/dpvs.conf"

say "Starting dpvs in $lb: master lcore 0, workers 1 and 2 sharing CPU 1"
ip netns exec "$lb" "$BUILD/dpvs" -c "$dir/dpvs.conf" -p "$dir/dpvs.pid" \
	-- --lcores '0@0,(1-2)@1' >"$dir/dpvs.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	"$BUILD/dpvsctl" -x "$dir/dpvs.ipc" version >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/dpvs.log"; exit 1; }
	sleep 0.1
done
ctl version

say "Giving dpdk0 an address (a /32 local route and the connected /24 appear)"
dpip addr add 10.0.0.1/24 dev dpdk0
dpip addr show
dpip route show

say "The client pings dpvs: dpvs answers ARP and ICMP itself"
in_cl ping -c 3 -i 0.3 10.0.0.1
in_cl ip neigh show 10.0.0.1
dpip neigh show

say "The kernel twin of the port (what dpvs does not consume goes there)"
run ip -n "$lb" -br link show dpdk0.kni
dpip -s link show

say "Worker counters: where every packet went"
"$BUILD/dpip" -x "$dir/dpvs.ipc" stats
ctl lcore show

say "Stopping dpvs with SIGTERM"
kill -TERM "$pid"
wait "$pid"
pid=
echo "dpvs exited cleanly; control socket removed: $([ -e "$dir/dpvs.ipc" ] && echo no || echo yes)"
say "Done.  Next: make check runs every test; docs/ explains the design."
