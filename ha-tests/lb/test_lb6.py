"""Load balancing IPv6 on real veth pairs: FullNAT, NAT, DR and TUN
(IPv6-in-IPv6), UDP, every scheduler, and FullNAT replies handed over
between workers.

client 2001:db8::2 -- dpdk0 2001:db8::1 (+ VIP 2001:db8:100::100)
[dpvs] dpdk1 2001:db8:1::1 (+ local address 2001:db8:1::100) -- real
servers 2001:db8:1::11-13 (one namespace; the VIP on its lo for DR and
TUN, and its default route through dpvs, IPv6 forwarding on).

Neighbours are static on both sides and DAD is off (nodad, accept_dad=0),
so the tests depend on the load balancer's path, not on NDP.
"""
import ast
import subprocess

import pytest

from lan6 import host6, need_dpip6, ns_mac, port_mac
from lbhost import DEVS, WORKERS, adm, lb_namespaces
from netns import Topology, sh
from servers import DECAP, PY

VIP = "2001:db8:100::100"
LIP = "2001:db8:1::100"
CL, LB0, LB1 = "2001:db8::2", "2001:db8::1", "2001:db8:1::1"
RS = {h: "2001:db8:1::%d" % h for h in (11, 12, 13)}
SVC = "[%s]:80" % VIP

# n GETs to the VIP on new connections: {answer: count}.
GETS = (
    "import collections, http.client, sys\n"
    "got = collections.Counter()\n"
    "for _ in range(int(sys.argv[2])):\n"
    "    c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[3]), timeout=5)\n"
    "    try:\n"
    "        c.request('GET', '/'); got[c.getresponse().read().decode().strip()] += 1\n"
    "    except Exception as e:\n"
    "        got['error:' + type(e).__name__] += 1\n"
    "    c.close()\n"
    "print(dict(got))\n")


def gets(ns, n, port=80):
    r = sh(PY, "-c", GETS, VIP, str(n), str(port), ns=ns, timeout=240)
    return ast.literal_eval(r.stdout)   # a dict our own script printed


def setup6(d, cl, rs):
    """Addresses, routes and static neighbours of the topology above."""
    need_dpip6(d)
    d.dpip("addr", "add", LB0 + "/64", "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", VIP + "/128", "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", LB1 + "/64", "dev", "dpdk1", "nodad")
    d.dpip("addr", "add", LIP + "/64", "dev", "dpdk1", "sapool", "nodad")
    host6(cl, "vcl0", CL + "/64")
    sh("ip", "-6", "route", "add", "2001:db8:100::/64", "via", LB0, ns=cl)
    sh("ip", "-6", "neigh", "replace", LB0, "lladdr", port_mac(d, "dpdk0"),
       "dev", "vcl0", "nud", "permanent", ns=cl)
    d.dpip("neigh", "add", CL, "lladdr", ns_mac(cl, "vcl0"), "dev", "dpdk0")
    for i, h in enumerate(RS):
        if i == 0:
            host6(rs, "vrs0", RS[h] + "/64")
        else:
            sh("ip", "-6", "addr", "add", RS[h] + "/64", "dev", "vrs0",
               "nodad", ns=rs)
        d.dpip("neigh", "add", RS[h], "lladdr", ns_mac(rs, "vrs0"), "dev",
               "dpdk1")
    for a in (LB1, LIP):
        sh("ip", "-6", "neigh", "replace", a, "lladdr", port_mac(d, "dpdk1"),
           "dev", "vrs0", "nud", "permanent", ns=rs)
    sh("ip", "-6", "route", "add", "default", "via", LB1, ns=rs)
    sh("ip", "-6", "addr", "add", VIP + "/128", "dev", "lo", ns=rs)


def start6(dpvs_factory, lbns, devices, workers, pool=65536):
    d = dpvs_factory(netns=lbns, devices=devices, workers=workers,
                     sections={"ipvs": ["conn_pool_size = %d;" % pool],
                               "ipv6": ["forwarding = true;"]})
    d.start()
    return d


@pytest.fixture
def lb6(dpvs_factory):
    t = Topology("l6")
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start6(dpvs_factory, lbns, DEVS, WORKERS)
        setup6(d, cl, rs)
        yield {"dpvs": d, "cl": cl, "rs": rs, "lb": lbns, "topo": t}
    finally:
        t.destroy()


