#!/usr/bin/env python3
"""Writes the seeds of fuzz_ipv6_parse (dpvs/tests/fuzz/seeds-parse/):
IPv6 packets from their fixed header, one per extension header and rule
of the walk (docs/network.md "IPv6"), so the fuzzer starts next to every
verdict.  Each seed is the packet alone, as the target reads it."""
import os
import struct
import sys

SRC = bytes.fromhex('20010db8000000000000000000000002')
DST = bytes.fromhex('20010db8000000000000000000000001')
TCP, UDP, ICMP6 = 6, 17, 58
HBH, RH, FRAG, DSTO = 0, 43, 44, 60


def ip6(nh, payload, hop=64, src=SRC, dst=DST, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack('>IHBB', 6 << 28, plen, nh, hop) + src + dst + payload


def opts(nh, body):
    """HBH or DstOpts: body (options) padded to a multiple of 8 with PadN."""
    room = (len(body) + 2 + 7) // 8 * 8 - 2 - len(body)
    if room == 1:
        body += b'\x00'
    elif room:
        body += bytes([1, room - 2]) + bytes(room - 2)
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def rh(nh, typ, segleft, units=3):
    return bytes([nh, units - 1, typ, segleft]) + bytes(units * 8 - 4)


def frag(nh, offset, more, ident=0x01020304):
    return struct.pack('>BBHI', nh, 0, offset | more, ident)


def chain(headers, proto, l4):
    """headers: [(type, builder(nh))...] first to last, then proto and l4."""
    out, nh = b'', proto
    for typ, build in reversed(headers):
        out = build(nh) + out
        nh = typ
    return nh, out + l4


TCP_SYN = struct.pack('>HHIIBBHHH', 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
UDP_DNS = struct.pack('>HHHH', 40000, 53, 12, 0) + b'abcd'
ECHO = bytes([128, 0, 0, 0, 0x12, 0x34, 0, 1]) + bytes(range(16))


def seeds():
    s = {}
    s['plain_tcp'] = ip6(TCP, bytes(20))
    s['tcp_syn'] = ip6(TCP, TCP_SYN)
    s['udp'] = ip6(UDP, UDP_DNS)
    s['echo'] = ip6(ICMP6, ECHO)
    s['ns_mcast'] = ip6(ICMP6, bytes([135, 0, 0, 0]) + bytes(4) + DST +
                        bytes([1, 1, 2, 0, 0, 0, 0, 2]), hop=255,
                        dst=bytes.fromhex('ff0200000000000000000001ff000001'))
    s['hbh_pad'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'\x00\x00'))], TCP, TCP_SYN))
    s['hbh_rtalert_mld'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'\x05\x02\x00\x00'))],
                                      ICMP6, bytes([143, 0, 0, 0, 0, 0, 0, 0])), hop=1)
    s['hbh_unknown_skip'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'\x1e\x02ab'))], UDP, UDP_DNS))
    s['hbh_unknown_discard'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'\x9e\x02ab'))], UDP, UDP_DNS))
    s['jumbo'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'\xc2\x04\x00\x01\x00\x00'))], TCP, TCP_SYN))
    s['dstopt'] = ip6(*chain([(DSTO, lambda nh: opts(nh, b''))], UDP, UDP_DNS))
    s['rh_segleft0'] = ip6(*chain([(RH, lambda nh: rh(nh, 4, 0))], TCP, TCP_SYN))
    s['rh_segleft1'] = ip6(*chain([(RH, lambda nh: rh(nh, 4, 1))], TCP, TCP_SYN))
    s['rh_type0'] = ip6(*chain([(RH, lambda nh: rh(nh, 0, 0))], TCP, TCP_SYN))
    s['frag_first'] = ip6(*chain([(FRAG, lambda nh: frag(nh, 0, 1))], TCP, TCP_SYN + bytes(4)))
    s['frag_atomic'] = ip6(*chain([(FRAG, lambda nh: frag(nh, 0, 0))], UDP, UDP_DNS))
    s['frag_nonfirst'] = ip6(*chain([(FRAG, lambda nh: frag(nh, 1480, 0))], UDP, bytes(21)))
    s['frag_bad_len'] = ip6(*chain([(FRAG, lambda nh: frag(nh, 0, 1))], TCP, TCP_SYN))
    s['two_frags'] = ip6(*chain([(FRAG, lambda nh: frag(nh, 0, 1)),
                                 (FRAG, lambda nh: frag(nh, 0, 1))], TCP, TCP_SYN + bytes(4)))
    s['full_chain'] = ip6(*chain([(HBH, lambda nh: opts(nh, b'')),
                                  (DSTO, lambda nh: opts(nh, b'')),
                                  (RH, lambda nh: rh(nh, 4, 0, 1)),
                                  (FRAG, lambda nh: frag(nh, 0, 0)),
                                  (DSTO, lambda nh: opts(nh, bytes(10)))], TCP, TCP_SYN))
    s['eight_exts'] = ip6(*chain([(DSTO, lambda nh: opts(nh, b''))] * 8, TCP, TCP_SYN))
    s['nine_exts'] = ip6(*chain([(DSTO, lambda nh: opts(nh, b''))] * 9, TCP, TCP_SYN))
    s['hbh_after_rh'] = ip6(*chain([(RH, lambda nh: rh(nh, 4, 0)),
                                    (HBH, lambda nh: opts(nh, b''))], TCP, TCP_SYN))
    s['long_dstopts'] = ip6(*chain([(DSTO, lambda nh: opts(nh, bytes(250)))] * 3, UDP, UDP_DNS))
    s['ext_past_len'] = ip6(DSTO, bytes([TCP, 4]) + bytes(14))
    s['len_past_avail'] = ip6(TCP, TCP_SYN, plen=100)
    s['esp'] = ip6(50, bytes(24))
    s['ah'] = ip6(51, bytes([TCP, 4]) + bytes(22))
    s['no_next'] = ip6(59, b'')
    s['mcast_src'] = ip6(TCP, TCP_SYN, src=bytes.fromhex('ff020000000000000000000000000001'))
    return s


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds-parse'))
