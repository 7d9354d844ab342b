"""Load balancing on real veth pairs: FullNAT with 4 workers, NAT, DR, TUN."""
import ast
import collections
import subprocess
import time

import pytest

from lbhost import adm, fnat_service
from netns import sh
from servers import DECAP, PATIENT_CLIENT, PKTTOOL, PY, curl_many, start_echo
from waiting import wait_for

MANY_GETS = (
    "import collections, http.client, sys\n"
    "got = collections.Counter()\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    c = http.client.HTTPConnection('10.0.0.100', 80, timeout=5)\n"
    "    try:\n"
    "        c.request('GET', '/'); got[c.getresponse().read().decode().strip()] += 1\n"
    "    except Exception as e:\n"
    "        got['error:' + type(e).__name__] += 1\n"
    "    c.close()\n"
    "print(dict(got))\n")


def test_fullnat_balances_over_four_workers(lb, backends):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    for host in (11, 12, 13):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    fnat_service(d)
    # Thousands of connections, each new, none lost.
    r = sh(PY, "-c", MANY_GETS, "1500", ns=cl, timeout=300)
    got = ast.literal_eval(r.stdout)  # a dict our own script printed
    assert sum(got.values()) == 1500
    assert set(got) == {"rs1", "rs2", "rs3"}, got
    # rr per worker: each server gets close to a third.
    assert all(400 <= n <= 600 for n in got.values()), got
    st = d.pkt_stats()
    # A client port reused while its old conn lingers (TIME_WAIT) revives
    # that conn, as in IPVS: most, not all, requests make a new one.
    assert st["ipvs_conn_new"] >= 1000
    # Replies landing on a worker that does not own the conn were handed
    # over (af_packet's fanout hashes the reply tuple differently).
    assert st["ipvs_handover"] > 0
    assert st["ipvs_conn_full"] == 0 and st["ipvs_no_port"] == 0
    listing = adm(d, "-L", "-n").stdout
    assert "10.0.0.100:80" in listing and "FullNat" in listing
    stats = adm(d, "-L", "-n", "--stats", "--exact").stdout
    conns = {}
    for host in (11, 12, 13):
        row = [l for l in stats.splitlines() if "10.0.1.%d:80" % host in l][0]
        conns[host] = int(row.split()[2])    # Conns column
    # The counters come from every worker, summed through the message bus.
    assert sum(conns.values()) == st["ipvs_conn_new"], (conns, st)
    assert all(c >= 250 for c in conns.values()), conns
    bus = d.msgbus_stats()["ipvs-stats"]
    assert int(bus["replied"]) >= 4 and bus["timedout"] == "0"


def test_nat_balances_and_rewrites_replies(lb, backends):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    for host in (11, 12, 13):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    adm(d, "-A", "-t", "10.0.0.100:80", "-s", "wrr")
    for host, w in ((11, 1), (12, 2), (13, 3)):
        adm(d, "-a", "-t", "10.0.0.100:80", "-r", "10.0.1.%d:80" % host,
            "-m", "-w", str(w))
    got = ast.literal_eval(sh(PY, "-c", MANY_GETS, "300", ns=cl,
                                 timeout=120).stdout)
    # Each worker runs its own wrr sequence: 1:2:3 within a few conns.
    assert sum(got.values()) == 300 and set(got) == {"rs1", "rs2", "rs3"}, got
    assert 35 <= got["rs1"] <= 65 and 85 <= got["rs2"] <= 115, got
    assert 135 <= got["rs3"] <= 165, got
    assert "Masq" in adm(d, "-L", "-n").stdout


def test_dr_spreads_over_three_servers(farm, backends):
    """DR: dpvs only changes the MAC; each server owns the VIP and answers
    the client itself."""
    d, cl = farm["dpvs"], farm["cl"]
    for i, rs in enumerate(farm["servers"], 1):
        backends.start(rs, "10.0.0.100", "rs%d" % i, port=8080)
    adm(d, "-A", "-t", "10.0.0.100:8080", "-s", "rr")
    for host in (11, 12, 13):
        adm(d, "-a", "-t", "10.0.0.100:8080", "-r", "10.0.1.%d" % host, "-g")
    got = curl_many(farm["cl"], "http://10.0.0.100:8080/", 24)
    assert set(got) == {"rs1", "rs2", "rs3"}, got
    assert all(4 <= n <= 12 for n in got.values()), got
    assert "Route" in adm(d, "-L", "-n").stdout