def fnat6(d, sched="rr", hosts=(11, 12, 13), port=80):
    adm(d, "-A", "-t", SVC, "-s", sched)
    adm(d, "-P", "-t", SVC, "-z", LIP)
    for h in hosts:
        adm(d, "-a", "-t", SVC, "-r", "[%s]:%d" % (RS[h], port), "-b")


def test_fnat6_http(lb6, backends):
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    for h in RS:
        backends.start(rs, RS[h], "rs%d" % (h - 10))
    fnat6(d)
    got = gets(cl, 90)
    assert sum(got.values()) == 90 and set(got) == {"rs1", "rs2", "rs3"}, got
    assert all(15 <= n <= 45 for n in got.values()), got
    st = d.pkt_stats()
    assert st["ipvs_conn_new"] >= 80 and st["ipvs6_bad_l4"] == 0
    listing = adm(d, "-L", "-n").stdout
    assert "[%s]:80" % VIP in listing and "FullNat" in listing, listing
    # The connections list their v6 client, VIP, local address and server.
    conns = [l for l in adm(d, "-L", "-n", "-c").stdout.splitlines()
             if "[%s]:" % CL in l]
    assert len(conns) >= 80, conns[:3]
    assert all("[%s]:80" % VIP in l and "[%s]:" % LIP in l
               for l in conns), conns[:3]
    assert {h for h in RS if any("[%s]:80" % RS[h] in l for l in conns)} == \
        set(RS), conns[:3]


def test_v6_laddr_added_by_naming_its_port(lb6, backends):
    """keepalived's local_address_group names a port: dpvs adds the v6
    address itself, without DAD, so it serves at once (it was refused as
    "not an address of this host" while tentative)."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    lip2 = "2001:db8:1::201"
    sh("ip", "-6", "neigh", "replace", lip2, "lladdr", port_mac(d, "dpdk1"),
       "dev", "vrs0", "nud", "permanent", ns=rs)
    backends.start(rs, RS[11], "rs1")
    adm(d, "-A", "-t", SVC, "-s", "rr")
    adm(d, "-P", "-t", SVC, "-z", lip2, "-F", "dpdk1")
    adm(d, "-a", "-t", SVC, "-r", "[%s]:80" % RS[11], "-b")
    line = [l for l in d.dpip("-6", "addr").stdout.splitlines() if lip2 in l]
    assert line and "sapool" in line[0] and "tentative" not in line[0], line
    got = gets(cl, 10)
    assert got == {"rs1": 10}, got
    conns = [l for l in adm(d, "-L", "-n", "-c").stdout.splitlines()
             if "[%s]:" % lip2 in l]
    assert len(conns) >= 10, conns[:3]


def test_nat6_http(lb6, backends):
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    for h in (11, 12):
        backends.start(rs, RS[h], "rs%d" % (h - 10))
    adm(d, "-A", "-t", SVC, "-s", "rr")
    for h in (11, 12):
        adm(d, "-a", "-t", SVC, "-r", "[%s]:80" % RS[h], "-m")
    got = gets(cl, 40)
    assert sum(got.values()) == 40 and set(got) == {"rs1", "rs2"}, got
    assert "Masq" in adm(d, "-L", "-n").stdout


def test_dr6_http(lb6, backends):
    """DR: only the MAC changes; the server owns the VIP (on lo) and
    answers the client itself, through dpvs's IPv6 forwarding."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    backends.start(rs, VIP, "rs-dr", port=8080)
    adm(d, "-A", "-t", "[%s]:8080" % VIP, "-s", "rr")
    adm(d, "-a", "-t", "[%s]:8080" % VIP, "-r", "[%s]" % RS[13], "-g")
    got = gets(cl, 20, port=8080)
    assert got == {"rs-dr": 20}, got
    st = d.pkt_stats()
    assert st["ip6_forwarded"] > 0      # the server's replies
    assert "Route" in adm(d, "-L", "-n").stdout


