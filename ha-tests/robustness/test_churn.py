"""Churn: create and delete many times each table's size, then check that
table occupancy, pools, DPDK heap, open fds and RSS are back where they
were after the first round.

Small tables in the config keep "many times the size" cheap.  The
number of rounds comes from the environment so a longer soak can reuse
this driver:

    CHURN_ROUNDS      config rounds (services, real servers, local
                      addresses, addresses, routes, neighbours); default 6
    CHURN_TRAFFIC_ROUNDS  traffic rounds (connections, persistence
                      templates); default 4, at least 3
    CHURN_FLOWS       client addresses per traffic round; default 600
"""
import os
import subprocess
import time

import pytest

from dpvsd import DPVSADM
from netns import Topology, sh
from resources import assert_back, resources, snapshot, used
from waiting import wait_for

PY = "/usr/bin/python3"
ROUNDS = int(os.environ.get("CHURN_ROUNDS", "6"))
TRAFFIC_ROUNDS = max(3, int(os.environ.get("CHURN_TRAFFIC_ROUNDS", "4")))
FLOWS = int(os.environ.get("CHURN_FLOWS", "600"))

MAX_SERVICES = 64
MAX_ROUTES = 32
MAX_NEIGH = 16
ARP_NEIGH = 64        # the traffic test's neighbour table


@pytest.fixture
def small(dpvs_factory):
    """One net_null port, two workers, small tables."""
    d = dpvs_factory(
        devices=[("dpdk0", "net_null0,no-rx=1", 2, 2)],
        sections={"ipvs": ["max_services = %d;" % MAX_SERVICES,
                           "conn_pool_size = 1024;"],
                  "ipv4": ["max_routes = %d;" % MAX_ROUTES],
                  "neigh": ["max_entries = %d;" % MAX_NEIGH]})
    d.start()
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk0")
    for i in range(4):
        d.dpip("addr", "add", "10.0.1.%d/24" % (100 + i), "dev", "dpdk0",
               "sapool")
    return d


