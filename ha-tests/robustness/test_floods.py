"""Floods at an active/standby pair: keepalived VRRP up, a FullNAT
service with real backends and a client's requests flowing, and trafgen
on the same segment.  In each: no VRRP state change, the service keeps
answering, and the flood shows in the counters.  FLOOD_PPS and
FLOOD_SECONDS (ha-tests/lib/flood.py) make them longer for a soak."""
import collections
import time

import pytest

from flood import PPS, SECONDS, Flood, rx_counts
from netns import Topology, sh
from servers import VIP, Backends, Client, Echo, start_echo
from vrrp_pair import LIP, build_pair, has_vip, net_of, transitions
from waiting import wait_for

ECHO_PORT = 7000


def make_pair(dpvs_factory, tmp_path, sections=None):
    t = Topology("fl")
    backends = Backends(tmp_path)
    kas = []
    try:
        yield build_pair(dpvs_factory, tmp_path, t, backends, kas, sections)
    finally:
        for k in kas:
            k.stop()
        backends.stop()
        t.destroy()


@pytest.fixture
def pair(dpvs_factory, tmp_path):
    yield from make_pair(dpvs_factory, tmp_path)


@pytest.fixture
def small_pair(dpvs_factory, tmp_path):
    """The kernel path shrunk far below the flood: 20 frames/s, the
    smallest ring."""
    yield from make_pair(dpvs_factory, tmp_path, {
        "kni": ["rate_limit_pps = 20;", "ring_size = 64;"]})


@pytest.fixture
def small_pool_pair(dpvs_factory, tmp_path):
    """The smallest connection pool: a SYN flood at the default rate
    fills it in about a second, and early drop works from then on."""
    yield from make_pair(dpvs_factory, tmp_path, {
        "ipvs": ["conn_pool_size = %d;" % POOL]})


def dests(lb):
    """The real servers of VIP:80 (keepalived's service)."""
    return [l for l in lb["dpvs"].adm("-L", "-n").stdout.splitlines()
            if "FullNat" in l and ":80 " in l]


def settle(pair):
    lb1, lb2 = pair["lbs"]
    assert wait_for(lambda: has_vip(lb1) and len(dests(lb1)) == 3,
                    timeout=25), lb1["ka"].text()
    # The BACKUP has heard the MASTER and settled too.
    assert wait_for(lambda: transitions(lb2) >= 1, timeout=10), lb2["ka"].text()
    assert not has_vip(lb2)
    assert sh("curl", "-s", "-m", "3", "http://%s/" % VIP,
              ns=pair["cl"], check=False).returncode == 0


def flooded(pair, kind, during=lambda: None):
    """Runs one flood with the client's requests flowing, and during()
    halfway through; what changed."""
    lbs = pair["lbs"]
    before = [lb["dpvs"].pkt_stats() for lb in lbs]
    rx0 = [rx_counts(lb["ns"], lb["dpvs"]) for lb in lbs]
    states = [transitions(lb) for lb in lbs]
    client = Client(pair["cl"])
    f = Flood(pair["fl"], "eth0", kind, net_of(pair))
    client.start()
    t0 = time.time()
    f.start()
    time.sleep(SECONDS / 2)
    during()
    time.sleep(max(0, t0 + SECONDS - time.time()))
    sent = f.stop()
    elapsed = time.time() - t0
    ok, failed = client.stop()
    after = [lb["dpvs"].pkt_stats() for lb in lbs]
    lost = [(k1 - k0) - (p1 - p0) for (k0, p0), (k1, p1) in
            zip(rx0, [rx_counts(lb["ns"], lb["dpvs"]) for lb in lbs])]
    delta = [collections.defaultdict(int, {k: a[k] - b.get(k, 0) for k in a})
             for a, b in zip(after, before)]
    for i, dl in enumerate(delta):
        print("\n%s flood, %.1f s at %d pps, lb%d: rx %d (%.0f/s), %d lost "
              "before dpvs" % (kind, elapsed, PPS, i + 1, dl["rx_packets"],
                               dl["rx_packets"] / elapsed, lost[i]))
    for i, dl in enumerate(delta):
        print("lb%d moved: %s" % (i + 1, {k: v for k, v in dl.items() if v}))
    for lb in lbs:
        learn = lb["dpvs"].msgbus_stats().get("neigh-learn", {})
        neigh = lb["dpvs"].dpip("neigh", "show", check=False).stdout
        print("%s: neigh-learn %s; %d neighbours" % (
            lb["ns"], {k: v for k, v in learn.items() if k != "type"},
            len(neigh.splitlines())))
    for lb in lbs:
        # Losses before the data plane (the port's rx ring: RX dropped)
        # and in the kernel (the twin's RX dropped).
        print("%s: %s" % (lb["ns"], " | ".join(
            " ".join(l.split()) for l in
            lb["dpvs"].dpip("-s", "link", "show", "dpdk0").stdout.splitlines()[2:4] +
            sh("ip", "-s", "link", "show", "dpdk0.kni",
               ns=lb["ns"]).stdout.splitlines()[2:4])))
    # And on the way: the flooder's veth (TX dropped: its peer's backlog
    # full) and the LBs' veths as the kernel sees them.
    for ns, dev in [(pair["fl"], "eth0")] + [(lb["ns"], "vlb0") for lb in lbs]:
        print("%s %s: %s" % (ns, dev, " | ".join(" ".join(l.split()) for l in
              sh("ip", "-s", "link", "show", dev, ns=ns).stdout.splitlines()[2:6])))
    print("client: %d ok, %d failed %s; trafgen: %s" % (
        ok, len(failed), failed[:10], sent.strip()[-300:]))
    return {"delta": delta, "ok": ok, "failed": failed, "elapsed": elapsed,
            "states": states, "lost": lost}