def test_tun6_http(lb6, backends):
    """TUN: IPv6-in-IPv6 to the server, which decapsulates (in user space:
    no ip6_tunnel is assumed in the test kernel) and answers directly."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    decap = subprocess.Popen(["ip", "netns", "exec", rs, PY, DECAP, "decap0",
                              "--v6"], stdout=subprocess.PIPE, text=True)
    try:
        assert decap.stdout.readline().strip() == "ready"
        backends.start(rs, VIP, "rs-tun", port=8080)
        adm(d, "-A", "-t", "[%s]:8080" % VIP, "-s", "rr")
        adm(d, "-a", "-t", "[%s]:8080" % VIP, "-r", "[%s]" % RS[12], "-i")
        got = gets(cl, 20, port=8080)
        assert got == {"rs-tun": 20}, got
        assert d.pkt_stats()["tun6_too_big"] == 0
        assert "Tunnel" in adm(d, "-L", "-n").stdout
    finally:
        decap.kill()
        decap.wait()


SINK = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, "
    "socket.SO_REUSEADDR, 1)\n"
    "s.bind(('%s', 9000)); s.listen(4); print('ready', flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); n = 0\n"
    "    while True:\n"
    "        d = c.recv(65536)\n"
    "        if not d: break\n"
    "        n += len(d)\n"
    "    c.sendall(b'%%d' %% n); c.close()\n")

UPLOAD = (
    "import socket, sys\n"
    "c = socket.create_connection((sys.argv[1], 9000), timeout=20)\n"
    "c.sendall(b'x' * int(sys.argv[2])); c.shutdown(socket.SHUT_WR)\n"
    "print(c.recv(100).decode())\n")


def test_tun6_packet_too_big_lowers_the_clients_mtu(lb6):
    """Full-sized client segments do not fit the tunnel: dpvs answers
    "packet too big" (MTU 1500 - 40) from the VIP, the client's kernel
    takes it (its route to the VIP learns mtu 1460), resends smaller,
    and the upload arrives whole."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    procs = []
    try:
        for cmd in ([DECAP, "decap0", "--v6"], ["-c", SINK % VIP]):
            p = subprocess.Popen(["ip", "netns", "exec", rs, PY] + cmd,
                                 stdout=subprocess.PIPE, text=True)
            procs.append(p)
            assert p.stdout.readline().strip() == "ready"
        adm(d, "-A", "-t", "[%s]:9000" % VIP, "-s", "rr")
        adm(d, "-a", "-t", "[%s]:9000" % VIP, "-r", "[%s]" % RS[12], "-i")
        r = sh(PY, "-c", UPLOAD, VIP, "300000", ns=cl, timeout=60)
        assert r.stdout.strip() == "300000"
        assert d.pkt_stats()["tun6_too_big"] > 0
        route = sh("ip", "-6", "route", "get", VIP, ns=cl).stdout
        assert "mtu 1460" in route, route
    finally:
        for p in procs:
            p.kill()
            p.wait()


UDP_ECHO = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
    "s.bind(('%s', 5353)); print('ready', flush=True)\n"
    "while True:\n"
    "    d, a = s.recvfrom(2000); s.sendto(b'%s:' + d, a)\n")

UDP_CLIENT = (
    "import socket, sys\n"
    "got = {}\n"
    "for i in range(int(sys.argv[2])):\n"
    "    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
    "    s.settimeout(3); s.connect((sys.argv[1], 53))\n"
    "    s.send(b'q%d' % i)\n"
    "    try:\n"
    "        r = s.recv(2000).decode(); k = r.split(':')[0]\n"
    "        got[k] = got.get(k, 0) + (r.endswith('q%d' % i))\n"
    "    except socket.timeout:\n"
    "        got['timeout'] = got.get('timeout', 0) + 1\n"
    "    s.close()\n"
    "print(got)\n")


def test_v6_udp_fnat(lb6):
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    echoes = []
    try:
        for h in (11, 12):
            p = subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c",
                                  UDP_ECHO % (RS[h], "rs%d" % (h - 10))],
                                 stdout=subprocess.PIPE, text=True)
            echoes.append(p)
            assert p.stdout.readline().strip() == "ready"
        adm(d, "-A", "-u", "[%s]:53" % VIP, "-s", "rr")
        adm(d, "-P", "-u", "[%s]:53" % VIP, "-z", LIP)
        for h in (11, 12):
            adm(d, "-a", "-u", "[%s]:53" % VIP, "-r", "[%s]:5353" % RS[h], "-b")
        r = sh(PY, "-c", UDP_CLIENT, VIP, "30", ns=cl, timeout=120)
        got = ast.literal_eval(r.stdout)
        # Every datagram answered, with its own payload, by both servers.
        assert set(got) == {"rs1", "rs2"} and sum(got.values()) == 30, got
    finally:
        for p in echoes:
            p.kill()
            p.wait()


