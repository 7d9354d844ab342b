#!/bin/bash
# The newcomer's first run: a client namespace, dpvs with two ports and a
# namespace of three HTTP backends.  dpvs answers ARP and ping, balances a
# FullNAT service over the backends, hands other traffic to the kernel
# through dpdk0.kni, and is driven with dpip, dpvsadm and dpvsctl.
# Everything is removed at the end, also on Ctrl-C or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
tag=$$
lb=demo-lb-$tag
cl=demo-cl-$tag
rs=demo-rs-$tag
servers=()
dir=$(mktemp -d /tmp/dpvs-demo.XXXXXX)
prefix=dpvs_demo_$tag
pid=
snmp_pids=()

cleanup() {
	for p in "${snmp_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
	ip netns del "$rs" 2>/dev/null || true
	ip netns del "$cl" 2>/dev/null || true
	ip netns del "$lb" 2>/dev/null || true
	rm -rf "$dir" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
dpip() { echo "\$ dpip $*"; "$BUILD/dpip" -x "$dir/dpvs.ipc" "$@"; }
adm() { echo "\$ dpvsadm $*"; "$BUILD/dpvsadm" --ipc-file "$dir/dpvs.ipc" "$@"; }
ctl() { echo "\$ dpvsctl $*"; "$BUILD/dpvsctl" -x "$dir/dpvs.ipc" "$@"; }
in_cl() { echo "[client]\$ $*"; ip netns exec "$cl" "$@"; }

say "Topology: client $cl (10.0.0.2) -- dpdk0 [dpvs in $lb] dpdk1 -- $rs (10.0.1.11-13)"
for ns in "$lb" "$cl" "$rs"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
veth() { # ns_a if_a ns_b if_b
	ip link add "va-$tag" type veth peer name "vb-$tag"
	ip link set "va-$tag" netns "$1" name "$2"
	ip link set "vb-$tag" netns "$3" name "$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
	# af_packet must not see partial checksums or 64 KB super-frames.
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null
	ip netns exec "$3" ethtool -K "$4" tx off rx off tso off gso off gro off >/dev/null
}
veth "$lb" vlb0 "$cl" vcl0
veth "$lb" vlb1 "$rs" vrs0
ip -n "$cl" addr add 10.0.0.2/24 dev vcl0
for h in 11 12 13; do
	ip -n "$rs" addr add 10.0.1.$h/24 dev vrs0
	mkdir -p "$dir/www$h"
	echo "hello from backend 10.0.1.$h" > "$dir/www$h/index.html"
	ip netns exec "$rs" /usr/bin/python3 ha-tests/lib/httpd.py 10.0.1.$h 80 "$dir/www$h" &
	servers+=($!)
done

cat > "$dir/dpvs.conf" <<CONF
global = {
    # Two CPUs: workers 1 and 2 share CPU 1 (the start-up checks refuse
    # lcores the machine cannot run).
    eal_args = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix", "$prefix",
                 "--lcores", "0@0,(1-2)@1" ];
};
netif = {
    devices = (
        { name = "dpdk0"; device = "net_af_packet0,iface=vlb0,qpairs=2";
          rx_queues = 2; tx_queues = 2; rx_desc = 256; tx_desc = 256; },
        { name = "dpdk1"; device = "net_af_packet1,iface=vlb1,qpairs=2";
          rx_queues = 2; tx_queues = 2; rx_desc = 256; tx_desc = 256; }
    );
};
workers = {
    master_lcore = 0;
    lcores = (
        { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; },
                                { port = "dpdk1"; rx = [0]; tx = [0]; } ); },
        { lcore = 2; queues = ( { port = "dpdk0"; rx = [1]; tx = [1]; },
                                { port = "dpdk1"; rx = [1]; tx = [1]; } ); }
    );
};
ipvs = { conn_pool_size = 16384; };
ctrl = { ipc_file = "$dir/dpvs.ipc"; };
CONF

