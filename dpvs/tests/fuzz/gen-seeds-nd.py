#!/usr/bin/python3
"""Writes the NDP seeds of fuzz_packet (nd-* in dpvs/tests/fuzz/seeds-packet/).

NS and NA (for the port's addresses, for strangers, from ::), an NA
with the override flag, MLDv2 reports and an RA: records {u8 flags; u16
len; frame} as gen-seeds-packet.py writes them.
Run: /usr/bin/python3 dpvs/tests/fuzz/gen-seeds-nd.py [dir]
"""
import os
import struct
import sys

from scapy.all import (Ether, ICMPv6MLReport2, ICMPv6MLDMultAddrRec,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       IPv6, IPv6ExtHdrHopByHop, PadN, RouterAlert, raw)

OURMAC = 4
PORT_MAC = "02:00:00:00:00:01"   # replaced by the port's (OURMAC)
CLIENT_MAC = "02:00:00:00:00:02"


def rec(frame, flags=OURMAC):
    b = raw(frame)
    return struct.pack(">BH", flags, len(b)) + b


def ns(src, dst, tgt, slla=True):
    p = (Ether(src=CLIENT_MAC, dst=PORT_MAC) / IPv6(src=src, dst=dst, hlim=255) /
         ICMPv6ND_NS(tgt=tgt))
    return p / ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC) if slla else p


def na(src, dst, tgt, S=1, O=1):
    return (Ether(src=CLIENT_MAC, dst=PORT_MAC) / IPv6(src=src, dst=dst, hlim=255) /
            ICMPv6ND_NA(tgt=tgt, R=0, S=S, O=O) /
            ICMPv6NDOptDstLLAddr(lladdr=CLIENT_MAC))


SEEDS = {
    "nd-ns-solicited-node": rec(ns("2001:db8::2", "ff02::1:ff00:1", "2001:db8::1")),
    "nd-ns-unicast": rec(ns("2001:db8::2", "2001:db8::1", "2001:db8::1")),
    "nd-ns-dad": rec(ns("::", "ff02::1:ff00:1", "2001:db8::1", slla=False)),
    "nd-na-solicited": rec(na("2001:db8::2", "2001:db8::1", "2001:db8::2")),
    "nd-na-unsolicited": rec(na("2001:db8::2", "ff02::1", "2001:db8::2", S=0)),
    "nd-ns-then-na": rec(ns("2001:db8::5", "ff02::1:ff00:1", "2001:db8::1"))
                     + rec(na("2001:db8::5", "ff02::1", "2001:db8::5", S=0)),
    "nd-mld-report": rec(Ether(src=CLIENT_MAC, dst="33:33:00:00:00:16") /
                         IPv6(src="::", dst="ff02::16", hlim=1) /
                         IPv6ExtHdrHopByHop(options=[RouterAlert(value=0),
                                                     PadN(optdata=b"")]) /
                         ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(
                             rtype=4, dst="ff02::1:ff00:2")])),
    "nd-ra": rec(Ether(src=CLIENT_MAC, dst="33:33:00:00:00:01") /
                 IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_RA()),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "seeds-packet")
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