UDP_PROBE6 = (
    "import socket, sys\n"
    "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
    "s.settimeout(3); s.connect((sys.argv[1], 5555))\n"
    "s.send(b'anyone?')\n"
    "try:\n"
    "    s.recv(100); print('answered')\n"
    "except ConnectionRefusedError:\n"
    "    print('refused')\n"
    "except socket.timeout:\n"
    "    print('timeout')\n")


@pytest.mark.parametrize("method", ["-b", "-m"])
def test_icmp6_errors_reach_the_client(lb6, method):
    """A real server's ICMPv6 port unreachable comes back as if from the
    VIP, about the datagram the client sent, so its socket sees the
    refusal (the kernel checks the quoted addresses and ports)."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    # The server's kernel would otherwise rate-limit its errors to us.
    sh("sysctl", "-qw", "net.ipv6.icmp.ratelimit=0", ns=rs)
    svc = "[%s]:5555" % VIP
    adm(d, "-A", "-u", svc)
    if method == "-b":
        adm(d, "-P", "-u", svc, "-z", LIP)
    adm(d, "-a", "-u", svc, "-r", "[%s]" % RS[11], method)
    results = [sh(PY, "-c", UDP_PROBE6, VIP, ns=cl).stdout.strip()
               for _ in range(4)]
    assert results == ["refused"] * 4, results


SCHEDULERS = ("rr", "wrr", "lc", "wlc", "sed", "nq", "sh", "dh", "fo", "mh",
              "conhash", "lblc", "lblcr", "ovf", "twos")


def test_every_scheduler_v6(lb6, backends):
    """Each scheduler picks among IPv6 servers (their v6 keys): every
    request is answered, by one of the service's servers."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    for h in RS:
        backends.start(rs, RS[h], "rs%d" % (h - 10))
    fnat6(d)
    spread = {}
    for s in SCHEDULERS:
        adm(d, "-E", "-t", SVC, "-s", s)
        got = gets(cl, 12)
        assert sum(got.values()) == 12, (s, got)
        assert set(got) <= {"rs1", "rs2", "rs3"}, (s, got)
        spread[s] = len(got)
    # The round-robin family spreads one client's connections.
    assert spread["rr"] == 3 and spread["wrr"] == 3, spread
    assert d.pkt_stats()["ipvs_no_dest"] == 0


# As GETS, from a given source address.
GETS_FROM = GETS.replace(
    "HTTPConnection(sys.argv[1], int(sys.argv[3]), timeout=5)",
    "HTTPConnection(sys.argv[1], int(sys.argv[3]), timeout=5, "
    "source_address=(sys.argv[4], 0))")


def gets_from(ns, src, n):
    r = sh(PY, "-c", GETS_FROM, VIP, str(n), "80", src, ns=ns, timeout=240)
    return ast.literal_eval(r.stdout)   # a dict our own script printed


def test_persistence_v6_prefix64(lb6, backends):
    """-p -M 64: every client of one /64 lands on the server its first
    connection was given, while round robin would spread them; a client
    of another /64 has a template of its own."""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    for h in RS:
        backends.start(rs, RS[h], "rs%d" % (h - 10))
    # Two more clients in 2001:db8::/64, one in 2001:db8:0:1::/64.
    same = [CL, "2001:db8::3", "2001:db8::4"]
    other = "2001:db8:0:1::2"
    d.dpip("addr", "add", "2001:db8:0:1::1/64", "dev", "dpdk0", "nodad")
    for a in same[1:] + [other]:
        sh("ip", "-6", "addr", "add", a + "/64", "dev", "vcl0", "nodad", ns=cl)
        d.dpip("neigh", "add", a, "lladdr", ns_mac(cl, "vcl0"), "dev", "dpdk0")
    sh("ip", "-6", "neigh", "replace", "2001:db8:0:1::1", "lladdr",
       port_mac(d, "dpdk0"), "dev", "vcl0", "nud", "permanent", ns=cl)
    fnat6(d)
    adm(d, "-E", "-t", SVC, "-s", "rr", "-p", "300", "-M", "64")
    assert "persistent 300 mask 64" in adm(d, "-L", "-n").stdout
    first = gets_from(cl, same[0], 6)
    assert sum(first.values()) == 6 and len(first) == 1, first
    for a in same[1:]:
        got = gets_from(cl, a, 6)
        assert got == first, (a, got, first)
    got = gets_from(cl, other, 6)
    assert sum(got.values()) == 6 and len(got) == 1, got


