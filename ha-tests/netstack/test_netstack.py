"""The network stack on real veth pairs: ARP, ICMP, routes, the kernel path."""
import re
import subprocess
import threading
import time

import pytest

from waiting import wait_for
from lbhost import client_lan, kni_host_echo
from netns import Topology, sh
from servers import PKTTOOL, PY





@pytest.fixture
def topo():
    t = Topology("ns")
    yield t
    t.destroy()


@pytest.fixture
def lan(topo, dpvs_factory):
    """client (10.0.0.2) -- veth -- dpvs dpdk0 (10.0.0.1/24), 2 workers."""
    return client_lan(topo, dpvs_factory)


def port_mac(d, name="dpdk0"):
    out = d.dpip("link", "show", name).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def ns_mac(ns, ifname):
    out = sh("ip", "-o", "link", "show", ifname, ns=ns).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def test_ping_resolves_both_ways(lan):
    d, cl = lan["dpvs"], lan["cl"]
    r = sh("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.0.1", ns=cl,
           check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    neigh = sh("ip", "neigh", "show", "10.0.0.1", ns=cl).stdout
    assert port_mac(d) in neigh
    assert wait_for(lambda: ns_mac(cl, "vcl0") in d.dpip("neigh", "show").stdout)
    st = d.pkt_stats()
    assert st["icmp_echo"] >= 3 and st["arp_replied"] >= 1
    assert st["mbuf_pool_size"] > 1000
    assert st["mbuf_pool_in_use"] < st["mbuf_pool_size"]
    # Per-worker rows add up to the sum.
    rows = [d.dpip("-a", "stats", "lcore", str(lc)).stdout for lc in (1, 2)]
    per = [dict(l.split() for l in r.splitlines()) for r in rows]
    assert sum(int(p["icmp_echo"]) for p in per) == st["icmp_echo"]
    assert d.dpip("stats", "lcore", "7", check=False).returncode == 1
    xs = d.dpip("-s", "-s", "link", "show", "dpdk0").stdout
    assert "xstats:" in xs and "rx_good_packets" in xs


def test_dpvs_resolves_a_next_hop_it_never_heard_from(lan):
    """dpvs sends ARP itself to reach a host that never talked to it."""
    d, cl = lan["dpvs"], lan["cl"]
    sh("ip", "addr", "add", "10.0.0.9/24", "dev", "vcl0", ns=cl)
    d.dpip("route", "add", "192.0.2.0/24", "via", "10.0.0.9", "dev", "dpdk0")
    # A packet from the client to 192.0.2.7 is forwarded back to 10.0.0.9.
    d.write_conf(devices=[("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2)],
                 sections={"ipv4": ["forwarding = true;"]})
    d.ctl("reload", check=True)
    sniffer = subprocess.Popen(["ip", "netns", "exec", cl, PY, PKTTOOL, "sniff",
                                "vcl0", "4", "icmp and dst host 192.0.2.7"],
                               stdout=subprocess.PIPE, text=True)
    assert sniffer.stdout.readline().strip() == "ready"
    sh("ip", "route", "add", "192.0.2.0/24", "via", "10.0.0.1", ns=cl)
    sh("ping", "-c", "2", "-W", "1", "192.0.2.7", ns=cl, check=False)
    out, _ = sniffer.communicate(timeout=15)
    frames = [l for l in out.splitlines() if l]
    # Our own echo request, then the copy dpvs forwarded to 10.0.0.9's MAC.
    assert any(f.startswith(ns_mac(cl, "vcl0").replace(":", "")) for f in frames)
    st = d.pkt_stats()
    assert st["arp_sent"] >= 1 and st["ip_forwarded"] >= 1
    assert "10.0.0.9" in d.dpip("neigh", "show").stdout


def test_tcp_to_kernel_scope_address(lan):
    d, lb, cl = lan["dpvs"], lan["lb"], lan["cl"]
    out, err = kni_host_echo(d, lb, cl, "10.0.0.100", "hello dpvs")
    assert out == "echo:hello dpvs", err
    link = d.dpip("-s", "link", "show", "dpdk0").stdout
    assert "kni" in link
    st = d.pkt_stats()
    assert st["kni_up"] > 0 and st["kni_down"] > 0


def vrrp_frame(src_mac):
    from scapy.all import Ether, IP, Raw
    pkt = (Ether(src=src_mac, dst="01:00:5e:00:00:12") /
           IP(src="10.0.0.2", dst="224.0.0.18", proto=112, ttl=255) /
           Raw(b"\x21\x33\x64\x01\x00\x01\x00\x00" + bytes(12)))
    return bytes(pkt).hex()


def sniff_in(ns, iface, secs, bpf):
    p = subprocess.Popen(["ip", "netns", "exec", ns, PY, PKTTOOL, "sniff", iface,
                          str(secs), bpf], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_vrrp_multicast_both_ways(lan):
    d, lb, cl = lan["dpvs"], lan["lb"], lan["cl"]
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                      ns=lb).stdout)
    # wire -> TAP
    sn = sniff_in(lb, "dpdk0.kni", 3, "ip proto 112")
    sh(PY, PKTTOOL, "send", "vcl0", vrrp_frame(ns_mac(cl, "vcl0")), ns=cl)
    out, _ = sn.communicate(timeout=15)
    assert any("e0000012" in l for l in out.splitlines()), "VRRP not on the TAP"
    # TAP -> wire
    sn = sniff_in(cl, "vcl0", 3, "ip proto 112")
    sh(PY, PKTTOOL, "send", "dpdk0.kni", vrrp_frame(port_mac(d)), ns=lb)
    out, _ = sn.communicate(timeout=15)
    assert any("e0000012" in l for l in out.splitlines()), "VRRP not on the wire"


@pytest.fixture
def routed(topo, dpvs_factory):
    """client 10.0.0.2 -- dpdk0 [dpvs] dpdk1 -- 10.0.1.2 gw (10.0.2.1 behind)."""
    lb, cl, gw = topo.ns("lb"), topo.ns("cl"), topo.ns("gw")
    topo.veth(lb, "vlb0", cl, "vcl0")
    topo.veth(lb, "vlb1", gw, "vgw0")
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    sh("ip", "route", "add", "default", "via", "10.0.0.1", ns=cl)
    sh("ip", "addr", "add", "10.0.1.2/24", "dev", "vgw0", ns=gw)
    sh("ip", "addr", "add", "10.0.2.1/24", "dev", "lo", ns=gw)
    sh("ip", "route", "add", "10.0.0.0/24", "via", "10.0.1.1", ns=gw)
    devs = [("dpdk0", "net_af_packet0,iface=vlb0", 1, 1),
            ("dpdk1", "net_af_packet1,iface=vlb1", 1, 1)]
    workers = [(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0])])]
    d = dpvs_factory(netns=lb, devices=devs, workers=workers,
                     sections={"ipv4": ["forwarding = true;"]})
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    d.dpip("route", "add", "10.0.2.0/24", "via", "10.0.1.2", "dev", "dpdk1")
    return {"dpvs": d, "cl": cl, "gw": gw, "devs": devs, "workers": workers}


