"""The IPv6 stack on real veth pairs (docs/network.md "IPv6"): echo to a
dpvs address, bad checksums counted, forwarding and its hop limit, the
kernel path (kni_host, fragments, the stack switched off).  DAD is off
on the test veths and neighbours are static on both sides, so these
tests do not depend on NDP (netstack/test_ndp.py covers it)."""
import time

import pytest

from waiting import wait_for
from lan6 import CL6, LB6, host6, lan6, need_dpip6, neigh_both, ns_mac, port_mac
from lbhost import client_lan, tcp_echo
from netns import Topology, sh
from servers import PKTTOOL, PY


@pytest.fixture
def topo():
    t = Topology("n6")
    yield t
    t.destroy()


@pytest.fixture
def lan(topo, dpvs_factory):
    """client 2001:db8::2 (10.0.0.2) -- dpvs dpdk0 2001:db8::1/64 (10.0.0.1)."""
    return lan6(client_lan(topo, dpvs_factory))


def echo_frame(d, cl, dst=LB6, chksum=None, src=CL6):
    from scapy.all import Ether, IPv6, ICMPv6EchoRequest
    req = ICMPv6EchoRequest(id=0x77, seq=1, data=b"dpvs" * 8)
    if chksum is not None:
        req.cksum = chksum
    return bytes(Ether(dst=port_mac(d), src=ns_mac(cl, "vcl0")) /
                 IPv6(src=src, dst=dst) / req)


def test_ping6_local_address(lan):
    d, cl = lan["dpvs"], lan["cl"]
    before = d.pkt_stats()["icmp6_echo"]
    r = sh("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", LB6, ns=cl, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    st = d.pkt_stats()
    assert st["icmp6_echo"] >= before + 3
    assert st["ip6_rx"] >= 3
    assert LB6 in d.dpip("-6", "addr").stdout


def test_ping6_bad_checksum_counted(lan):
    d, cl = lan["dpvs"], lan["cl"]
    before = d.pkt_stats()
    bad = echo_frame(d, cl, chksum=0xdead)
    sh(PY, PKTTOOL, "send", "vcl0", *[bad.hex()] * 5, ns=cl)
    assert wait_for(lambda: d.pkt_stats()["icmp6_bad"] >= before["icmp6_bad"] + 5)
    st = d.pkt_stats()
    assert st["icmp6_echo"] == before["icmp6_echo"], "a bad echo was answered"
    r = sh("ping", "-6", "-c", "1", "-W", "2", LB6, ns=cl, check=False)
    assert r.returncode == 0, "no answer after the bad checksums"


@pytest.fixture
def routed6(topo, dpvs_factory):
    """client 2001:db8::2 -- dpdk0 [dpvs] dpdk1 -- 2001:db8:1::2 gw, with
    2001:db8:2::1 behind it (on its lo); forwarding on."""
    lb, cl, gw = topo.ns("lb"), topo.ns("cl"), topo.ns("gw")
    topo.veth(lb, "vlb0", cl, "vcl0")
    topo.veth(lb, "vlb1", gw, "vgw0")
    devs = [("dpdk0", "net_af_packet0,iface=vlb0", 1, 1),
            ("dpdk1", "net_af_packet1,iface=vlb1", 1, 1)]
    workers = [(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0])])]
    d = dpvs_factory(netns=lb, devices=devs, workers=workers,
                     sections={"ipv6": ["forwarding = true;"]})
    d.start()
    need_dpip6(d)
    host6(cl, "vcl0", CL6 + "/64")
    sh("ip", "-6", "route", "add", "default", "via", LB6, ns=cl)
    host6(gw, "vgw0", "2001:db8:1::2/64")
    sh("ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "lo", ns=gw)
    sh("ip", "-6", "route", "add", "2001:db8::/64", "via", "2001:db8:1::1", ns=gw)
    d.dpip("addr", "add", LB6 + "/64", "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", "2001:db8:1::1/64", "dev", "dpdk1", "nodad")
    d.dpip("route", "add", "2001:db8:2::/48", "via", "2001:db8:1::2", "dev", "dpdk1")
    neigh_both(d, "dpdk0", LB6, cl, "vcl0", CL6)
    neigh_both(d, "dpdk1", "2001:db8:1::1", gw, "vgw0", "2001:db8:1::2")
    return {"dpvs": d, "cl": cl, "gw": gw}


def test_v6_forwarding_and_hop_limit(routed6):
    d, cl = routed6["dpvs"], routed6["cl"]
    r = sh("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "2001:db8:2::1",
           ns=cl, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    st = d.pkt_stats()
    assert st["ip6_forwarded"] >= 6                   # both ways
    assert "2001:db8:2::/48 via 2001:db8:1::2 dev dpdk1" in d.dpip("-6", "route").stdout
    # Hop limit 1: dpvs answers time exceeded from its address on the client's link.
    r = sh("ping", "-6", "-c", "1", "-t", "1", "-W", "2", "2001:db8:2::1",
           ns=cl, check=False)
    assert r.returncode != 0
    assert "From %s" % LB6 in r.stdout and "Time exceeded" in r.stdout, r.stdout
    st2 = d.pkt_stats()
    assert st2["ip6_hop_limit"] >= st["ip6_hop_limit"] + 1
    assert st2["icmp6_err_sent"] >= st["icmp6_err_sent"] + 1


def test_v6_kni_host_tcp(lan):
    """A kni_host /128 sends everything for it up to the kernel twin."""
    d, lb, cl = lan["dpvs"], lan["lb"], lan["cl"]
    d.dpip("route", "add", "2001:db8::21/128", "dev", "dpdk0", "scope", "kni_host")
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                      ns=lb).stdout)
    host6(lb, "dpdk0.kni", "2001:db8::21/64")
    sh("ip", "-6", "neigh", "replace", CL6, "lladdr", ns_mac(cl, "vcl0"),
       "dev", "dpdk0.kni", "nud", "permanent", ns=lb)
    sh("ip", "-6", "neigh", "replace", "2001:db8::21", "lladdr", port_mac(d),
       "dev", "vcl0", "nud", "permanent", ns=cl)
    before = d.pkt_stats()["kni_up"]
    out, err = tcp_echo(lb, cl, "2001:db8::21", "hello dpvs")
    assert out == "echo:hello dpvs", err
    assert d.pkt_stats()["kni_up"] >= before + 3       # SYN, ACK, data at least


