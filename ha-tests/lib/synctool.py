"""The sync datagram (docs/ha.md, "The message", version 1) for tests
that play a third party on the sync link, and the script that does it
inside a namespace:

    synctool.py capture ADDR SECONDS   joins 224.0.0.81:8848 on the
                                       interface of ADDR; one hex line
                                       per datagram heard
    synctool.py send ADDR HEX...       sends each datagram to the group

As a module: unpack() and pack() (HMAC-SHA256 with the key given).
"""
import hashlib
import hmac
import socket
import struct
import sys
import time

GROUP, PORT = "224.0.0.81", 8848
HDR = struct.Struct("!BBBBHHQQII")        # 32 bytes
REC = struct.Struct("!BBBBHH4I4HII")      # 40 bytes
TAG_LEN = 32
HDR_FIELDS = ("version", "type", "syncid", "nrec", "len", "nworkers",
              "sender_id", "seq", "start_s", "sent_s")
REC_FIELDS = ("rtype", "proto", "fwd", "state", "flags", "widx", "caddr",
              "vaddr", "laddr", "daddr", "cport", "vport", "lport", "dport",
              "timeout_s", "reserved")
CONN = 1


def unpack(buf):
    h = dict(zip(HDR_FIELDS, HDR.unpack_from(buf)))
    recs = [dict(zip(REC_FIELDS, REC.unpack_from(buf, HDR.size + i * REC.size)))
            for i in range(h["nrec"])]
    return h, recs


def pack(h, recs, key):
    h = dict(h, nrec=len(recs),
             len=HDR.size + REC.size * len(recs) + TAG_LEN)
    body = HDR.pack(*[h[f] for f in HDR_FIELDS]) + b"".join(
        REC.pack(*[r[f] for f in REC_FIELDS]) for r in recs)
    return body + hmac.new(key, body, hashlib.sha256).digest()


def ip(addr):
    return struct.unpack("!I", socket.inet_aton(addr))[0]


def capture(addr, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", PORT))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(GROUP) + socket.inet_aton(addr))
    print("ready", flush=True)
    end = time.time() + secs
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            d, _ = s.recvfrom(65536)
        except socket.timeout:
            break
        print(d.hex(), flush=True)


def send(addr, frames):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(addr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.bind((addr, 0))
    for h in frames:
        s.sendto(bytes.fromhex(h), (GROUP, PORT))
        time.sleep(0.02)


def main():
    if sys.argv[1] == "capture":
        capture(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("synctool.py: capture or send")


if __name__ == "__main__":
    main()