def test_static_route_via_gateway_forwards(routed):
    d, cl = routed["dpvs"], routed["cl"]
    r = sh("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.2.1", ns=cl,
           check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert d.pkt_stats()["ip_forwarded"] >= 6
    routes = d.dpip("route", "show").stdout
    assert "10.0.2.0/24 via 10.0.1.2 dev dpdk1" in routes


def test_forwarding_off_drops_and_counts(routed):
    d, cl = routed["dpvs"], routed["cl"]
    d.write_conf(devices=routed["devs"], workers=routed["workers"],
                 sections={"ipv4": ["forwarding = false;"]})
    assert "ipv4.forwarding: true -> false (applied)" in d.ctl("reload").stdout
    before = d.pkt_stats()["ip_not_local"]
    r = sh("ping", "-c", "2", "-W", "1", "10.0.2.1", ns=cl, check=False)
    assert r.returncode != 0
    assert d.pkt_stats()["ip_not_local"] >= before + 2


def bad_frames(dst_mac, src_mac):
    from scapy.all import Ether, IP, ICMP, UDP, Raw
    eth = Ether(dst=dst_mac, src=src_mac)
    good = IP(src="10.0.0.2", dst="10.0.0.1") / ICMP() / Raw(b"x" * 20)
    raw = bytes(eth / good)
    ip_off = 14
    frames = {
        "truncated_eth": raw[:10],
        "truncated_ip": raw[:ip_off + 12],
        "bad_ihl": raw[:ip_off] + bytes([0x43]) + raw[ip_off + 1:],
        "bad_version": raw[:ip_off] + bytes([0x65]) + raw[ip_off + 1:],
        "bad_csum": raw[:ip_off + 10] + b"\xde\xad" + raw[ip_off + 12:],
        "bad_total_len": bytes(eth / IP(src="10.0.0.2", dst="10.0.0.1",
                                        len=1400) / UDP() / Raw(b"y" * 10)),
        "fragment": bytes(eth / IP(src="10.0.0.2", dst="10.0.0.1", flags="MF",
                                   proto=17) / Raw(b"z" * 40)),
        "oversized": bytes(eth / IP(src="10.0.0.2", dst="10.0.0.1") /
                           UDP() / Raw(b"o" * 1600)),
        "garbage_type": bytes(Ether(dst=dst_mac, src=src_mac, type=0x88b5) /
                              Raw(b"\xff" * 50)),
        "truncated_arp": bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac,
                                     type=0x0806) / Raw(b"\x00\x01\x08\x00")),
    }
    return frames


