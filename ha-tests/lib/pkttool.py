"""Small scapy jobs run inside a namespace: send frames, or sniff some.

    pkttool.py send IFACE HEXFRAME...
    pkttool.py sniff IFACE SECONDS BPF   -> prints one hex frame per line
    pkttool.py stream IFACE SECONDS INTERVAL HEXFRAME
        -> sends HEXFRAME, its last 4 bytes a counter, every INTERVAL s;
           prints how many the kernel took, how many it refused and the
           time (time.time()) of the last it took
    pkttool.py watch SECONDS HEXMARKER...
        -> prints "ready", then for each frame received on any interface
           that holds a marker: the marker's index, the 4 bytes after it
           (a number), the time and the interface.  Bound to no interface,
           so one going down and up does not end it.
"""
import socket
import struct
import sys
import time

from scapy.all import conf, sendp, sniff

conf.verb = 0


def main():
    cmd, iface = sys.argv[1], sys.argv[2]
    if cmd == "send":
        for h in sys.argv[3:]:
            try:
                sendp(bytes.fromhex(h), iface=iface)
            except OSError as e:  # the kernel may refuse runts outright
                print("not sent (%d bytes): %s" % (len(h) // 2, e),
                      file=sys.stderr)
    elif cmd == "stream":
        stream(iface, float(sys.argv[3]), float(sys.argv[4]),
               bytes.fromhex(sys.argv[5]))
    elif cmd == "watch":
        watch(float(iface), [bytes.fromhex(h) for h in sys.argv[3:]])
    elif cmd == "sniff":
        secs, bpf = float(sys.argv[3]), sys.argv[4]
        got = sniff(iface=iface, timeout=secs, filter=bpf or None,
                    started_callback=lambda: print("ready", flush=True))
        for p in got:
            print(bytes(p).hex(), flush=True)


def stream(iface, secs, interval, frame):
    """A raw socket, not scapy's sendp: one frame each few ms."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    end, n, sent, refused, last = time.monotonic() + secs, 0, 0, 0, 0.0
    while time.monotonic() < end:
        try:
            s.send(frame[:-4] + struct.pack("!I", n))
            sent += 1
            last = time.time()
        except OSError:  # the interface is down
            refused += 1
        n += 1
        time.sleep(interval)
    print(sent, refused, "%.6f" % last, flush=True)


def watch(secs, markers):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    end = time.monotonic() + secs
    print("ready", flush=True)
    while time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.001))
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        for i, m in enumerate(markers):
            at = data.find(m)
            if at >= 0 and len(data) >= at + len(m) + 4:
                num = struct.unpack("!I", data[at + len(m):at + len(m) + 4])[0]
                print(i, num, "%.6f" % time.time(), addr[0], flush=True)


if __name__ == "__main__":
    main()