def test_tun_encapsulates_to_the_real_server(lb):
    from scapy.all import Ether, IP
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    adm(d, "-A", "-u", "10.0.0.100:53")
    adm(d, "-a", "-u", "10.0.0.100:53", "-r", "10.0.1.12", "-i")
    sn = subprocess.Popen(["ip", "netns", "exec", rs, PY, PKTTOOL, "sniff",
                           "vrs0", "3", "ip proto 4"],
                          stdout=subprocess.PIPE, text=True)
    assert sn.stdout.readline().strip() == "ready"
    sh(PY, "-c", "import socket; s = socket.socket(socket.AF_INET, "
       "socket.SOCK_DGRAM); [s.sendto(b'q', ('10.0.0.100', 53)) "
       "for _ in range(3)]", ns=cl)
    out, _ = sn.communicate(timeout=15)
    frames = [Ether(bytes.fromhex(l)) for l in out.splitlines() if l]
    assert frames, "no IP-in-IP packet reached the real server"
    outer = frames[0][IP]
    inner = outer.payload
    assert outer.dst == "10.0.1.12" and outer.src == "10.0.1.1"
    assert inner.dst == "10.0.0.100" and inner.src == "10.0.0.2"


# The established connection of the tests below, 5 s for each reply.
CLIENT = PATIENT_CLIENT % 5