def test_v6_fragments_go_to_the_kernel(dpvs_factory, tmp_path):
    """IPv6 fragments to a dpvs address, from a pcap port: the kernel's."""
    from scapy.all import Ether, IPv6, IPv6ExtHdrFragment, UDP, Raw, \
        fragment6, wrpcap
    pkt = (Ether(dst="ff:ff:ff:ff:ff:ff") / IPv6(src=CL6, dst=LB6) /
           IPv6ExtHdrFragment() / UDP(sport=4000, dport=5000) / Raw(b"f" * 3000))
    pcap = str(tmp_path / "frags6.pcap")
    wrpcap(pcap, fragment6(pkt, 1280))
    d = dpvs_factory(devices=[("dpdk0", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
                               1, 1)],
                     sections={"kni": ["rate_limit_pps = 1000;"]})
    d.start()
    need_dpip6(d)
    d.dpip("addr", "add", LB6 + "/64", "dev", "dpdk0", "nodad")
    assert wait_for(lambda: d.pkt_stats()["ip6_frag"] > 100)
    st = d.pkt_stats()
    assert st["kni_up_limited"] > 0                    # the kernel is not flooded
    assert st["ip6_frag_bad"] == 0 and st["ip6_bad_len"] == 0


def link_local(ns, ifname):
    out = sh("ip", "-6", "-o", "addr", "show", "dev", ifname, "scope", "link",
             ns=ns).stdout
    return out.split()[3].split("/")[0] if "fe80" in out and \
        "tentative" not in out else None


def test_v6_disabled_all_to_kernel(topo, dpvs_factory):
    """ipv6.enable = false: every IPv6 frame goes to the kernel twin, as
    before the IPv6 stack existed, broken ones included; the twin's own
    link-local address answers ping through it."""
    lb, cl = topo.ns("lb"), topo.ns("cl")
    topo.veth(lb, "vlb0", cl, "vcl0")
    d = dpvs_factory(netns=lb, devices=[
        ("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2)],
        sections={"ipv6": ["enable = false;"]})
    d.start()
    assert wait_for(lambda: link_local(lb, "dpdk0.kni"), timeout=10)
    assert wait_for(lambda: link_local(cl, "vcl0"), timeout=10)
    tap = link_local(lb, "dpdk0.kni")
    before = d.pkt_stats()
    good = echo_frame(d, cl)
    lying = bytearray(echo_frame(d, cl))
    lying[18:20] = (1400).to_bytes(2, "big")             # payload_len lies
    sh(PY, PKTTOOL, "send", "vcl0", *[good.hex(), bytes(lying).hex()] * 3, ns=cl)
    r = sh("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "%s%%vcl0" % tap,
           ns=cl, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    st = d.pkt_stats()
    assert st["ip6_rx"] == 0 and st["ip6_bad_len"] == 0
    assert st["icmp6_echo"] == before["icmp6_echo"]
    assert st["kni_up"] >= before["kni_up"] + 6 + 3    # the frames, the pings
    time.sleep(0.2)
    assert d.proc.poll() is None
