"""Malformed IPv6 and ICMPv6 frames on a real veth: the twins of
test_netstack.py's test_malformed_packets_counted_and_service_continues.
Each kind moves its own counter (docs/network.md "IPv6"), and the daemon
keeps serving IPv4 meanwhile."""
import struct
import time

import pytest

from lan6 import CL6, LB6, lan6, ns_mac, port_mac
from lbhost import client_lan
from netns import Topology, sh
from servers import PKTTOOL, PY
from waiting import wait_for

TCP, HBH, RH, FRAG, DSTO = 6, 0, 43, 44, 60


@pytest.fixture
def topo():
    t = Topology("m6")
    yield t
    t.destroy()


@pytest.fixture
def lan(topo, dpvs_factory):
    """client (10.0.0.2) -- dpvs dpdk0 (10.0.0.1/24), 2 workers."""
    return client_lan(topo, dpvs_factory)


def ip6(nh, payload, plen=None, hop=64):
    src = bytes.fromhex("20010db8000000000000000000000002")
    dst = bytes.fromhex("20010db8000000000000000000000001")
    plen = len(payload) if plen is None else plen
    return struct.pack(">IHBB", 6 << 28, plen, nh, hop) + src + dst + payload


def ext(nh, units=1):
    """An options header (or RH type 4, segments left 0) of units * 8 bytes."""
    return bytes([nh, units - 1]) + bytes(units * 8 - 2)


SYN = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)


def bad_frames():
    """name -> (IPv6 packet, the counter it must move)."""
    nine = b"".join(ext(DSTO if i < 8 else TCP) for i in range(9))
    rh_then_hbh = bytes([HBH, 0, 4, 0]) + bytes(4) + ext(TCP)
    rh0 = bytes([TCP, 0, 0, 0]) + bytes(4)
    frag_more_20 = struct.pack(">BBHI", TCP, 0, 0 | 1, 77)
    return {
        "truncated": (ip6(TCP, SYN)[:30], "ip6_bad_hdr"),
        "lying_payload_len": (ip6(TCP, SYN, plen=1400), "ip6_bad_len"),
        "nine_ext_headers": (ip6(DSTO, nine + SYN), "ip6_ext_too_many"),
        "hbh_after_rh": (ip6(RH, rh_then_hbh + SYN), "ip6_ext_order"),
        "rh_type0": (ip6(RH, rh0 + SYN), "ip6_rh_segleft"),
        "bad_fragment_length": (ip6(FRAG, frag_more_20 + SYN), "ip6_frag_bad"),
        "ext_past_packet": (ip6(DSTO, bytes([TCP, 3]) + bytes(6)), "ip6_ext_trunc"),
    }


def eth(d, cl, packet):
    mac = lambda s: bytes.fromhex(s.replace(":", ""))
    return mac(port_mac(d)) + mac(ns_mac(cl, "vcl0")) + b"\x86\xdd" + packet


def test_malformed_ipv6_counted_and_service_continues(lan):
    d, cl = lan["dpvs"], lan["cl"]
    before = d.pkt_stats()
    frames = bad_frames()
    hexes = [eth(d, cl, pkt).hex() for pkt, _ in frames.values()]
    for _ in range(3):
        sh(PY, PKTTOOL, "send", "vcl0", *hexes, ns=cl)
    assert wait_for(lambda: all(d.pkt_stats()[c] >= before[c] + 3
                                for _, c in frames.values()), timeout=5), \
        {c: d.pkt_stats()[c] - before[c] for _, c in frames.values()}
    after = d.pkt_stats()
    # None of them reached the kernel path or anything past the parser.
    assert after["ip6_rx"] >= before["ip6_rx"] + 3 * len(frames)
    assert after["ip6_other"] == before["ip6_other"]
    assert d.proc.poll() is None, "dpvs died"
    r = sh("ping", "-c", "2", "-W", "2", "10.0.0.1", ns=cl, check=False)
    assert r.returncode == 0, "no IPv4 answer after the bad IPv6 frames"


def test_bad_icmp6_checksum_counted_and_service_continues(lan):
    d, cl = lan6(lan)["dpvs"], lan["cl"]
    from scapy.all import IPv6, ICMPv6EchoRequest
    good = bytes(IPv6(src=CL6, dst=LB6) / ICMPv6EchoRequest(id=1, seq=1, data=b"x" * 24))
    bad = bytearray(good)
    bad[42] ^= 0xff                                    # the checksum
    short = bytearray(good[:40] + good[40:44])
    short[4:6] = (4).to_bytes(2, "big")                # 4 bytes of ICMPv6
    before = d.pkt_stats()
    sh(PY, PKTTOOL, "send", "vcl0", *[eth(d, cl, bytes(bad)).hex(),
                                      eth(d, cl, bytes(short)).hex()] * 3, ns=cl)
    assert wait_for(lambda: d.pkt_stats()["icmp6_bad"] >= before["icmp6_bad"] + 6)
    assert d.pkt_stats()["icmp6_echo"] == before["icmp6_echo"]
    time.sleep(0.2)
    assert d.proc.poll() is None, "dpvs died"
    r = sh("ping", "-c", "2", "-W", "2", "10.0.0.1", ns=cl, check=False)
    assert r.returncode == 0, "no IPv4 answer after the bad ICMPv6"
    r = sh("ping", "-6", "-c", "2", "-W", "2", LB6, ns=cl, check=False)
    assert r.returncode == 0, "no IPv6 answer after the bad ICMPv6"
