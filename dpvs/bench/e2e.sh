# End to end, sourced by run-bench.sh (uses its row, pids, netns, work,
# BUILD).  A client namespace, an LB namespace and a backend namespace
# joined by veths (offloads off on every end, as dpvs's af_packet and
# af_xdp ports need); one nginx backend serving a 612-byte page and an
# iperf3 server.  Through the LB namespace, one after the other on the
# same veths: dpvs FullNAT (one worker) on net_af_packet, then on
# net_af_xdp, HAProxy (mode tcp, one thread) and nginx stream (one
# worker process).  The direct path is a fourth veth from the client
# straight to the backend: the ceiling.  wrk: short connections
# (Connection: close) and keep-alive; iperf3: one bulk stream.
#   E2E_IDLE      dpvs's workers.idle_policy (sleep)
#   E2E_XDP_ARGS  devargs appended to the af_xdp ports' (e.g. ",busy_budget=0")

E2E_SECS=${E2E_SECS:-5}
WRK_CONNS=${WRK_CONNS:-16}
E2E_IDLE=${E2E_IDLE:-sleep}
E2E_XDP_ARGS=${E2E_XDP_ARGS:-}
tag=$$
cl=bench-cl-$tag lb=bench-lb-$tag rs=bench-rs-$tag

e2e_veth() { # ns_a if_a ns_b if_b
	ip link add "ba-$tag" type veth peer name "bb-$tag"
	ip link set "ba-$tag" netns "$1" name "$2"
	ip link set "bb-$tag" netns "$3" name "$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
	ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null
	ip netns exec "$3" ethtool -K "$4" tx off rx off tso off gso off gro off >/dev/null
}

e2e_bg() { # ns command... (in the background, remembered for cleanup)
	local ns=$1
	shift
	ip netns exec "$ns" "$@" > "$work/e2e-$(basename "$1")-$ns.log" 2>&1 &
	pids+=($!)
	e2e_last=$!
}

e2e_wait_port() { # ns addr port
	for _ in $(seq 100); do
		ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench: nothing answers $2:$3 in $1" >&2
	return 1
}

# Requests/s and Gbit/s from the client to addr (80 and 5201).
e2e_measure() { # what addr note
	local out rps gbps
	out=$(ip netns exec "$cl" wrk -t1 -c"$WRK_CONNS" -d"${E2E_SECS}s" \
		-H "Connection: close" "http://$2/" 2>&1 || true)
	e2e_rps "$1" short_http "wrk -c$WRK_CONNS Connection: close, 612 B page; $3" "$out"
	out=$(ip netns exec "$cl" wrk -t1 -c"$WRK_CONNS" -d"${E2E_SECS}s" \
		"http://$2/" 2>&1 || true)
	e2e_rps "$1" keepalive_http "wrk -c$WRK_CONNS keep-alive, 612 B page; $3" "$out"
	out=$(ip netns exec "$cl" iperf3 -c "$2" -t "$E2E_SECS" -J 2>&1 || true)
	gbps=$(echo "$out" | /usr/bin/python3 -c 'import json,sys
try: print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: print(0)')
	row "e2e_${1}_bulk_tcp" "$gbps" Gbit/s - e2e_direct_bulk_tcp "iperf3, one stream; $3"
}

e2e_rps() { # what kind note wrk-output
	local rps
	echo "$1 $2 wrk: $(echo "$4" | grep -E 'Requests/sec|errors|Non-2xx' | tr -s ' ' | tr '\n' ';')" \
		>> "$work/e2e.log"
	rps=$(echo "$4" | awk '/Requests\/sec/ { printf "%d", $2 }')
	row "e2e_${1}_$2" "${rps:-0}" req/s - "e2e_direct_$2" "$3"
}

echo "bench: end to end through namespaces (wrk, iperf3)"
for ns in "$cl" "$lb" "$rs"; do
	ip netns add "$ns"
	netns+=("$ns")
	ip -n "$ns" link set lo up
done
e2e_veth "$lb" vlb0 "$cl" vcl0
e2e_veth "$lb" vlb1 "$rs" vrs0
e2e_veth "$cl" vcl1 "$rs" vrs1
ip -n "$cl" addr add 10.0.0.2/24 dev vcl0
ip -n "$cl" addr add 10.0.2.2/24 dev vcl1
ip -n "$rs" addr add 10.0.1.11/24 dev vrs0
ip -n "$rs" addr add 10.0.2.11/24 dev vrs1
mkdir -p "$work/www"
chmod 755 "$work" "$work/www"             # nginx's workers are www-data
head -c 612 /dev/zero | tr '\0' x > "$work/www/index.html"
cat > "$work/nginx-rs.conf" <<NGX
worker_processes 1;
daemon off;
pid $work/nginx-rs.pid;
error_log $work/nginx-rs.err;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $work/www;
    proxy_temp_path $work/www;
    fastcgi_temp_path $work/www;
    uwsgi_temp_path $work/www;
    scgi_temp_path $work/www;
    server { listen 80 reuseport; root $work/www; }
}
NGX
e2e_bg "$rs" nginx -c "$work/nginx-rs.conf"
e2e_bg "$rs" iperf3 -s -p 5201
e2e_wait_port "$rs" 10.0.1.11 80
e2e_wait_port "$rs" 10.0.1.11 5201

