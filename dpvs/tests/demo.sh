#!/bin/bash
# The newcomer's first run: start dpvs on a pcap-fed port with two worker
# lcores, show it answering on its control socket, then stop it cleanly.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
dir=$(mktemp -d /tmp/dpvs-demo.XXXXXX)
prefix=dpvs_demo_$$
pid=

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	rm -rf "$dir" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
ctl() { echo "\$ dpvsctl $*"; "$BUILD/dpvsctl" -x "$dir/dpvs.ipc" "$@"; }

say "Writing 1000 test packets to a pcap file; dpvs's port reads them"
/usr/bin/python3 - "$dir/in.pcap" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, wrpcap
wrpcap(sys.argv[1], [Ether(dst="02:00:00:00:00:01") / IP(src="192.0.2.%d" % (i % 200 + 1), dst="198.51.100.1") / UDP(sport=1024 + i, dport=80)
                     for i in range(1000)])
PY

cat > "$dir/dpvs.conf" <<CONF
global = {
    log_level = "info";
    eal_args = [ "--no-huge", "-m", "256", "--no-pci", "--file-prefix", "$prefix" ];
};
netif = {
    devices = ( { name = "dpdk0"; device = "net_pcap0,rx_pcap=$dir/in.pcap"; } );
};
workers = {
    master_lcore = 0;
    lcores = (
        { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; } ); },
        { lcore = 2; }
    );
};
ctrl = { ipc_file = "$dir/dpvs.ipc"; };
CONF

say "Checking the configuration (dpvs -t)"
"$BUILD/dpvs" -t -c "$dir/dpvs.conf"

say "Starting dpvs: master lcore 0, workers 1 and 2 sharing CPU 1"
"$BUILD/dpvs" -c "$dir/dpvs.conf" -p "$dir/dpvs.pid" -- --lcores '0@0,(1-2)@1' &
pid=$!
for _ in $(seq 100); do
	"$BUILD/dpvsctl" -x "$dir/dpvs.ipc" version >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 1

say "Asking the daemon who it is"
ctl version
say "Its lcores: worker 1 polled the port and received the 1000 packets"
ctl lcore show
say "A round of 1000 multicasts over the lcore message bus"
ctl msgbus ping 1000
ctl msgbus show
say "Control-socket counters"
ctl ctrl show
say "Raising the log level at run time"
ctl log-level debug

say "Stopping dpvs with SIGTERM"
kill -TERM "$pid"
wait "$pid"
pid=
echo "dpvs exited cleanly; socket removed: $([ -e "$dir/dpvs.ipc" ] && echo no || echo yes)"
say "Done.  Next: make check runs every test; docs/ explains the design."