DEVS2 = [("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2),
         ("dpdk1", "net_af_packet1,iface=vlb1,qpairs=2", 2, 2)]
WORKERS2 = [(lc, [("dpdk0", [lc - 1], [lc - 1]), ("dpdk1", [lc - 1], [lc - 1])])
            for lc in (1, 2)]


def test_v6_two_workers_handover(dpvs_factory, backends):
    """Two workers: a FullNAT reply that af_packet's fanout gives the
    worker not owning its conn is handed over by its local port, and no
    connection is lost."""
    t = Topology("h6")
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start6(dpvs_factory, lbns, DEVS2, WORKERS2)
        setup6(d, cl, rs)
        for h in (11, 12):
            backends.start(rs, RS[h], "rs%d" % (h - 10))
        fnat6(d, hosts=(11, 12))
        got = gets(cl, 200)
        assert sum(got.values()) == 200 and set(got) == {"rs1", "rs2"}, got
        st = d.pkt_stats()
        assert st["ipvs_handover"] > 0, st["ipvs_handover"]
        assert st["ipvs_handover_full"] == 0 and st["ipvs_no_conn"] == 0
    finally:
        t.destroy()


ECHO6 = (
    "import socket, threading\n"
    "s = socket.socket(socket.AF_INET6)\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('%s', 7000)); s.listen(64); print('ready', flush=True)\n"
    "def serve(c):\n"
    "    while True:\n"
    "        d = c.recv(100)\n"
    "        if not d: break\n"
    "        c.sendall(b'rs1:' + d)\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")

# An established connection echoing each stdin line; frames a flood
# crowds out are sent again by TCP, so a reply may take a while.
PATIENT6 = (
    "import socket, sys\n"
    "s = socket.create_connection((sys.argv[1], 7000), timeout=30)\n"
    "for line in sys.stdin:\n"
    "    s.sendall(line.strip().encode()); print(s.recv(100).decode(), flush=True)\n")

FLOOD6 = (
    "import sys\n"
    "from scapy.all import Ether, IPv6, TCP, sendp, conf\n"
    "conf.verb = 0\n"
    "sendp([Ether(dst=sys.argv[1]) / IPv6(src=sys.argv[2], dst=sys.argv[3]) / "
    "TCP(sport=p, dport=7000, flags='S') for p in range(20000, 23000)], "
    "iface='vcl0')\n")


def test_v6_syn_flood_early_drop_keeps_established(dpvs_factory):
    """A pool of 1024 connections and 3000 spoofed-port SYNs over IPv6:
    half-open v6 connections make room for each other (early drop), and
    an established one keeps working."""
    t = Topology("f6")
    procs = []
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start6(dpvs_factory, lbns, DEVS2, WORKERS2, pool=1024)
        setup6(d, cl, rs)
        p = subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c",
                              ECHO6 % RS[11]], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout.readline().strip() == "ready"
        svc = "[%s]:7000" % VIP
        adm(d, "-A", "-t", svc)
        adm(d, "-P", "-t", svc, "-z", LIP)
        adm(d, "-a", "-t", svc, "-r", "[%s]:7000" % RS[11], "-b")
        client = subprocess.Popen(["ip", "netns", "exec", cl, PY, "-c",
                                   PATIENT6, VIP], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        procs.append(client)

        def say(word):
            client.stdin.write(word + "\n")
            client.stdin.flush()
            return client.stdout.readline().strip()

        assert say("before") == "rs1:before"
        sh(PY, "-c", FLOOD6, port_mac(d, "dpdk0"), CL, VIP, ns=cl, timeout=120)
        st = d.pkt_stats()
        assert st["ipvs_embryonic_evicted"] > 0, st["ipvs_embryonic_evicted"]
        assert d.proc.poll() is None
        assert say("after") == "rs1:after"
    finally:
        for p in procs:
            p.kill()
            p.wait()
        t.destroy()