def assert_pair_held(pair, r):
    lb1, lb2 = pair["lbs"]
    for lb, n in zip(pair["lbs"], r["states"]):
        assert transitions(lb) == n, "VRRP state changed:\n" + lb["ka"].text()
    assert has_vip(lb1) and not has_vip(lb2)
    total = r["ok"] + len(r["failed"])
    assert total >= 10, "too few requests got through at all: %d" % total
    assert r["ok"] >= 0.99 * total, r["failed"]
    # The BACKUP kept hearing the MASTER's adverts (one a second), in
    # the priority class.
    assert r["delta"][1]["kni_prio_up"] >= 0.5 * r["elapsed"]


def assert_flood_counted(d):
    """The flood reached the LB, and every frame of it is in a counter:
    handed to the kernel, answered, or dropped and counted."""
    assert d["rx_packets"] >= 0.1 * PPS * SECONDS / 2, d
    dropped = sum(d[k] for k in ("kni_up_limited", "kni_up_full",
                                 "kni_prio_limited", "kni_prio_full",
                                 "ipvs_no_conn"))
    assert d["kni_up"] + d["icmp_echo"] + dropped >= 0.9 * d["rx_packets"], d


@pytest.mark.parametrize("kind", ["arp", "own", "frag"])
def test_flood_saturates_the_kernel_path_not_vrrp(small_pair, kind):
    """The bulk class shrunk to 20 frames/s: the flood saturates it (most
    of what it sends to the kernel is dropped and counted), yet adverts,
    ARP for our addresses and the health checks' replies get through."""
    pair = small_pair
    settle(pair)
    r = flooded(pair, kind)
    assert_pair_held(pair, r)
    for d in r["delta"]:
        assert_flood_counted(d)
    d2 = r["delta"][1]
    assert d2["kni_up_limited"] > 5 * max(d2["kni_up"] - d2["kni_prio_up"], 1), d2
    assert d2["kni_prio_limited"] == 0 and d2["kni_prio_full"] == 0, d2
    # Health checks kept passing on the MASTER: no real server removed.
    assert len(dests(pair["lbs"][0])) == 3, pair["lbs"][0]["ka"].text()
    assert "Removing service" not in pair["lbs"][0]["ka"].text()


def test_default_kernel_path_holds_a_flood(pair):
    """The same with the default limits."""
    settle(pair)
    r = flooded(pair, "own")
    assert_pair_held(pair, r)
    assert_flood_counted(r["delta"][1])
    assert len(dests(pair["lbs"][0])) == 3, pair["lbs"][0]["ka"].text()


POOL = 8192


def echo_service(pair):
    """VIP:7000 on the MASTER, to an echo server: for a long-lived flow."""
    d = pair["lbs"][0]["dpvs"]
    srv = start_echo(pair["rs"], "10.0.0.21", ECHO_PORT, "rs1")
    vs = "%s:%d" % (VIP, ECHO_PORT)
    d.adm("-A", "-t", vs)
    d.adm("-P", "-t", vs, "-z", LIP[0])
    d.adm("-a", "-t", vs, "-r", "10.0.0.21", "-b")
    return srv


def test_syn_flood_spares_clients_and_flows(small_pool_pair):
    """Spoofed SYNs from 65,536 addresses at the service: each a new
    connection that never completes, the pool full within a second or
    two.  Early drop makes room for the client's requests, an established
    connection through the MASTER keeps talking, and the pair holds."""
    pair = small_pool_pair
    settle(pair)
    lb1 = pair["lbs"][0]
    srv = echo_service(pair)
    echo = None
    try:
        echo = Echo(pair["cl"])
        assert echo.say("before") == "rs1:before"
        said = []
        r = flooded(pair, "syn", lambda: said.append(echo.say("during")))
        assert said == ["rs1:during"]
        assert echo.say("after") == "rs1:after"
    finally:
        if echo:
            echo.close()
        srv.kill()
        srv.wait()
    assert_pair_held(pair, r)
    assert len(dests(lb1)) == 3, lb1["ka"].text()
    assert "Removing service" not in lb1["ka"].text()
    d = r["delta"][0]
    print("SYN flood: %.0f connections/s made, %.0f evicted/s, %.0f frames/s "
          "lost before dpvs" % (d["ipvs_conn_new"] / r["elapsed"],
                                d["ipvs_embryonic_evicted"] / r["elapsed"],
                                r["lost"][0] / r["elapsed"]))
    # More connections than the pool holds: the flood filled it.
    assert d["ipvs_conn_new"] > 1.5 * POOL, d
    # Every SYN that reached dpvs made a connection: none refused for
    # want of room (what a small machine loses, it loses before dpvs).
    assert d["ipvs_conn_full"] == 0 and d["ipvs_no_port"] == 0, d
    # Beyond the pool, each new connection took an embryo's place; the
    # few freed otherwise are the client's own, closed.
    requests = r["ok"] + len(r["failed"])
    assert d["ipvs_embryonic_evicted"] >= d["ipvs_conn_new"] - POOL - 2 * requests, d
