"""The neighbour table against real ARP on a veth pair (issue 11).

Linux's rules: only ARP aimed at one of our addresses creates an entry,
gratuitous ARP only updates one; a full table evicts what no traffic
uses; an entry in use is re-probed with unicast ARP, not aged out.
"""
import random
import re
import subprocess
import time

import pytest

from waiting import wait_for, terminate
from netns import Topology, sh
from servers import PKTTOOL, PY

BCAST = "ff:ff:ff:ff:ff:ff"


@pytest.fixture
def topo():
    t = Topology("nb")
    yield t
    t.destroy()


def make_lan(topo, dpvs_factory, neigh=(), forwarding=False):
    """client (10.0.0.2, vcl0) -- veth -- dpvs dpdk0 (10.0.0.1/24), 1 worker."""
    lb, cl = topo.ns("lb"), topo.ns("cl")
    topo.veth(lb, "vlb0", cl, "vcl0")
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    sections = {"neigh": list(neigh)}
    if forwarding:
        sections["ipv4"] = ["forwarding = true;"]
    d = dpvs_factory(netns=lb, devices=[("dpdk0", "net_af_packet0,iface=vlb0",
                                         1, 1)], sections=sections)
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    return d, cl


def port_mac(d):
    out = d.dpip("link", "show", "dpdk0").stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def ns_mac(ns, ifname):
    out = sh("ip", "-o", "link", "show", ifname, ns=ns).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def neighbours(d):
    """{ip: (mac, state)} from dpip neigh show."""
    out = d.dpip("neigh", "show").stdout
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r"^(\S+) dev \S+ lladdr (\S+) (\w+)", out, re.M)}


def rand_mac(rng):
    return "02:%02x:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256)
                                               for _ in range(5))


def arp(op, src_mac, sip, tip, dst=BCAST):
    from scapy.all import ARP, Ether
    return bytes(Ether(dst=dst, src=src_mac) /
                 ARP(op=op, hwsrc=src_mac, psrc=sip, pdst=tip)).hex()


def send(ns, frames):
    """Sends hex frames from the client's vcl0, 100 per process."""
    for i in range(0, len(frames), 100):
        sh(PY, PKTTOOL, "send", "vcl0", *frames[i:i + 100], ns=ns, timeout=60)


def learn_msgs_failed(d):
    return int(d.msgbus_stats()["neigh-learn"]["failed"])


def test_only_arp_for_our_addresses_creates_entries(topo, dpvs_factory):
    d, cl = make_lan(topo, dpvs_factory)
    rng = random.Random(11)
    # A spray between other hosts of the subnet, gratuitous requests and
    # replies: none of it is for 10.0.0.1.
    strangers = [arp(1, rand_mac(rng), "10.0.0.%d" % (10 + i % 200),
                     "10.0.0.%d" % (210 + i % 40)) for i in range(300)]
    strangers += [arp(1, rand_mac(rng), "10.0.0.60", "10.0.0.60"),
                  arp(2, rand_mac(rng), "10.0.0.61", "10.0.0.61"),
                  arp(2, rand_mac(rng), "10.0.0.62", "10.0.0.63")]
    mac_a, mac_b, mac_c = rand_mac(rng), rand_mac(rng), rand_mac(rng)
    # Then a request for our address, and a reply aimed at us.
    ours = [arp(1, mac_a, "10.0.0.70", "10.0.0.1"),
            arp(2, mac_c, "10.0.0.71", "10.0.0.1", dst=port_mac(d))]
    send(cl, strangers + ours)
    assert wait_for(lambda: {"10.0.0.70", "10.0.0.71"} <= set(neighbours(d)))
    table = neighbours(d)
    assert set(table) == {"10.0.0.70", "10.0.0.71"}, table
    assert table["10.0.0.70"] == (mac_a, "REACHABLE")
    assert d.pkt_stats()["arp_ignored"] >= len(strangers)
    # A gratuitous ARP moves a neighbour we know to its new MAC, unconfirmed.
    send(cl, [arp(1, mac_b, "10.0.0.70", "10.0.0.70")])
    assert wait_for(lambda: neighbours(d)["10.0.0.70"][0] == mac_b)
    assert neighbours(d)["10.0.0.70"][1] != "REACHABLE"
    # Static entries do not move.
    d.dpip("neigh", "add", "10.0.0.80", "lladdr", "02:00:00:00:00:80",
           "dev", "dpdk0")
    send(cl, [arp(1, mac_c, "10.0.0.80", "10.0.0.1"),
              arp(1, mac_c, "10.0.0.80", "10.0.0.80")])
    time.sleep(0.5)
    assert neighbours(d)["10.0.0.80"] == ("02:00:00:00:00:80", "PERMANENT")
    assert d.proc.poll() is None