say "Checking the configuration (dpvs -t)"
"$BUILD/dpvs" -t -c "$dir/dpvs.conf"

say "Starting dpvs in $lb: master lcore 0, workers 1 and 2 sharing CPU 1"
ip netns exec "$lb" "$BUILD/dpvs" -c "$dir/dpvs.conf" -p "$dir/dpvs.pid" \
	>"$dir/dpvs.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	"$BUILD/dpvsctl" -x "$dir/dpvs.ipc" version >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/dpvs.log"; exit 1; }
	sleep 0.1
done
ctl version

say "Addresses: dpdk0 faces clients, the VIP sits on it; dpdk1 faces backends"
dpip addr add 10.0.0.1/24 dev dpdk0
dpip addr add 10.0.0.100/32 dev dpdk0
dpip addr add 10.0.1.1/24 dev dpdk1
dpip addr add 10.0.1.100/24 dev dpdk1 sapool
dpip addr show
dpip route show

say "The client pings dpvs: dpvs answers ARP and ICMP itself"
in_cl ping -c 3 -i 0.3 10.0.0.1
in_cl ip neigh show 10.0.0.1
dpip neigh show

say "A FullNAT service on 10.0.0.100:80 over the three backends"
adm -A -t 10.0.0.100:80 -s rr
adm -P -t 10.0.0.100:80 -z 10.0.1.100
for h in 11 12 13; do adm -a -t 10.0.0.100:80 -r 10.0.1.$h:80 -b; done
adm -L -n

say "30 requests from the client: each backend answers a share"
for _ in $(seq 30); do
	ip netns exec "$cl" curl -s -m 3 http://10.0.0.100/
done | sort | uniq -c
adm -L -n --stats
adm -G

say "The kernel twin of the port (what dpvs does not consume goes there)"
run ip -n "$lb" -br link show dpdk0.kni
dpip -s link show

say "Worker counters: where every packet went"
"$BUILD/dpip" -x "$dir/dpvs.ipc" stats
ctl lcore show

say "Monitoring: snmpd (master agentx) with the dpvs-snmp subagent"
snmp_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/snmpd.conf" <<SNMPD
agentaddress udp:127.0.0.1:$snmp_port
master agentx
agentXSocket unix:$dir/agentx.sock
rocommunity public 127.0.0.1
SNMPD
echo "\$ snmpd -f -C -c $dir/snmpd.conf"
snmpd -f -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" -p "$dir/snmpd.pid" &
snmp_pids+=($!)
for _ in $(seq 50); do [ -S "$dir/agentx.sock" ] && break; sleep 0.1; done
echo "\$ dpvs-snmp -f -x $dir/agentx.sock -c $dir/dpvs.ipc"
"$BUILD/dpvs-snmp" -f -x "$dir/agentx.sock" -c "$dir/dpvs.ipc" \
	-p "$dir/dpvs-snmp.pid" -l stderr &
snmp_pids+=($!)
sleep 2
run snmpwalk -v2c -c public -M +build/mibs -m DPVS-MIB -Os -Ob -OU 127.0.0.1:$snmp_port dpvsServiceTable
run snmptable -v2c -c public -M +build/mibs -m DPVS-MIB -OU -Cb -Ci 127.0.0.1:$snmp_port dpvsRealServerTable
# The subagent first, so snmpd does not see it vanish mid-session.
for ((i = ${#snmp_pids[@]} - 1; i >= 0; i--)); do
	kill -TERM "${snmp_pids[i]}"
	wait "${snmp_pids[i]}" || true
done
snmp_pids=()

say "Stopping dpvs with SIGTERM"
kill -TERM "$pid"
wait "$pid"
pid=
echo "dpvs exited cleanly; control socket removed: $([ -e "$dir/dpvs.ipc" ] && echo no || echo yes)"
say "Done.  Next: make check runs every test; docs/ explains the design."
