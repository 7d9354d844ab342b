"""Floods for system tests: frames built with scapy, sent by trafgen.

A flood kind is a function in KINDS that returns the frames to send
round-robin: scapy frames, precomputed so that trafgen sends them at full
speed with no dynamic fields, or trafgen templates (strings) where the
flood needs more variety than a list can hold (a SYN flood's every SYN a
new connection).
Rates and durations come from the environment, small by default so that
`make check` stays short; a soak run sets them higher:

    FLOOD_PPS      frames per second trafgen aims at (default 10000)
    FLOOD_SECONDS  how long each flood lasts (default 8)
"""
import os
import random
import signal
import subprocess
import tempfile

from netns import sh

PPS = int(os.environ.get("FLOOD_PPS", "10000"))
SECONDS = float(os.environ.get("FLOOD_SECONDS", "8"))
VARIANTS = 1024  # distinct frames per flood: enough spread for RSS and tables


def arp_spray(net, rng):
    """ARP requests from random senders (MAC and address, none of them a
    real host's) for random targets on the segment, ours included."""
    from scapy.all import ARP, Ether
    frames = []
    for _ in range(VARIANTS):
        mac = "02:f1:%02x:%02x:%02x:%02x" % tuple(rng.randrange(256)
                                                 for _ in range(4))
        frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) / ARP(
            op=1, hwsrc=mac, psrc=net["spray_src"](rng),
            pdst="%s.%d" % (net["prefix"], rng.randrange(1, 255))))
    return frames


def own_addresses(net, rng):
    """UDP to ports nothing listens on, and ICMP echo requests, to every
    address the LBs own (kernel, local and virtual addresses)."""
    from scapy.all import ICMP, IP, UDP, Ether, Raw
    frames = []
    for i in range(VARIANTS):
        mac, dst = net["targets"][i % len(net["targets"])]
        ip = IP(src=net["flood_src"], dst=dst, id=rng.randrange(65536))
        l4 = (UDP(sport=rng.randrange(1024, 65536), dport=rng.randrange(1000, 2000))
              if i % 4 else ICMP(id=rng.randrange(65536)))
        frames.append(Ether(dst=mac, src=net["flood_mac"]) / ip / l4 /
                      Raw(b"f" * 18))
    return frames


def fragments(net, rng):
    """Fragmented UDP to the LBs' addresses: whole datagrams in two
    fragments, and first fragments whose rest never comes."""
    from scapy.all import IP, UDP, Ether, Raw, fragment
    frames, n = [], 0
    while len(frames) < VARIANTS:
        mac, dst = net["targets"][n % len(net["targets"])]
        pkt = IP(src=net["flood_src"], dst=dst, id=rng.randrange(65536)) / UDP(
            sport=rng.randrange(1024, 65536), dport=rng.randrange(1000, 2000)) / \
            Raw(b"g" * 200)
        frags = fragment(pkt, fragsize=104)
        if n % 4 == 3:
            frags = frags[:1]
        n += 1
        frames += [Ether(dst=mac, src=net["flood_mac"]) / f for f in frags]
    return frames


def _hexes(octets):
    return ", ".join("0x%02x" % b for b in octets)


def syn_flood(net, rng):
    """Spoofed SYNs to the service's port: source address (one of the
    65,536 of net["syn_src"], a /16 routed away from the segment), source
    port, IP id and sequence number random at run time, so that nearly
    every SYN is a new connection that never completes."""
    macs = bytes.fromhex((net["syn_mac"] + net["flood_mac"]).replace(":", ""))
    src = [int(o) for o in net["syn_src"].split(".")[:2]]
    dst = [int(o) for o in net["syn_dst"].split(".")]
    return ["{ %s, c16(0x0800), "
            "0x45, 0, c16(40), drnd(2), 0x40, 0, 64, 6, csumip(14, 33), "
            "%s, drnd(2), %s, "
            "drnd(2), c16(%d), drnd(4), c32(0), 0x50, 0x02, c16(64240), "
            "csumtcp(14, 34), c16(0) }" % (
                _hexes(macs), _hexes(src), _hexes(dst), net["syn_port"])]


KINDS = {"arp": arp_spray, "own": own_addresses, "frag": fragments,
         "syn": syn_flood}


def trafgen_cfg(frames):
    return "\n".join(f if isinstance(f, str) else "{ %s }" % _hexes(bytes(f))
                     for f in frames) + "\n"


class Flood:
    """trafgen in namespace ns out of iface, at pps, until stop()."""

    def __init__(self, ns, iface, kind, net, pps=PPS, seed=1):
        self.ns, self.iface, self.pps = ns, iface, pps
        frames = KINDS[kind](net, random.Random(seed))
        fd, self.cfg = tempfile.mkstemp(suffix=".trafgen")
        with os.fdopen(fd, "w") as f:
            f.write(trafgen_cfg(frames))
        self.proc = None
        self.out = tempfile.TemporaryFile(mode="w+")

    def start(self):
        # -Q: leave IRQ affinity alone (and in a namespace it cannot
        # retune the host's socket memory).
        # Niced: on a small machine the flood takes what the system
        # under test leaves, rather than starving it of CPU.
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "nice", "-n", "10",
             "trafgen", "-Q", "-P", "1",
             "-C", "-i", self.cfg, "-o", self.iface, "-b", "%dpps" % self.pps],
            stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def _signal_all(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self):
        """Stops trafgen; its output (frames sent) for the report."""
        if self.proc:
            # ^C, as at a terminal: trafgen's sending child stops on it too.
            self._signal_all(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self._signal_all(signal.SIGKILL)
                self.proc.wait()
        if os.path.exists(self.cfg):
            os.unlink(self.cfg)
        self.out.seek(0)
        return self.out.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def kstat(ns, dev, what):
    out = sh("cat", "/sys/class/net/%s/statistics/%s" % (dev, what), ns=ns)
    return int(out.stdout)


def rx_counts(lbns, d):
    """Frames the kernel delivered on dpvs's veth, and the port's RX
    packets as `dpip -s link show` gives them.  What the first has and
    the second not was lost in the af_packet socket's receive ring,
    before dpvs: DPDK 22.11's af_packet does not count those drops (the
    port's RX dropped stays 0), only this difference shows them."""
    out = d.dpip("-s", "link", "show", "dpdk0").stdout.splitlines()
    return kstat(lbns, "vlb0", "rx_packets"), int(out[3].split()[1])
