#!/usr/bin/env python3
"""Writes the seeds of fuzz_sync_msg (dpvs/tests/fuzz/seeds-msg/): valid
datagrams of every type under the fuzzer's fixed key (mode 0), datagram
descriptions (mode 1) and replay runs (mode 2).  See fuzz_sync_msg.c."""
import hashlib
import hmac
import os
import struct
import sys

KEY = b'fuzz-sync-key-0123456789abcdef!\0'


def datagram(typ, recs=(), count=0, syncid=51, seq=1, version=1):
    if typ == 3:
        recs = [bytes(32) + struct.pack('>II', count, 0)]
    n = len(recs)
    ln = 64 + sum(len(r) for r in recs)
    hdr = struct.pack('>BBBBHHQQII', version, typ, syncid, n, ln, 2,
                      0x9c3e71d04a5b2f18, seq, 1765000000, 1765000042)
    body = hdr + b''.join(recs)
    return body + hmac.new(KEY, body, hashlib.sha256).digest()


def rec(i, fwd=1):
    return struct.pack('>BBBBHHIIIIHHHHII', 1, 6, fwd, 1, 0, i % 2,
                       0x0a000001 + i, 0x0a0000c8, 0x0a00006e, 0x0a000201,
                       40000 + i, 80, 1024 + i, 80, 900, 0)


def rec6(i, nat64=False, xmit=4):
    """A version 2 record: v6 client and VIP; v6 or (NAT64) v4 servers."""
    v6 = lambda last: bytes.fromhex('20010db8000000000000000000000000')[:15] + \
        bytes([last])
    v4 = lambda a: struct.pack('>I', a) + bytes(12)
    daf = 4 if nat64 else 6
    laddr = v4(0x0a00026e) if nat64 else v6(0x6e)
    daddr = v4(0x0a000201 + i) if nat64 else v6(0x21 + i)
    return (struct.pack('>BBBBHHBBH', 3, 6, 8 if nat64 else xmit, 1, 0,
                        i % 2, 6, daf, 0) +
            v6(0x10 + i) + v6(0x64) + laddr + daddr +
            struct.pack('>HHHHII', 40000 + i, 80, 1024 + i, 80, 900, 0))


def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {
        'conn-1': b'\0' + datagram(1, [rec(0)]),
        'conn-35': b'\0' + datagram(1, [rec(i, 1 + i % 4) for i in range(35)]),
        'bulk-req': b'\0' + datagram(2),
        'bulk-end': b'\0' + datagram(3, count=12480),
        'heartbeat': b'\0' + datagram(4, seq=7),
        'other-id': b'\0' + datagram(4, syncid=52),
        'forge-conn': b'\1' + bytes([1, 51, 0, 2]) + bytes(range(1, 29)) +
        b'\0\x10\x01' + rec(1) + rec(2),
        'forge-end': b'\1' + bytes([3, 51, 0, 2]) + bytes(range(1, 29)) +
        b'\0\x05\x80',
        'conn6-1': b'\0' + datagram(1, [rec6(0)], version=2),
        'conn6-15': b'\0' + datagram(1, [rec6(i, i % 3 == 0) for i in
                                         range(15)], seq=9, version=2),
        'conn64-1': b'\0' + datagram(1, [rec6(1, True)], seq=3, version=2),
        'forge-conn6': b'\1' + bytes([0x81, 51, 0, 2]) +
        bytes(range(1, 29)) + b'\0\x10\x01' + bytes(range(96)) * 2,
        'replays': b'\2' + bytes([0, 5, 0, 1, 0, 128] * 3 +
                                 [0, 5, 0, 3, 0, 128, 1, 4, 0, 1, 0, 128]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds-msg'))