def restore(d, lines):
    r = subprocess.run([DPVSADM, "--ipc-file", d.ipc, "-R"],
                       input="\n".join(lines) + "\n", capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r


def service_round(d, r):
    """Fills 3/4 of the service table (the rest is room for the hash's
    bucket collisions), each with real servers and a local address, then
    takes it apart in the other order."""
    n = MAX_SERVICES * 3 // 4
    vips = ["10.2.%d.%d:80" % (r % 200, i) for i in range(n)]
    add, dele = [], []
    for i, vip in enumerate(vips):
        add.append("-A -t %s -s rr" % vip)
        add.append("-P -t %s -z 10.0.1.%d" % (vip, 100 + i % 4))
        for rs in range(3):
            add.append("-a -t %s -r 10.0.2.%d:80 -b" % (vip, rs + 1))
        # Each edit builds a new snapshot and scheduler state.
        add.append("-E -t %s -s %s" % (vip, ("wrr", "sh", "mh")[i % 3]))
        add.append("-e -t %s -r 10.0.2.2:80 -b -w 3" % vip)
        dele.append("-d -t %s -r 10.0.2.1:80" % vip)
        dele.append("-Q -t %s -z 10.0.1.%d" % (vip, 100 + i % 4))
        dele.append("-D -t %s" % vip)
    restore(d, add)
    assert used(d, "services") == n
    restore(d, dele)
    assert used(d, "services") == 0


def netstack_round(d):
    """Addresses (each with its /32 and subnet route), routes and
    neighbours: each table filled to its size, then emptied.  The routes
    are /32s in /24s of their own: each takes one of the route table's
    256 second-level groups while it lives."""
    naddr = (MAX_ROUTES - 8) // 2
    for i in range(naddr):
        d.dpip("addr", "add", "10.3.%d.1/24" % i, "dev", "dpdk0")
    for i in range(naddr):
        d.dpip("addr", "del", "10.3.%d.1/24" % i, "dev", "dpdk0")
    for half in range(2):
        free = MAX_ROUTES - used(d, "routes")
        for i in range(free):
            d.dpip("route", "add", "10.4.%d.%d/32" % (i, half + 1), "via",
                   "10.0.1.254", "dev", "dpdk0")
        assert used(d, "routes") == MAX_ROUTES
        for i in range(free):
            d.dpip("route", "del", "10.4.%d.%d/32" % (i, half + 1))
    for i in range(MAX_NEIGH):
        d.dpip("neigh", "add", "10.0.1.%d" % (10 + i), "lladdr",
               "02:00:00:00:01:%02x" % i, "dev", "dpdk0")
    assert used(d, "neighbours") == MAX_NEIGH
    for i in range(MAX_NEIGH):
        d.dpip("neigh", "del", "10.0.1.%d" % (10 + i), "dev", "dpdk0")
    # A reload with nothing changed: parses and compares the whole config.
    d.ctl("reload", check=True)


def test_resources_view_shows_every_table_and_pool(small):
    res = resources(small)
    for name, size in (("services", MAX_SERVICES), ("routes", MAX_ROUTES),
                       ("neighbours", MAX_NEIGH),
                       ("persist-templates", 1024)):
        assert res[name][0] == "table" and res[name][2] == size, res[name]
    assert res["services"][1] == 0
    # 10.0.1.1/24: a local /32 and the subnet; the sapool addresses share it.
    assert res["routes"][1] == 6 and res["addresses"][1] == 5
    assert res["ipvs_conn"][0] == "pool" and res["ipvs_conn"][2] >= 1024
    assert res["mbuf_pool"][0] == "pool"
    assert res["fds"][1] > 0 and res["heap"][1] > 0
    assert res["conn-keys-w0"][0] == "table" and "conn-keys-w1" in res
    # One NAT reply tuple a connection, whichever worker holds it.
    assert res["nat-reply-tuples"][0] == "table"
    assert res["nat-reply-tuples"][2] >= res["ipvs_conn"][2]


def test_config_churn_returns_to_baseline(small):
    """Services, real servers, local addresses, addresses, routes and
    neighbours, ROUNDS times each table's size (a deleted service's key
    slot once stayed taken: the table was full after 64 deletions)."""
    d = small
    # The reproduction: one service added and deleted twice the
    # table's size, through one restore (one control connection).
    restore(d, ["-A -t 10.2.255.1:80\n-D -t 10.2.255.1:80"] * 2 * MAX_SERVICES)
    service_round(d, 0)
    netstack_round(d)
    base = snapshot(d)
    t0 = time.time()
    for r in range(1, ROUNDS * 2):
        service_round(d, r)
        netstack_round(d)
    assert_back(d, base)
    assert d.proc.poll() is None
    print("config churn: %d rounds in %.1f s" % (ROUNDS * 2, time.time() - t0))


@pytest.fixture
def lb(dpvs_factory):
    """client -- dpdk0 [dpvs, 2 workers, 1024 conns] dpdk1 -- server"""
    t = Topology("ch")
    try:
        lbns, cl, rs = t.ns("lb"), t.ns("cl"), t.ns("rs")
        t.veth(lbns, "vlb0", cl, "vcl0")
        t.veth(lbns, "vlb1", rs, "vrs0")
        sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
        sh("ip", "addr", "add", "10.0.1.11/24", "dev", "vrs0", ns=rs)
        sh("ip", "addr", "add", "10.0.1.12/24", "dev", "vrs0", ns=rs)
        sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
        devs = [("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2),
                ("dpdk1", "net_af_packet1,iface=vlb1,qpairs=2", 2, 2)]
        workers = [(lc, [("dpdk0", [lc - 1], [lc - 1]),
                         ("dpdk1", [lc - 1], [lc - 1])]) for lc in (1, 2)]
        d = dpvs_factory(netns=lbns, devices=devs, workers=workers,
                         sections={"ipvs": ["conn_pool_size = 1024;"],
                                   "neigh": ["max_entries = %d;" % ARP_NEIGH,
                                             "reachable_s = 1;"]})
        d.start()
        d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
        yield {"dpvs": d, "cl": cl, "rs": rs}
    finally:
        t.destroy()


# One UDP datagram from each of n client addresses (persistence is per
# /32 by default: one template each) to the VIP, and ARP requests from
# 200 neighbours on the client's subnet (three times the neighbour table).
SEND = (
    "import re, subprocess, sys\n"
    "from scapy.all import ARP, Ether, IP, UDP, sendp, conf\n"
    "conf.verb = 0\n"
    "r, n = int(sys.argv[1]), int(sys.argv[2])\n"
    "mac = re.search(r'lladdr (\\S+)', subprocess.run(['ip', 'neigh', "
    "'show', '10.0.0.100'], capture_output=True, text=True).stdout).group(1)\n"
    "sendp([Ether(dst=mac) / IP(src='10.%d.%d.%d' % (50 + r % 100, i // 250,"
    " i % 250 + 1), dst='10.0.0.100') / UDP(sport=1000 + i, dport=5555) / "
    "b'x' for i in range(n)], iface='vcl0')\n"
    "sendp([Ether(dst='ff:ff:ff:ff:ff:ff') / ARP(op=1, hwsrc='02:00:00:00:"
    "%02x:%02x' % (r % 256, i), psrc='10.0.0.%d' % (10 + i), "
    "pdst='10.0.0.1') for i in range(200)], iface='vcl0')\n")

# Eight datagrams from one new client, each from its own port.
PIN_PROBE = (
    "import socket\n"
    "for p in range(2000, 2008):\n"
    "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    s.bind(('10.0.0.49', p)); s.sendto(b'x', ('10.0.0.100', 5555))\n"
    "    s.close()\n")


def pinned_servers(d, cl):
    """The servers the probe's eight connections went to."""
    sh("ip", "addr", "add", "10.0.0.49/24", "dev", "vcl0", ns=cl)
    d.adm("--set", "0", "0", "60")   # the connections stay to be listed
    sh(PY, "-c", PIN_PROBE, ns=cl)
    rows = []

    def listed():
        rows[:] = [l.split()[5] for l in d.adm("-L", "-n", "-c").stdout
                   .splitlines() if " 10.0.0.49:" in l]
        return len(rows) == 8
    assert wait_for(listed, timeout=5), rows
    return set(rows)


def service_up(d, fwd):
    """The persistent UDP service on two servers, NAT or FullNAT."""
    d.adm("-A", "-u", "10.0.0.100:5555", "-s", "rr", "-p", "1")
    if fwd == "-b":
        d.adm("-P", "-u", "10.0.0.100:5555", "-z", "10.0.1.100")
    for rs in ("10.0.1.11", "10.0.1.12"):
        d.adm("-a", "-u", "10.0.0.100:5555", "-r", rs, fwd)


def test_connection_and_template_churn_returns_to_baseline(lb):
    """Real traffic through a persistent UDP service, NAT and FullNAT
    by turns: TRAFFIC_ROUNDS x FLOWS new clients, each a connection (and
    a local port) and a persistence template that expire.  The service
    is deleted while its connections live: its real servers and local
    address go with the last of them.  Expired templates once kept their
    key slots: the table filled up and persistence silently stopped
    (after 1024 templates here: the pool's size).  ARP from three times
    as many neighbours as the table holds fills it each round; they
    expire in between."""
    d, cl = lb["dpvs"], lb["cl"]
    d.adm("--set", "0", "0", "1")
    sh("ping", "-c", "1", "-W", "2", "10.0.0.100", ns=cl)

    def idle():
        res = resources(d)
        return res["persist-templates"][1] == 0 and \
            res["ipvs_conn"][1] == 0 and res["neighbours"][1] == 0 and \
            res["nat-reply-tuples"][1] == 0

    def churn(r):
        service_up(d, "-b" if r % 2 else "-m")
        before = d.pkt_stats()["ipvs_conn_new"]
        sh(PY, "-c", SEND, str(r), str(FLOWS), ns=cl, timeout=120)
        made = d.pkt_stats()["ipvs_conn_new"] - before
        # (af_packet may lose some frames on a loaded machine)
        assert made >= FLOWS // 2, "%d of %d flows made" % (made, FLOWS)
        # (a hash may refuse a key a little before it is full)
        assert wait_for(lambda: used(d, "neighbours") >= ARP_NEIGH * 3 // 4), \
            "neighbour table not filled by ARP: %s" % resources(d)
        d.adm("-D", "-u", "10.0.0.100:5555")
        assert wait_for(idle, timeout=20), \
            "not back to idle: %s" % resources(d)

    # Warm-up: one round of each method (FullNAT's port set of an
    # address is freed when the next local address is added).
    churn(0)
    churn(1)
    base = snapshot(d)
    t0 = time.time()
    for r in range(2, TRAFFIC_ROUNDS):
        churn(r)
    assert_back(d, base)
    # A new client is still pinned to one server.
    service_up(d, "-m")
    servers = pinned_servers(d, cl)
    assert len(servers) == 1, servers
    assert d.proc.poll() is None
    print("traffic churn: %d x %d flows in %.1f s" % (
        TRAFFIC_ROUNDS, FLOWS, time.time() - t0))
