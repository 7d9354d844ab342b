#!/usr/bin/python3
"""Writes the seeds of fuzz_packet (dpvs/tests/fuzz/seeds-packet/).

Each seed is a few records {u8 flags; u16 len; frame} for the services
fuzz_packet.c sets up: 10.0.0.100 TCP 80 FullNAT (and UDP 53, and TCP 443
FullNAT with a PROXY v2 header),
10.0.0.101 TCP 80 NAT (persistent), UDP 53 NAT, 10.0.0.102 DR,
10.0.0.103 TUN; clients on 10.0.0.0/24, real servers on 10.0.1.0/24.
IPv6 (the v6-* seeds): [2001:db8::100]:80 and UDP 53 FullNAT from
2001:db8:1::200, ::101 NAT, ::102 DR, ::103 TUN; clients on
2001:db8::/64, real servers on 2001:db8:1::/64.  NAT64 (v6-nat64-*):
[2001:db8::104]:80 and UDP 53 to 10.0.1.11 (and the unresolved .14),
10.0.1.12 from 10.0.1.200; their REPLY / ICMPERR records come from the
IPv4 side and go through the 4-to-6 translation.
Run: /usr/bin/python3 dpvs/tests/fuzz/gen-seeds-packet.py [dir]
"""
import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, IPOption_NOP, raw
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest,
                                ICMPv6PacketTooBig, ICMPv6ParamProblem,
                                ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting)

W2, NIC, OURMAC, REPLY, ICMPERR, HOLD, CTRL = 1, 2, 4, 8, 16, 0x40, 0xe0
# fuzz_packet.c's menu of control ops (F_CTRL)
(DEL_RS11, QUIESCE_RS11, DEL_NAT_RS12, ADD_RS15, DEL_LADDR, DEL_SVC, FLUSH,
 DEL_NEIGH11, DEL_VIP, DEL_LADDR_ADDR, EDIT_NAT, DEL_ROUTE, TIMEOUTS, ZERO,
 CONN_LIST, WORKER_STATS) = range(16)
PORT_MAC = "02:00:00:00:00:01"   # replaced by the port's (OURMAC)
CLIENT_MAC = "02:00:00:00:00:02"
RS11_MAC = "02:00:00:00:01:0b"


def rec(frame, flags=OURMAC):
    b = raw(frame) if not isinstance(frame, bytes) else frame
    return struct.pack(">BH", flags, len(b)) + b


def cl(dst, l4, **kw):
    return Ether(src=CLIENT_MAC, dst=PORT_MAC) / IP(src="10.0.0.2", dst=dst,
                                                    **kw) / l4


def tcp(dport, sport=40000, flags="S", seq=1000, ack=0, payload=b""):
    return TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) / payload


def flow(vip, sport, extra=b"", port=80):
    """SYN, the server's SYN-ACK, ACK, data, FIN, the server's FIN."""
    return (rec(cl(vip, tcp(port, sport)))
            + rec(bytes([0x12]), REPLY)
            + rec(cl(vip, tcp(port, sport, "A", 1001, 1)))
            + rec(cl(vip, tcp(port, sport, "PA", 1001, 1, b"GET / HTTP/1.0\r\n\r\n")))
            + rec(cl(vip, tcp(port, sport, "FA", 1019, 1)))
            + rec(bytes([0x11]), REPLY) + extra)