echo "bench:   direct, client to backend"
e2e_measure direct 10.0.2.11 "no load balancer: the ceiling"

# dpvs FullNAT on the LB namespace's two veths, one worker; $2 and $3
# the ports' devargs (af_packet or af_xdp), $4 the first of its 4 local
# addresses 10.0.1.$4..: each run connects from addresses of its own, as
# the kernel proxies do, never meeting the backend's TIME_WAIT sockets
# left by the run before.
e2e_dpvs() { # what devargs0 devargs1 first-laddr note
	local x a d l laddrs
	cat > "$work/e2e-$1.conf" <<CONF
global = { log_level = "warning";
           eal_args = [ "--no-huge", "-m", "512", "--no-pci", "--file-prefix", "bench_e2e_$1" ]; };
netif = { devices = (
    { name = "dpdk0"; device = "$2"; kni = false; },
    { name = "dpdk1"; device = "$3"; kni = false; } ); };
workers = { idle_policy = "$E2E_IDLE";
            lcores = ( { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; },
                                               { port = "dpdk1"; rx = [0]; tx = [0]; } ); } ); };
ctrl = { ipc_file = "$work/e2e-$1.ipc"; };
ipvs = { conn_pool_size = 524288; };
CONF
	ip netns exec "$lb" "$BUILD/dpvs" -c "$work/e2e-$1.conf" -p "$work/e2e-$1.pid" \
		-- --lcores '0@0,1@1' > "$work/e2e-$1.log" 2>&1 &
	d=$!
	pids+=($d)
	for _ in $(seq 100); do
		"$BUILD/dpvsctl" -x "$work/e2e-$1.ipc" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	x=("$BUILD/dpip" -x "$work/e2e-$1.ipc")
	a=("$BUILD/dpvsadm" --ipc-file "$work/e2e-$1.ipc")
	"${x[@]}" addr add 10.0.0.1/24 dev dpdk0
	"${x[@]}" addr add 10.0.0.100/32 dev dpdk0
	"${x[@]}" addr add 10.0.1.1/24 dev dpdk1
	laddrs=$(seq "$4" $(($4 + 3)))
	for l in $laddrs; do "${x[@]}" addr add "10.0.1.$l/24" dev dpdk1 sapool; done
	for port in 80 5201; do
		"${a[@]}" -A -t "10.0.0.100:$port" -s rr
		for l in $laddrs; do "${a[@]}" -P -t "10.0.0.100:$port" -z "10.0.1.$l"; done
		"${a[@]}" -a -t "10.0.0.100:$port" -r "10.0.1.11:$port" -b
	done
	e2e_wait_port "$cl" 10.0.0.100 80
	e2e_measure "$1" 10.0.0.100 "$5"
	echo "$1: $("${x[@]}" stats | grep -E '^(ipvs_conn_new|ipvs_no_port|ipvs_conn_full|tx_dropped) ' | tr -s ' ' | tr '\n' ';')" \
		>> "$work/e2e.log"
	kill "$d"; wait "$d" 2>/dev/null || true
	# The client and the backend must learn the next run's MACs.
	ip netns exec "$cl" ip neigh flush all
	ip netns exec "$rs" ip neigh flush all
}

