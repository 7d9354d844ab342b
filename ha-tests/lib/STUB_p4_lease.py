"""TEMPORARY STUB of P4 (issue 13), to be deleted at merge once P1's
`dpvsctl ha hold` and dpip's `ha`/`leased` words exist: speaks dpvs's
control wire (dpvs/lib/wire.h) directly to add addresses with the HA
flags and to hold the HA lease.

    STUB_p4_lease.py hold IPC TTL_MS PERIOD_MS   takes the lease, renews it
                                                 every PERIOD_MS; prints
                                                 "held N" once; runs until
                                                 killed
"""
import socket
import struct
import sys
import time

MAGIC, VERSION = 0x44505653, 3
OP_ADDR_ADD, OP_HA_LEASE, OP_HA_RELEASE = 0x0210, 0x0610, 0x0611
ADDR_F_SAPOOL, ADDR_F_HA, ADDR_F_LEASED = 0x1, 0x2, 0x4


class Wire:
    def __init__(self, ipc):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(ipc)
        self.seq = 0

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            got = self.s.recv(n - len(buf))
            if not got:
                raise ConnectionError("dpvs closed the control socket")
            buf += got
        return buf

    def call(self, op, payload=b""):
        """Returns (status, reply payload)."""
        self.seq += 1
        self.s.sendall(struct.pack(">IHHIIII", MAGIC, VERSION, 0, op,
                                   self.seq, 0, len(payload)) + payload)
        _, _, _, _, _, status, n = struct.unpack(">IHHIIII", self._read(24))
        return status, self._read(n)

    def addr_add(self, ifname, addr, plen, flags):
        rec = (ifname.encode().ljust(32, b"\0") + socket.inet_aton(addr) +
               struct.pack(">BBHI", plen, 0, 0, flags))
        status, data = self.call(OP_ADDR_ADD, rec)
        if status:
            raise RuntimeError("addr add %s: %d %r" % (addr, status, data))

    def lease(self, ttl_ms):
        status, data = self.call(OP_HA_LEASE, struct.pack(">I", ttl_ms))
        if status:
            raise RuntimeError("lease: %d %r" % (status, data))
        return struct.unpack(">I", data[:4])[0]

    def close(self):
        self.s.close()


def hold(ipc, ttl_ms, period_ms):
    w = Wire(ipc)
    print("held %d" % w.lease(ttl_ms), flush=True)
    while True:
        time.sleep(period_ms / 1000.0)
        w.lease(ttl_ms)


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