def ping_forever(ns, dst):
    """Background ping every 0.2 s: traffic dpvs forwards back to 10.0.0.2."""
    return subprocess.Popen(["ip", "netns", "exec", ns, "ping", "-q", "-i",
                             "0.2", dst], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def test_full_table_evicts_unused_entries_not_those_in_use(topo,
                                                           dpvs_factory):
    d, cl = make_lan(topo, dpvs_factory, neigh=["max_entries = 16;"],
                     forwarding=True)
    cl_mac = ns_mac(cl, "vcl0")
    d.dpip("neigh", "add", "10.0.0.250", "lladdr", "02:00:00:00:00:fa",
           "dev", "dpdk0")
    # Packets to 192.0.2.7 bounce off dpvs back to 10.0.0.2: in use.
    d.dpip("route", "add", "192.0.2.0/24", "via", "10.0.0.2", "dev", "dpdk0")
    sh("ip", "route", "add", "192.0.2.0/24", "via", "10.0.0.1", ns=cl)
    sh("ip", "route", "add", "198.51.100.0/24", "via", "10.0.0.1", ns=cl)
    pinger = ping_forever(cl, "192.0.2.7")
    try:
        assert wait_for(lambda: "10.0.0.2" in neighbours(d))
        # 600 senders asking for our address: 37 times the table.
        rng = random.Random(16)
        spray = [arp(1, rand_mac(rng), "10.0.0.%d" % (10 + i % 200),
                     "10.0.0.1") for i in range(600)]
        send(cl, spray)
        time.sleep(1)
        table = neighbours(d)
        assert len(table) <= 16
        assert table["10.0.0.2"] == (cl_mac, "REACHABLE"), table
        assert table["10.0.0.250"][1] == "PERMANENT"
        # A next hop never seen before still gets in.
        sh("ip", "addr", "add", "10.0.0.9/24", "dev", "vcl0", ns=cl)
        d.dpip("route", "add", "198.51.100.0/24", "via", "10.0.0.9",
               "dev", "dpdk0")
        sh("ping", "-c", "3", "-i", "0.3", "198.51.100.1", ns=cl, check=False)
        assert wait_for(lambda: "10.0.0.9" in neighbours(d)), neighbours(d)
        assert learn_msgs_failed(d) == 0
        assert "10.0.0.2" in neighbours(d)
        st = d.pkt_stats()
        assert st["arp_learned"] > 16 and st["neigh_evicted"] > 0, st
        # Every learnt stranger beyond the free slots pushed out an older one.
        assert st["neigh_evicted"] >= st["arp_learned"] - 16, st
        assert st["neigh_table_full"] == 0, st
    finally:
        terminate(pinger)


def arp_requests(frames_hex, src_mac, tip):
    """(eth dst, ...) of the ARP requests from src_mac asking for tip."""
    from scapy.all import ARP, Ether
    out = []
    for h in frames_hex:
        p = Ether(bytes.fromhex(h))
        if ARP in p and p[ARP].op == 1 and p.src == src_mac and \
                p[ARP].pdst == tip:
            out.append(p.dst)
    return out


def test_entry_in_use_is_probed_not_aged_out(topo, dpvs_factory):
    d, cl = make_lan(topo, dpvs_factory, neigh=["reachable_s = 1;"],
                     forwarding=True)
    dp_mac, cl_mac = port_mac(d), ns_mac(cl, "vcl0")
    # The client never asks for 10.0.0.1, so only dpvs's own ARP and the
    # client's answers keep the entry.
    sh("ip", "neigh", "replace", "10.0.0.1", "lladdr", dp_mac, "dev", "vcl0",
       "nud", "permanent", ns=cl)
    d.dpip("route", "add", "192.0.2.0/24", "via", "10.0.0.2", "dev", "dpdk0")
    sh("ip", "route", "add", "192.0.2.0/24", "via", "10.0.0.1", ns=cl)
    pinger = ping_forever(cl, "192.0.2.7")
    sniffer = None
    try:
        assert wait_for(lambda: "10.0.0.2" in neighbours(d))
        sniffer = subprocess.Popen(
            ["ip", "netns", "exec", cl, PY, PKTTOOL, "sniff", "vcl0", "15",
             "arp"], stdout=subprocess.PIPE, text=True)
        assert sniffer.stdout.readline().strip() == "ready"
        # The first probe goes out about 7 s after the entry was learnt.
        states = []
        end = time.time() + 14
        while time.time() < end:
            states.append(neighbours(d).get("10.0.0.2", (None, "MISSING"))[1])
            time.sleep(0.25)
        out, _ = sniffer.communicate(timeout=30)
        asked = arp_requests(out.split(), dp_mac, "10.0.0.2")
        # In use all along: never dropped and resolved again by broadcast,
        # but probed by unicast and confirmed by the answer.
        assert "MISSING" not in states, states
        assert BCAST not in asked, asked
        assert cl_mac in asked, (asked, states)
        assert "DELAY" in states or "PROBE" in states, states
        first_probe = min(i for i, s in enumerate(states)
                          if s in ("DELAY", "PROBE"))
        assert "REACHABLE" in states[first_probe:], states
        st = d.pkt_stats()
        assert st["arp_probed"] >= 1 and st["neigh_probe_failed"] == 0, st
        # A neighbour that stops answering goes after its probes.
        sh("sysctl", "-qw", "net.ipv4.conf.vcl0.arp_ignore=8", ns=cl)
        assert wait_for(lambda: d.pkt_stats()["neigh_probe_failed"] >= 1,
                        timeout=30), neighbours(d)
    finally:
        terminate(pinger)
        terminate(sniffer)


def test_arp_spray_at_line_rate_is_bounded(dpvs_factory, tmp_path):
    """2000 made-up senders asking for our address, replayed as fast as a
    pcap port goes: the master learns at most neigh.learn_rate of them a
    second, keeps answering, and the table keeps its static entry."""
    from scapy.all import ARP, Ether, wrpcap
    rng = random.Random(2000)
    frames = []
    for i in range(2000):
        mac = rand_mac(rng)
        frames.append(Ether(dst=BCAST, src=mac) /
                      ARP(op=1, hwsrc=mac, psrc="10.0.%d.%d" % (
                          2 + i // 250, 1 + i % 250), pdst="10.0.0.1"))
    pcap = str(tmp_path / "spray.pcap")
    wrpcap(pcap, frames)
    d = dpvs_factory(devices=[("dpdk0", "net_pcap0,rx_pcap=%s,infinite_rx=1"
                               % pcap, 1, 1)],
                     sections={"neigh": ["max_entries = 256;",
                                         "learn_rate = 5000;"],
                               "kni": ["rate_limit_pps = 1000;"]})
    d.start()
    d.dpip("neigh", "add", "10.0.0.250", "lladdr", "02:00:00:00:00:fa",
           "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.1/16", "dev", "dpdk0")
    assert wait_for(lambda: d.pkt_stats()["neigh_evicted"] > 0)
    before, t0 = d.pkt_stats(), time.time()
    for _ in range(5):
        # Full, less at most two batches of 16 on their way back.
        assert 200 <= len(neighbours(d)) <= 256
        time.sleep(0.5)
    after, secs = d.pkt_stats(), time.time() - t0
    learnt = after["arp_learned"] - before["arp_learned"]
    assert after["rx_packets"] - before["rx_packets"] > 10 * learnt, after
    assert learnt <= 5000 * secs * 1.2 + 500, (learnt, secs)
    assert after["arp_learn_limited"] > before["arp_learn_limited"]
    assert after["neigh_evicted"] > before["neigh_evicted"]
    assert after["neigh_table_full"] == 0
    assert learn_msgs_failed(d) == 0
    assert neighbours(d)["10.0.0.250"] == ("02:00:00:00:00:fa", "PERMANENT")
    assert d.proc.poll() is None