def rs_ack(lport, opts):
    """rs1 (10.0.1.11:443) to local address 10.0.1.200:lport, ACK with
    the raw TCP options opts (padded to 4 bytes, lengths unchecked)."""
    opts += b"\x00" * (-len(opts) % 4)
    th = struct.pack(">HHIIBBHHH", 443, lport, 7001, 1030,
                     (5 + len(opts) // 4) << 4, 0x10, 512, 0, 0) + opts
    return rec(Ether(src=RS11_MAC, dst=PORT_MAC)
               / IP(src="10.0.1.11", dst="10.0.1.200", proto=6) / th)


RS6_MAC = {11: "02:00:00:00:01:0b", 12: "02:00:00:00:01:0c"}
CL6, LIP6 = "2001:db8::2", "2001:db8:1::200"


def cl6(dst, l4, *ext):
    p = IPv6(src=CL6, dst=dst)
    for e in ext:
        p = p / e
    return Ether(src=CLIENT_MAC, dst=PORT_MAC) / p / l4


def rs6(h, dst, l4):
    return Ether(src=RS6_MAC[h], dst=PORT_MAC) / IPv6(
        src="2001:db8:1::%d" % h, dst=dst) / l4


def v6_seeds(s):
    vip = "2001:db8::100"
    s["v6-fnat-flow"] = (
        rec(cl6(vip, tcp(80, 45000)))
        + rec(rs6(11, LIP6, TCP(sport=8080, dport=1024, flags="SA", seq=7000,
                               ack=1001)))
        + rec(rs6(11, LIP6, TCP(sport=8080, dport=1025, flags="SA")), OURMAC | W2)
        + rec(cl6(vip, tcp(80, 45000, "A", 1001, 7001)), OURMAC | W2)
        + rec(cl6(vip, tcp(80, 45000, "FA", 1001, 7001))))
    s["v6-fnat-udp-zero-sum"] = rec(cl6(vip, UDP(sport=5353, dport=53, chksum=0)
                                        / b"q")) \
        + rec(rs6(12, LIP6, UDP(sport=8080, dport=1024) / b"a"))
    s["v6-ext-headers"] = rec(cl6(vip, tcp(80, 45001), IPv6ExtHdrHopByHop(),
                                  IPv6ExtHdrDestOpt()))
    s["v6-tcp-short"] = rec(raw(cl6(vip, tcp(80, 45002)))[:14 + 40 + 10])
    s["v6-nat-flow"] = rec(cl6("2001:db8::101", tcp(80, 45003))) \
        + rec(rs6(11, CL6, TCP(sport=8080, dport=45003, flags="SA")), OURMAC | W2) \
        + rec(rs6(12, CL6, TCP(sport=8080, dport=45003, flags="SA")))
    s["v6-dr-tun"] = rec(cl6("2001:db8::102", tcp(80, 45004))) \
        + rec(cl6("2001:db8::103", tcp(80, 45005)))
    s["v6-tun-too-big"] = rec(cl6("2001:db8::103", tcp(80, 45006,
                                                       payload=b"x" * 1450)))
    sent = IPv6(src=LIP6, dst="2001:db8:1::11") / TCP(sport=1024, dport=8080)
    back = IPv6(src=vip, dst=CL6) / TCP(sport=80, dport=45007, flags="SA")
    s["v6-icmp-relay"] = (
        rec(cl6(vip, tcp(80, 45007)))
        + rec(rs6(11, LIP6, ICMPv6PacketTooBig(mtu=1280) / raw(sent)))
        + rec(rs6(11, LIP6, ICMPv6DestUnreach(code=4) / raw(sent)[:48]), OURMAC | W2)
        + rec(cl6(vip, ICMPv6PacketTooBig(mtu=1300) / raw(back)))
        + rec(cl6(vip, ICMPv6PacketTooBig(mtu=1300) / raw(back)[:44])))
    quoted_ext = IPv6(src=LIP6, dst="2001:db8:1::11") / IPv6ExtHdrDestOpt() \
        / TCP(sport=1024, dport=8080)
    s["v6-icmp-quote-ext"] = rec(rs6(11, LIP6, ICMPv6PacketTooBig(mtu=1400)
                                     / raw(quoted_ext)))


def nat64_seeds(s):
    vip = "2001:db8::104"
    s["v6-nat64-flow"] = (
        rec(cl6(vip, tcp(80, 46000)))
        + rec(bytes([0x12]), REPLY)
        + rec(cl6(vip, tcp(80, 46000, "A", 1001, 1)), OURMAC | W2)
        + rec(cl6(vip, tcp(80, 46000, "PA", 1001, 1, b"GET / HTTP/1.0\r\n\r\n")))
        + rec(cl6(vip, tcp(80, 46000, "FA", 1019, 1)))
        + rec(bytes([0x11]), REPLY | W2))
    s["v6-nat64-udp"] = rec(cl6(vip, UDP(sport=5356, dport=53) / b"q")) \
        + rec(b"", REPLY) + rec(b"", REPLY | W2)
    # port unreachable, fragmentation needed (to "packet too big"),
    # host unreachable: each ICMPv4 error translated back to the client
    s["v6-nat64-icmp-err"] = rec(cl6(vip, tcp(80, 46001))) \
        + rec(bytes([3]), ICMPERR) + rec(bytes([4]), ICMPERR | W2) \
        + rec(bytes([1]), ICMPERR)
    back = IPv6(src=vip, dst=CL6) / TCP(sport=80, dport=46002, flags="SA")
    s["v6-nat64-client-icmp6"] = (
        rec(cl6(vip, tcp(80, 46002))) + rec(bytes([0x12]), REPLY)
        + rec(cl6(vip, ICMPv6PacketTooBig(mtu=1280) / raw(back)))
        + rec(cl6(vip, ICMPv6DestUnreach(code=1) / raw(back)[:44]), OURMAC | W2))
    s["v6-nat64-ext-headers"] = rec(cl6(vip, tcp(80, 46003),
                                        IPv6ExtHdrDestOpt(),
                                        IPv6ExtHdrFragment(m=0, offset=0)))
    s["v6-nat64-frag"] = rec(cl6(vip, tcp(80, 46004), IPv6ExtHdrFragment(m=1))) \
        + rec(cl6(vip, b"\0" * 16, IPv6ExtHdrFragment(nh=6, offset=5)))
    s["v6-nat64-unresolved"] = b"".join(
        rec(cl6(vip, tcp(80, 46010 + i)), OURMAC | (i & 1)) for i in range(4))


def v6_ext_seeds(s):
    vip = "2001:db8::100"
    s["v6-ext-routing"] = rec(cl6(vip, tcp(80, 45100), IPv6ExtHdrRouting(
        type=0, segleft=0, addresses=["2001:db8::9"]))) \
        + rec(cl6(vip, tcp(80, 45101), IPv6ExtHdrRouting(
            type=4, segleft=1, addresses=["2001:db8::9"])))
    s["v6-ext-frag-atomic"] = rec(cl6(vip, tcp(80, 45102),
                                      IPv6ExtHdrFragment(m=0, offset=0)))
    s["v6-ext-frag-first"] = rec(cl6(vip, tcp(80, 45103),
                                     IPv6ExtHdrFragment(m=1, id=7)))
    s["v6-ext-hbh-late"] = rec(cl6(vip, tcp(80, 45104), IPv6ExtHdrDestOpt(),
                                   IPv6ExtHdrHopByHop()))
    s["v6-ext-chain"] = rec(cl6("2001:db8::101", tcp(80, 45105),
                                IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(),
                                IPv6ExtHdrRouting(segleft=0),
                                IPv6ExtHdrDestOpt()))
    s["v6-ext-no-next"] = rec(Ether(src=CLIENT_MAC, dst=PORT_MAC)
                              / IPv6(src=CL6, dst=vip, nh=59) / (b"\0" * 8))
    s["v6-ext-unknown"] = rec(Ether(src=CLIENT_MAC, dst=PORT_MAC)
                              / IPv6(src=CL6, dst=vip, nh=143)
                              / (bytes([6, 0]) + b"\0" * 6))
    cut = raw(cl6(vip, tcp(80, 45106), IPv6ExtHdrDestOpt()))
    s["v6-ext-cut"] = rec(cut[:14 + 40 + 4])
    # its length byte: 201 x 8 bytes, far past the frame's end
    s["v6-ext-len-past-end"] = rec(cut[:55] + bytes([200]) + cut[56:])


def v6_icmp_seeds(s):
    vip = "2001:db8::100"
    sent = IPv6(src=LIP6, dst="2001:db8:1::11") / TCP(sport=1024, dport=8080)
    back = IPv6(src=vip, dst=CL6) / TCP(sport=80, dport=45200, flags="SA")
    s["v6-icmp-errors"] = (
        rec(cl6(vip, tcp(80, 45200)))
        + rec(rs6(11, LIP6, ICMPv6TimeExceeded() / raw(sent)))
        + rec(rs6(11, LIP6, ICMPv6ParamProblem(code=1, ptr=40) / raw(sent)),
              OURMAC | W2)
        + rec(rs6(11, LIP6, ICMPv6DestUnreach(code=1) / raw(sent)[:40]))
        + rec(cl6(vip, ICMPv6TimeExceeded() / raw(back)))
        + rec(cl6(vip, ICMPv6ParamProblem(ptr=6) / raw(back))))
    err_of_err = IPv6(src=LIP6, dst="2001:db8:1::11") / ICMPv6DestUnreach() \
        / raw(sent)
    s["v6-icmp-err-of-err"] = rec(rs6(11, LIP6, ICMPv6PacketTooBig(mtu=1280)
                                      / raw(err_of_err)))
    s["v6-icmp-echo-vip"] = rec(cl6(vip, ICMPv6EchoRequest(id=3, data=b"x" * 32))) \
        + rec(cl6("2001:db8::1", ICMPv6EchoRequest(id=4)), OURMAC | W2)
    s["v6-icmp-nat-dr"] = (
        rec(cl6("2001:db8::101", tcp(80, 45201)))
        + rec(rs6(11, CL6, ICMPv6PacketTooBig(mtu=1280) / raw(
            IPv6(src=CL6, dst="2001:db8:1::11") / TCP(sport=45201, dport=8080))))
        + rec(cl6("2001:db8::102", ICMPv6DestUnreach() / raw(
            IPv6(src="2001:db8::102", dst=CL6) / TCP(sport=80, dport=45202)))))


def seeds():
    s = {}
    v6_seeds(s)
    nat64_seeds(s)
    v6_ext_seeds(s)
    v6_icmp_seeds(s)
    s["fnat-tcp-flow"] = flow("10.0.0.100", 40001)
    s["fnat-tcp-syn-w2"] = rec(cl("10.0.0.100", tcp(80, 40003)), OURMAC | W2) \
        + rec(bytes([0x12]), REPLY) + rec(bytes([0x12]), REPLY | W2)
    s["fnat-tcp-rst"] = rec(cl("10.0.0.100", tcp(80, 40004))) \
        + rec(bytes([0x04]), REPLY)
    s["fnat-udp"] = rec(cl("10.0.0.100", UDP(sport=5353, dport=53) / (b"q" * 12))) \
        + rec(b"", REPLY) + rec(b"", REPLY | W2)
    s["fnat-icmp-err"] = rec(cl("10.0.0.100", tcp(80, 40005))) \
        + rec(bytes([3]), ICMPERR) + rec(bytes([4]), ICMPERR | W2)
    s["nat-tcp-flow"] = flow("10.0.0.101", 40006)
    s["nat-udp"] = rec(cl("10.0.0.101", UDP(sport=5354, dport=53) / b"q")) \
        + rec(b"", REPLY | W2)
    s["nat-icmp-err"] = rec(cl("10.0.0.101", tcp(80, 40007))) \
        + rec(bytes([1]), ICMPERR | W2)
    s["dr-tcp"] = rec(cl("10.0.0.102", tcp(80, 40008))) \
        + rec(cl("10.0.0.102", tcp(80, 40008, "A", 1001, 1)), OURMAC | W2)
    s["tun-tcp"] = rec(cl("10.0.0.103", tcp(80, 40009))) \
        + rec(bytes([3]), ICMPERR)
    s["fnat-unresolved-rs"] = b"".join(
        rec(cl("10.0.0.100", tcp(80, 41000 + i))) for i in range(4)) \
        + rec(Ether(src="02:00:00:00:01:0e", dst="ff:ff:ff:ff:ff:ff")
              / ARP(op=2, hwsrc="02:00:00:00:01:0e", psrc="10.0.1.14",
                    hwdst=PORT_MAC, pdst="10.0.1.1"))
    s["arp-request"] = rec(Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff")
                           / ARP(op=1, hwsrc=CLIENT_MAC, psrc="10.0.0.2",
                                 pdst="10.0.0.100"), 0)
    s["arp-reply-new"] = rec(Ether(src="02:00:00:00:00:33", dst=PORT_MAC)
                             / ARP(op=2, hwsrc="02:00:00:00:00:33",
                                   psrc="10.0.0.33", pdst="10.0.0.1"))
    s["arp-garp"] = rec(Ether(src="02:00:00:00:00:44", dst="ff:ff:ff:ff:ff:ff")
                        / ARP(op=1, hwsrc="02:00:00:00:00:44", psrc="10.0.0.44",
                              pdst="10.0.0.44"), 0)
    s["icmp-echo"] = rec(cl("10.0.0.1", ICMP() / (b"ping" * 8))) \
        + rec(cl("10.0.0.100", ICMP(id=7) / b"x"), OURMAC | NIC)
    s["ip-options"] = rec(cl("10.0.0.100", tcp(80, 40010),
                             options=[IPOption_NOP()] * 4))
    s["ip-frag-first"] = rec(cl("10.0.0.100", tcp(80, 40011), flags="MF"))
    s["ip-frag-later"] = rec(cl("10.0.0.100", b"\0" * 16, proto=6, frag=3))
    s["ip-frag-forward"] = rec(cl("10.0.1.12", tcp(80, 40012), flags="MF"))
    bad = raw(cl("10.0.0.100", tcp(80, 40013)))
    bad = bad[:24] + b"\x12\x34" + bad[26:]
    s["ip-bad-csum"] = rec(bad) + rec(bad, OURMAC | NIC)
    s["tcp-bad-csum"] = rec(cl("10.0.0.100", TCP(sport=40014, dport=80,
                                                  flags="S", chksum=0x1234)))
    s["ip-bad-len"] = rec(raw(cl("10.0.0.100", tcp(80, 40015), len=400)))
    s["tcp-short"] = rec(raw(cl("10.0.0.100", tcp(80, 40016)))[:40])
    s["ip-padding"] = rec(raw(cl("10.0.0.100", tcp(80, 40017))) + b"\0" * 20)
    s["forward-gw"] = rec(cl("192.0.2.1", tcp(443, 40018), ttl=5)) \
        + rec(cl("192.0.2.1", tcp(443, 40018), ttl=1))
    s["forward-unresolved"] = rec(cl("10.0.0.50", UDP(sport=1, dport=2)))
    s["broadcast"] = rec(Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff")
                         / IP(src="10.0.0.2", dst="10.0.0.255")
                         / UDP(sport=68, dport=67), 0)
    s["multicast-vrrp"] = rec(Ether(src=CLIENT_MAC, dst="01:00:5e:00:00:12")
                              / IP(src="10.0.0.2", dst="224.0.0.18", proto=112)
                              / (b"\x21\x01\x64\x01" + b"\0" * 16), 0)
    s["other-mac"] = rec(Ether(src=CLIENT_MAC, dst="02:00:00:00:99:99")
                         / IP(src="10.0.0.2", dst="10.0.0.100") / tcp(80), 0)
    s["ipv6"] = rec(bytes.fromhex("0200000000010200000000020086dd") + b"\x60"
                    + b"\0" * 39)
    s["no-service-port"] = rec(cl("10.0.0.100", tcp(81, 40019))) \
        + rec(cl("10.0.1.200", tcp(1025, 80, "SA")))
    syn = rec(cl("10.0.0.100", tcp(80, 42000)))
    for name, op in (("del-rs", DEL_RS11), ("quiesce-rs", QUIESCE_RS11),
                     ("del-laddr", DEL_LADDR), ("del-svc", DEL_SVC),
                     ("flush", FLUSH), ("del-neigh", DEL_NEIGH11),
                     ("del-vip", DEL_VIP), ("del-laddr-addr", DEL_LADDR_ADDR),
                     ("del-route", DEL_ROUTE), ("timeouts", TIMEOUTS),
                     ("zero", ZERO), ("conn-list", CONN_LIST),
                     ("worker-stats", WORKER_STATS), ("add-rs", ADD_RS15)):
        s["ctrl-fnat-" + name] = (
            syn + rec(bytes([0x12]), REPLY) + rec(bytes([op]), CTRL)
            + rec(bytes([0x10]), REPLY | W2)
            + rec(cl("10.0.0.100", tcp(80, 42000, "A", 1001, 1)))
            + rec(cl("10.0.0.100", tcp(80, 42001))))
    s["ctrl-nat-del-rs"] = (rec(cl("10.0.0.101", tcp(80, 42002)))
                            + rec(bytes([DEL_NAT_RS12]), CTRL)
                            + rec(bytes([0x12]), REPLY | W2)
                            + rec(bytes([EDIT_NAT]), CTRL)
                            + rec(cl("10.0.0.101", tcp(80, 42003))))
    s["burst-syn-ack-data"] = (
        rec(cl("10.0.0.100", tcp(80, 43000)), OURMAC | HOLD)
        + rec(cl("10.0.0.100", tcp(80, 43000, "A", 1001, 1)), OURMAC | HOLD)
        + rec(cl("10.0.0.100", tcp(80, 43000, "PA", 1001, 1, b"x")), OURMAC | HOLD)
        + rec(cl("10.0.0.101", tcp(80, 43001)), OURMAC | HOLD)
        + rec(cl("10.0.0.100", UDP(sport=5355, dport=53) / b"q"))
        + rec(bytes([0x12]), REPLY | HOLD) + rec(bytes([0x10]), REPLY))
    s["burst-many-clients"] = b"".join(
        rec(cl("10.0.0.100", tcp(80, 44000 + i)), OURMAC | HOLD | (i & 1))
        for i in range(7)) + rec(cl("10.0.0.102", tcp(80, 44100)))
    s["runt"] = rec(b"\x02\x00\x00\x00\x00\x01\x02")
    sack = struct.pack(">BBBBII", 1, 1, 5, 10, 1020, 1040)
    s["proxy-flow"] = flow("10.0.0.100", 40020, port=443) + rs_ack(1024, sack)
    s["proxy-sack-truncated"] = (rec(cl("10.0.0.100", tcp(443, 40021)))
                                 + rec(bytes([0x12]), REPLY)
                                 + rs_ack(1024, b"\x01\x01\x05\x12\x00\x00"))
    s["proxy-rst-first"] = (rec(cl("10.0.0.100", tcp(443, 40022)))
                            + rec(bytes([0x12]), REPLY)
                            + rec(cl("10.0.0.100", tcp(443, 40022, "R", 1001))))
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "seeds-packet")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