def test_malformed_packets_counted_and_service_continues(lan):
    d, cl = lan["dpvs"], lan["cl"]
    sh("ip", "link", "set", "vcl0", "mtu", "2000", ns=cl)
    before = d.pkt_stats()
    frames = bad_frames(port_mac(d), ns_mac(cl, "vcl0"))
    for _ in range(3):
        sh(PY, PKTTOOL, "send", "vcl0", *[f.hex() for f in frames.values()],
           ns=cl)
    time.sleep(0.5)
    after = d.pkt_stats()
    grew = {k for k in after if after[k] > before.get(k, 0)}
    # (Fragments never get here whole: af_packet's fanout defragments
    # them in the kernel.  test_fragments_go_to_the_kernel covers them.)
    for counter in ("ip_bad_hdr", "ip_bad_csum", "ip_bad_len", "arp_bad",
                    "kni_up"):
        assert counter in grew, "%s did not count: %s" % (counter, after)
    assert d.proc.poll() is None, "dpvs died"
    r = sh("ping", "-c", "2", "-W", "2", "10.0.0.1", ns=cl, check=False)
    assert r.returncode == 0, "no answer after the bad packets"


def test_fragments_go_to_the_kernel(dpvs_factory, tmp_path):
    """Fragments from a pcap port (af_packet would reassemble them)."""
    from scapy.all import Ether, IP, UDP, Raw, fragment, wrpcap
    frags = fragment(Ether(dst="ff:ff:ff:ff:ff:ff") /
                     IP(src="10.0.0.2", dst="10.0.0.1") / UDP() /
                     Raw(b"f" * 3000), fragsize=1000)
    pcap = str(tmp_path / "frags.pcap")
    wrpcap(pcap, frags)
    d = dpvs_factory(devices=[("dpdk0", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
                               1, 1)],
                     sections={"kni": ["rate_limit_pps = 1000;"]})
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    assert wait_for(lambda: d.pkt_stats()["ip_frag"] > 100)
    st = d.pkt_stats()
    # The rate limit keeps the kernel path from being flooded.
    assert st["kni_up_limited"] > 0


def port_flags(d):
    out = d.dpip("link", "show", "dpdk0").stdout
    return re.search(r"<([A-Z_,]*)>", out).group(1).split(",")


def tap_flags(lb):
    out = sh("ip", "-o", "link", "show", "dpdk0.kni", ns=lb).stdout
    return re.search(r"<([A-Z_,]*)>", out).group(1).split(",")


def test_af_packet_link_follows_the_kernel_interface(lan):
    """DPDK's af_packet driver always says the link is up: dpvs asks the
    kernel interface under the port instead, so a veth whose peer goes
    down is a port down (dpip, the TAP's carrier: keepalived sees it)."""
    d, lb, cl = lan["dpvs"], lan["lb"], lan["cl"]
    assert "UP" in port_flags(d) and "LOWER_UP" in tap_flags(lb)
    for state, up in (("down", False), ("up", True), ("down", False),
                      ("up", True)):
        t0 = time.monotonic()
        sh("ip", "link", "set", "vcl0", state, ns=cl)
        assert wait_for(lambda: ("UP" in port_flags(d)) == up and
                        ("LOWER_UP" in tap_flags(lb)) == up, timeout=3.0), \
            "port %s, TAP %s, %.1f s after vcl0 %s" % (
                port_flags(d), tap_flags(lb), time.monotonic() - t0, state)
        print("port and TAP %s %.3f s after vcl0 %s" % (
            state, time.monotonic() - t0, state))
    assert "dpdk0: link down" in d.log_text()
    assert "dpdk0: link up" in d.log_text()
    # Up again: the port serves.
    r = sh("ping", "-c", "1", "-W", "2", "10.0.0.1", ns=cl, check=False)
    assert r.returncode == 0, r.stdout