def test_established_flow_survives_config_changes(lb):
    """Adding, editing and removing other servers, or changing the
    scheduler, leaves an established connection alone."""
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    servers = [start_echo(rs, "10.0.1.11", 7000, "rs1"),
               start_echo(rs, "10.0.1.12", 7000, "rs2")]
    client = None
    try:
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
        adm(d, "-A", "-t", "10.0.0.100:7000", "-s", "rr")
        adm(d, "-P", "-t", "10.0.0.100:7000", "-z", "10.0.1.100")
        adm(d, "-a", "-t", "10.0.0.100:7000", "-r", "10.0.1.11", "-b")
        client = subprocess.Popen(["ip", "netns", "exec", cl, PY, "-c", CLIENT],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

        def say(word):
            client.stdin.write(word + "\n")
            client.stdin.flush()
            return client.stdout.readline().strip()

        assert say("one") == "rs1:one"
        adm(d, "-a", "-t", "10.0.0.100:7000", "-r", "10.0.1.12", "-b")
        assert say("two") == "rs1:two"
        adm(d, "-E", "-t", "10.0.0.100:7000", "-s", "mh")
        adm(d, "-e", "-t", "10.0.0.100:7000", "-r", "10.0.1.11", "-b", "-w", "0")
        assert say("three") == "rs1:three"
        adm(d, "-d", "-t", "10.0.0.100:7000", "-r", "10.0.1.12")
        assert say("four") == "rs1:four"
        conns = adm(d, "-L", "-n", "-c").stdout
        assert "ESTABLISHED" in conns and "10.0.1.11:7000" in conns
        # Weight 0: no new connections go to rs1 (and rs2 is gone).
        st_before = d.pkt_stats()["ipvs_no_dest"]
        r = sh(PY, "-c", "import socket; socket.create_connection("
               "('10.0.0.100', 7000), timeout=2)", ns=cl, check=False)
        assert r.returncode != 0
        assert d.pkt_stats()["ipvs_no_dest"] > st_before
    finally:
        if client:
            client.kill()
            client.wait()
        for p in servers:
            p.kill()
            p.wait()


def test_full_connection_pool_drops_new_flows_only(lb):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    d.write_conf(devices=d.devices, workers=d.workers,
                 sections={"ipvs": ["conn_pool_size = 1024;"]})
    d.stop()
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    server = start_echo(rs, "10.0.1.11", 7000, "rs1")
    client = None
    try:
        adm(d, "-A", "-t", "10.0.0.100:7000")
        adm(d, "-a", "-t", "10.0.0.100:7000", "-r", "10.0.1.11", "-m")
        client = subprocess.Popen(["ip", "netns", "exec", cl, PY, "-c", CLIENT],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        client.stdin.write("before\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "rs1:before"
        # A SYN flood from 3000 source ports: the pool runs out.
        sh(PY, "-c", "from scapy.all import Ether, IP, TCP, sendp, conf\n"
           "conf.verb = 0\n"
           "import subprocess, re\n"
           "mac = re.search(r'lladdr (\\S+)', subprocess.run(['ip', 'neigh', "
           "'show', '10.0.0.100'], capture_output=True, text=True).stdout)"
           ".group(1)\n"
           "sendp([Ether(dst=mac) / IP(src='10.0.0.2', dst='10.0.0.100') / "
           "TCP(sport=p, dport=7000, flags='S') for p in range(20000, 23000)], "
           "iface='vcl0')\n", ns=cl, timeout=120)
        # Half-open ones make room for each other (early drop).
        assert wait_for(lambda: d.pkt_stats()["ipvs_embryonic_evicted"] > 0)
        assert d.proc.poll() is None
        client.stdin.write("after\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "rs1:after"
    finally:
        if client:
            client.kill()
            client.wait()
        server.kill()
        server.wait()


def test_persistence_pins_a_client_network(lb, backends):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends.start(rs, "10.0.1.11", "rs1")
    backends.start(rs, "10.0.1.12", "rs2")
    sh("ip", "addr", "add", "10.0.0.3/24", "dev", "vcl0", ns=cl)
    d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
    adm(d, "-A", "-t", "10.0.0.100:80", "-s", "rr", "-p", "60")
    adm(d, "-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100")
    adm(d, "-a", "-t", "10.0.0.100:80", "-r", "10.0.1.11:80", "-b")
    adm(d, "-a", "-t", "10.0.0.100:80", "-r", "10.0.1.12:80", "-b")
    # Connections from one client land on different workers (different
    # source ports), yet all reach the server its template names.
    got = curl_many(cl, "http://10.0.0.100/", 12)
    assert len(got) == 1, got
    other = collections.Counter()
    for _ in range(6):
        r = sh("curl", "-s", "-m", "3", "--interface", "10.0.0.3",
               "http://10.0.0.100/", ns=cl, check=False)
        other[r.stdout.strip()] += 1
    assert len(other) == 1, other
    assert "persistent 60" in adm(d, "-L", "-n").stdout


UDP_PROBE = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.settimeout(3); s.connect(('10.0.0.100', 5555))\n"
    "s.send(b'anyone?')\n"
    "try:\n"
    "    s.recv(100); print('answered')\n"
    "except ConnectionRefusedError:\n"
    "    print('refused')\n"
    "except socket.timeout:\n"
    "    print('timeout')\n")


@pytest.mark.parametrize("method", ["-b", "-m"])
def test_icmp_errors_reach_the_client(lb, method):
    """A real server's port-unreachable comes back as if from the VIP,
    about the packet the client sent, so its socket sees the refusal."""
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    # The server's kernel would otherwise rate-limit its errors to us.
    sh("sysctl", "-qw", "net.ipv4.icmp_ratelimit=0", ns=rs)
    if method == "-b":
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
    else:
        sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    adm(d, "-A", "-u", "10.0.0.100:5555")
    if method == "-b":
        adm(d, "-P", "-u", "10.0.0.100:5555", "-z", "10.0.1.100")
    adm(d, "-a", "-u", "10.0.0.100:5555", "-r", "10.0.1.11", method)
    results = [sh(PY, "-c", UDP_PROBE, ns=cl).stdout.strip() for _ in range(4)]
    assert results == ["refused"] * 4, results


def test_connections_expire_by_state_timeouts(lb):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    adm(d, "--set", "0", "0", "2")      # UDP: 2 s
    assert "300" not in adm(d, "-L", "--timeout").stdout
    adm(d, "-A", "-u", "10.0.0.100:9999")
    adm(d, "-a", "-u", "10.0.0.100:9999", "-r", "10.0.1.11", "-m")
    sh(PY, "-c", "import socket; s = socket.socket(socket.AF_INET, "
       "socket.SOCK_DGRAM); s.sendto(b'x', ('10.0.0.100', 9999))", ns=cl)
    assert wait_for(lambda: "10.0.0.100:9999" in adm(d, "-L", "-n", "-c").stdout,
                    timeout=3)
    row = [l for l in adm(d, "-L", "-n", "-c").stdout.splitlines()
           if "10.0.0.100:9999" in l][0]
    assert "UDP" in row
    assert wait_for(lambda: "10.0.0.100:9999" not in
                    adm(d, "-L", "-n", "-c").stdout, timeout=6)


def wrk_errors(out):
    """Socket errors and non-2xx answers wrk reports (0 if none)."""
    errs = 0
    for line in out.splitlines():
        if "Socket errors" in line:
            errs += sum(int(n) for n in
                        __import__("re").findall(r"(\d+)", line))
        if "Non-2xx" in line:
            errs += int(line.split()[-1])
    return errs


def test_config_changes_under_load_lose_nothing(lb, backends):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    for host in (11, 12, 13):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    fnat_service(d)
    adm(d, "-d", "-t", "10.0.0.100:80", "-r", "10.0.1.13:80")
    wrk = subprocess.Popen(["ip", "netns", "exec", cl, "wrk", "-t", "2", "-c",
                            "16", "-d", "6s", "http://10.0.0.100/"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    time.sleep(1.5)
    adm(d, "-a", "-t", "10.0.0.100:80", "-r", "10.0.1.13:80", "-b")
    adm(d, "-E", "-t", "10.0.0.100:80", "-s", "wlc")
    adm(d, "-e", "-t", "10.0.0.100:80", "-r", "10.0.1.11:80", "-b", "-w", "3")
    d.dpip("addr", "add", "10.0.1.101/24", "dev", "dpdk1", "sapool")
    adm(d, "-P", "-t", "10.0.0.100:80", "-z", "10.0.1.101")
    time.sleep(3)
    # Rates over the sliding window, while the load runs.
    rate = adm(d, "-L", "-n", "--rate", "--exact").stdout
    row = [l for l in rate.splitlines() if l.startswith("TCP")][0]
    assert int(row.split()[2]) > 0, rate   # CPS
    out, _ = wrk.communicate(timeout=60)
    assert "requests in" in out, out
    assert wrk_errors(out) == 0, out


def test_tun_spreads_over_three_tunnel_endpoints(farm, backends):
    """Many requests over IP-in-IP: each server owns the VIP, decapsulates
    (in user space here: the test kernel has no ipip module) and answers
    the client directly."""
    d, cl = farm["dpvs"], farm["cl"]
    decaps = []
    try:
        for i, rs in enumerate(farm["servers"], 1):
            p = subprocess.Popen(["ip", "netns", "exec", rs, PY, DECAP,
                                  "decap0"], stdout=subprocess.PIPE, text=True)
            decaps.append(p)
            assert p.stdout.readline().strip() == "ready"
            backends.start(rs, "10.0.0.100", "rs%d" % i, port=8080)
        adm(d, "-A", "-t", "10.0.0.100:8080", "-s", "wrr")
        for host, w in ((11, 1), (12, 1), (13, 2)):
            adm(d, "-a", "-t", "10.0.0.100:8080", "-r", "10.0.1.%d" % host,
                "-i", "-w", str(w))
        got = curl_many(cl, "http://10.0.0.100:8080/", 24)
        assert sum(got.values()) == 24 and set(got) == {"rs1", "rs2", "rs3"}, got
        assert got["rs3"] > max(got["rs1"], got["rs2"]), got
        assert "Tunnel" in adm(d, "-L", "-n").stdout
    finally:
        for p in decaps:
            p.kill()
            p.wait()


SHARED_LADDR_CLIENT = (
    "import http.client, sys\n"
    "n = int(sys.argv[1])\n"
    "conns = [http.client.HTTPConnection('10.0.0.100', port, timeout=5)\n"
    "         for port in [80] * n + [8080] * n]\n"
    "for c in conns:\n"
    "    c.connect()\n"
    "ok = 0\n"
    "for c in conns:\n"
    "    try:\n"
    "        c.request('GET', '/'); ok += c.getresponse().read() == b'rs1\\n'\n"
    "    except Exception as e:\n"
    "        print('error', type(e).__name__)\n"
    "print(ok)\n")


def test_fullnat_services_sharing_a_local_address(lb, backends):
    """Two services, one local address, one real server: connections of
    both are open at once, and each gets its own replies (the services
    draw their local ports from one pool, so no two share a reply key)."""
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends.start(rs, "10.0.1.11", "rs1")
    d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
    for port in (80, 8080):
        svc = "10.0.0.100:%d" % port
        adm(d, "-A", "-t", svc, "-s", "rr")
        adm(d, "-P", "-t", svc, "-z", "10.0.1.100")
        adm(d, "-a", "-t", svc, "-r", "10.0.1.11:80", "-b")
    r = sh(PY, "-c", SHARED_LADDR_CLIENT, "24", ns=cl, check=False)
    assert r.stdout.strip().splitlines()[-1] == "48", r.stdout + r.stderr
    free = [int(l.split()[-1]) for l in adm(d, "-G").stdout.splitlines()
            if "10.0.1.100" in l]
    # One pool for the address: both services see the same ports left.
    assert len(free) == 2 and free[0] == free[1] <= 65536 - 1024 - 48, free
