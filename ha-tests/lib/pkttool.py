"""Small scapy jobs run inside a namespace: send frames, or sniff some.

    pkttool.py send IFACE HEXFRAME...
    pkttool.py sniff IFACE SECONDS BPF   -> prints one hex frame per line
"""
import sys

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
    elif cmd == "sniff":
        secs, bpf = float(sys.argv[3]), sys.argv[4]
        got = sniff(iface=iface, timeout=secs, filter=bpf or None,
                    started_callback=lambda: print("ready", flush=True))
        for p in got:
            print(bytes(p).hex(), flush=True)


if __name__ == "__main__":
    main()