echo "bench:   dpvs FullNAT, one worker, net_af_packet"
e2e_dpvs dpvs_fnat net_af_packet0,iface=vlb0,qpairs=1 net_af_packet1,iface=vlb1,qpairs=1 100 \
	"dpvs FullNAT, 1 worker ($E2E_IDLE), net_af_packet"
echo "bench:   dpvs FullNAT, one worker, net_af_xdp"
e2e_dpvs dpvs_xdp_fnat "net_af_xdp0,iface=vlb0$E2E_XDP_ARGS" "net_af_xdp1,iface=vlb1$E2E_XDP_ARGS" 104 \
	"dpvs FullNAT, 1 worker ($E2E_IDLE), net_af_xdp"

# The kernel proxies: the LB namespace's own addresses on the same veths.
# Each listens on an address of its own (10.0.0.101, .102): the one
# before leaves its side of the closed connections in TIME_WAIT, and a
# client SYN meeting one of those waits a second for a retry.
ip -n "$lb" addr add 10.0.0.101/24 dev vlb0
ip -n "$lb" addr add 10.0.0.102/24 dev vlb0
ip -n "$lb" addr add 10.0.1.1/24 dev vlb1
# Each proxy connects from an address of its own, so it never meets the
# backend's TIME_WAIT sockets left by the one before, with every port.
ip -n "$lb" addr add 10.0.1.2/24 dev vlb1
ip -n "$lb" addr add 10.0.1.3/24 dev vlb1
ip netns exec "$lb" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$cl" ip neigh flush all
ip netns exec "$rs" ip neigh flush all

echo "bench:   HAProxy, mode tcp, one thread"
cat > "$work/haproxy.cfg" <<HAP
global
    maxconn 8000
    nbthread 1
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
listen web
    bind 10.0.0.101:80
    server rs 10.0.1.11:80 source 10.0.1.2
listen bulk
    bind 10.0.0.101:5201
    server rs 10.0.1.11:5201 source 10.0.1.2
HAP
e2e_bg "$lb" haproxy -db -f "$work/haproxy.cfg"
e2e_hap=$e2e_last
e2e_wait_port "$cl" 10.0.0.101 80
e2e_measure haproxy_tcp 10.0.0.101 "HAProxy $(haproxy -v | awk 'NR == 1 { print $3 }') mode tcp, nbthread 1"
kill "$e2e_hap"; wait "$e2e_hap" 2>/dev/null || true

echo "bench:   nginx stream, one worker"
cat > "$work/nginx-lb.conf" <<NGX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid $work/nginx-lb.pid;
error_log $work/nginx-lb.err;
events { worker_connections 8192; }
stream {
    proxy_bind 10.0.1.3;
    server { listen 10.0.0.102:80; proxy_pass 10.0.1.11:80; }
    server { listen 10.0.0.102:5201; proxy_pass 10.0.1.11:5201; }
}
NGX
e2e_bg "$lb" nginx -c "$work/nginx-lb.conf"
e2e_ngx=$e2e_last
e2e_wait_port "$cl" 10.0.0.102 80
e2e_measure nginx_stream 10.0.0.102 "nginx $(nginx -v 2>&1 | cut -d/ -f2) stream, 1 worker"
kill "$e2e_ngx"; wait "$e2e_ngx" 2>/dev/null || true