STALE, FRESH = b"stale-probe:", b"fresh-probe:"


def probe_frame(src_mac, marker):
    """A multicast datagram from the kernel's side, as a VRRP advert or a
    sync message is; its last 4 bytes a counter."""
    from scapy.all import Ether, IP, UDP, Raw
    pkt = (Ether(src=src_mac, dst="01:00:5e:00:00:51") /
           IP(src="10.0.0.1", dst="224.0.0.81", ttl=1) /
           UDP(sport=9, dport=9) / Raw(marker + bytes(4)))
    return bytes(pkt).hex()


def test_af_packet_link_loss_sends_nothing_stale(lan):
    """What the kernel sends through the TAP as the link goes, before dpvs
    saw it go, is lost with the link, not sent when the link returns.
    DPDK's af_packet driver, bypassing the qdisc, kept such frames in its
    TX ring and sent them seconds late: a MASTER's VRRP advert from
    before its link loss demoted the peer that had taken over
    (test_failover[link_down])."""
    d, lb, cl = lan["dpvs"], lan["lb"], lan["cl"]
    assert wait_for(lambda: "UP" in tap_flags(lb))
    mac = port_mac(d)
    watch = subprocess.Popen(
        ["ip", "netns", "exec", cl, PY, PKTTOOL, "watch", "15",
         STALE.hex(), FRESH.hex()], stdout=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(watch.stdout))
    try:
        assert watch.stdout.readline().strip() == "ready"
        reader.start()
        # A frame every 5 ms, through the moment dpvs takes the TAP down:
        # the link goes once probes cross dpvs (the stream's start takes
        # a while on a loaded machine), and the stream outlasts it.
        stream = subprocess.Popen(
            ["ip", "netns", "exec", lb, PY, PKTTOOL, "stream", "dpdk0.kni",
             "3.0", "0.005", probe_frame(mac, STALE)],
            stdout=subprocess.PIPE, text=True)
        assert wait_for(lambda: any(ln.startswith("0 ") for ln in list(lines)),
                        timeout=2.5), "no probe crossed dpvs before the link went"
        time.sleep(0.1)
        t_down = time.time()
        sh("ip", "link", "set", "vcl0", "down", ns=cl)
        sent, refused, last = stream.communicate(timeout=15)[0].split()
        assert wait_for(lambda: "UP" not in port_flags(d), timeout=3.0)
        # The TAP took frames after the carrier went: the case at hand.
        assert float(last) > t_down and int(refused) > 0, (t_down, last)
        time.sleep(1.0)
        t_up = time.time()
        sh("ip", "link", "set", "vcl0", "up", ns=cl)
        assert wait_for(lambda: "UP" in port_flags(d) and
                        "UP" in tap_flags(lb), timeout=3.0)
        # A fresh frame after the link returned: what dpvs sends now goes
        # out, and anything queued before it would have gone first.
        fresh = probe_frame(mac, FRESH)
        assert wait_for(lambda: sh(PY, PKTTOOL, "send", "dpdk0.kni", fresh,
                                   ns=lb) and
                        any(ln.startswith("1 ") for ln in list(lines)),
                        timeout=5), "no fresh frame after the link returned"
    finally:
        watch.kill()
        if reader.is_alive():
            reader.join(5)
    got = [ln.split() for ln in lines]
    before = [g for g in got if g[0] == "0" and float(g[2]) < t_down]
    stale = [g for g in got if g[0] == "0" and float(g[2]) > t_up]
    assert before, "no probe crossed dpvs before the link went: %s" % got
    assert not stale, "%d frames from before the link loss sent %.1f s " \
        "late, after it returned: %s" % (len(stale), t_up - t_down, stale[:5])
