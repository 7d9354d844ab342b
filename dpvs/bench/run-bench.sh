#!/bin/bash
# make bench: control plane, keepalived at scale, and the data plane on
# a pcap-fed port.  Prints one table and writes $BUILD/bench.csv.
# Figures only: nothing here passes or fails on a number.
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NSVC=${NSVC:-20000}
work=$(mktemp -d /tmp/dpvs-bench.XXXXXX)
pids=()
results=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work" /var/run/dpdk/bench_*
}
trap cleanup EXIT

row() { results+=("$1|$2|$3|$4"); }   # what, value, unit, note

start_dpvs() { # name devargs pool workers-lcores
	local name=$1 dev=$2 pool=$3
	cat > "$work/$name.conf" <<CONF
global = { log_level = "warning";
           eal_args = [ "--no-huge", "-m", "1536", "--no-pci", "--file-prefix", "bench_$name" ]; };
netif = { devices = ( { name = "dpdk0"; device = "$dev"; kni = false; } ); };
workers = { lcores = ( { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; } ); },
                       { lcore = 2; }, { lcore = 3; }, { lcore = 4; } ); };
ctrl = { ipc_file = "$work/$name.ipc"; };
ipvs = { conn_pool_size = $pool; max_services = 65536; };
neigh = { max_entries = 65536; };
CONF
	"$BUILD/dpvs" -c "$work/$name.conf" -p "$work/$name.pid" -- --lcores "$4" \
		> "$work/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		"$BUILD/dpvsctl" -x "$work/$name.ipc" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$work/$name.log"; exit 1
}

echo "bench: control plane ($NSVC services x 4 real servers, 4 workers)"
start_dpvs ctrl "net_null0,no-rx=1" 65536 '0@0,(1-4)@1'
while read -r what value unit; do
	row "$what" "$value" "$unit" "libdpvs, one client"
done < <("$BUILD/ctrl_bench" "$work/ctrl.ipc" "$NSVC" 4)
t0=$(date +%s.%N)
"$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n > /dev/null
row "dpvsadm_L_n_${NSVC}_services" "$(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1)" ms "whole listing"

echo "bench: keepalived loading $NSVC services x 4 real servers"
"$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -C
/usr/bin/python3 - "$work/ka.conf" "$NSVC" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        vip = "11.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        f.write("virtual_server %s 80 {\n    lb_algo wlc\n    lb_kind DR\n"
                "    protocol TCP\n" % vip)
        for j in range(4):
            k = i * 4 + j
            f.write("    real_server 12.%d.%d.%d 80 {\n        weight 1\n    }\n"
                    % ((k >> 16) & 255, (k >> 8) & 255, k & 255))
        f.write("}\n")
PY
count() { "$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n | grep -c '^TCP' || true; }
t0=$(date +%s.%N)
DPVS_IPC_FILE=$work/ctrl.ipc "$BUILD/keepalived" -n -l -C -f "$work/ka.conf" \
	-p "$work/ka.pid" -c "$work/kac.pid" -r "$work/kar.pid" > "$work/ka.log" 2>&1 &
kapid=$!
pids+=($kapid)
while [ "$(count)" -lt "$NSVC" ]; do sleep 0.5; done
row "keepalived_load_${NSVC}x4" "$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)" s "start to all in dpvs"
sed -i '0,/lb_algo wlc/s//lb_algo rr/' "$work/ka.conf"
t0=$(date +%s.%N)
kill -HUP "$kapid"
# (No "| grep -q": with pipefail its early exit would fail the pipeline.)
until [[ $("$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n) == *"TCP  11.0.0.0:80 rr"* ]]; do
	sleep 0.1
done
row "keepalived_reload_one_change" "$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)" s "SIGHUP to change in dpvs"
kill "$kapid"; wait "$kapid" 2>/dev/null || true

echo "bench: data plane, FullNAT, one worker, pcap-fed port"
/usr/bin/python3 - "$work" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, wrpcap
w = sys.argv[1]
eth = Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:02")
est = []
for f in range(250):   # net_pcap preloads the file into mbufs
    base = eth / IP(src="10.1.%d.%d" % (f >> 8, f & 255), dst="10.0.0.100") 
    est.append(base / TCP(sport=1024 + f, dport=80, flags="S"))
    est += [base / TCP(sport=1024 + f, dport=80, flags="A")] * 15
wrpcap(w + "/est.pcap", est)
PY
dataplane() { # name pcap counter
	start_dpvs "$1" "net_pcap0,rx_pcap=$work/$2,infinite_rx=1" 1048576 '0@0,1@1,(2-4)@0'
	local ipc=$work/$1.ipc
	"$BUILD/dpip" -x "$ipc" addr add 10.0.0.100/32 dev dpdk0
	"$BUILD/dpip" -x "$ipc" addr add 10.0.9.1/24 dev dpdk0 sapool
	"$BUILD/dpip" -x "$ipc" neigh add 10.0.9.2 lladdr 02:00:00:00:00:09 dev dpdk0
	"$BUILD/dpvsadm" --ipc-file "$ipc" -A -t 10.0.0.100:80 -s rr
	"$BUILD/dpvsadm" --ipc-file "$ipc" -P -t 10.0.0.100:80 -z 10.0.9.1
	"$BUILD/dpvsadm" --ipc-file "$ipc" -a -t 10.0.0.100:80 -r 10.0.9.2:80 -b
	sleep 1
	local a b
	a=$("$BUILD/dpip" -x "$ipc" -a stats | awk -v k="$3" '$1 == k { print $2 }')
	sleep 2
	b=$("$BUILD/dpip" -x "$ipc" -a stats | awk -v k="$3" '$1 == k { print $2 }')
	echo $(( (b - a) / 2 )) > "$work/$1.result"
	kill "$(cat "$work/$1.pid")"
}
hz=$(awk '/cpu MHz/ { printf "%d", $4 * 1000000; exit }' /proc/cpuinfo)
dataplane est est.pcap rx_packets
pps=$(cat "$work/est.result")
row "fnat_established_64B_1worker" "$(echo "scale=3; $pps / 1000000" | bc)" Mpps \
	"$(echo "$hz / $pps" | bc) cycles/pkt at ${hz%.*} Hz"

echo
printf '%-36s %14s %-8s %s\n' WHAT VALUE UNIT NOTE
echo "what,value,unit,note" > "$BUILD/bench.csv"
for r in "${results[@]}"; do
	IFS='|' read -r w v u n <<< "$r"
	printf '%-36s %14s %-8s %s\n' "$w" "$v" "$u" "$n"
	echo "$w,$v,$u,\"$n\"" >> "$BUILD/bench.csv"
done
echo
echo "bench: table written to $BUILD/bench.csv"
