"""Network namespaces and veth pairs for system tests, always removed.

Names carry the test run's pid so parallel or leftover runs never clash.
"""
import os
import subprocess


def sh(*args, check=True, ns=None, timeout=30, **kw):
    """Runs a command (in namespace ns if given) and returns the result."""
    argv = list(args)
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(argv), r.returncode,
                                                    r.stdout, r.stderr))
    return r


class Topology:
    """Creates namespaces and veth pairs; destroy() undoes everything."""

    def __init__(self, tag):
        self.tag = "%s%d" % (tag, os.getpid() % 100000)
        self.namespaces = []
        self.links = []

    def ns(self, name):
        full = "%s_%s" % (name, self.tag)
        sh("ip", "netns", "add", full)
        self.namespaces.append(full)
        sh("ip", "link", "set", "lo", "up", ns=full)
        return full

    def veth(self, ns_a, if_a, ns_b, if_b, dpdk_side=None):
        """A veth pair between two namespaces.  The ends DPDK ports sit on
        get their offloads turned off: af_packet would otherwise receive
        frames with partial checksums and 64 KB super-frames."""
        tmp_a, tmp_b = "va%d" % len(self.links) + self.tag[-5:], \
            "vb%d" % len(self.links) + self.tag[-5:]
        sh("ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b)
        self.links.append(tmp_a)
        sh("ip", "link", "set", tmp_a, "netns", ns_a, "name", if_a)
        sh("ip", "link", "set", tmp_b, "netns", ns_b, "name", if_b)
        for ns, ifn in ((ns_a, if_a), (ns_b, if_b)):
            sh("ip", "link", "set", ifn, "up", ns=ns)
            if dpdk_side is None or ifn == dpdk_side:
                sh("ethtool", "-K", ifn, "tx", "off", "rx", "off", "tso", "off",
                   "gso", "off", "gro", "off", ns=ns, check=False)
        return if_a, if_b

    def destroy(self):
        for ns in reversed(self.namespaces):
            # Anything still running in it goes first.
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)
        self.namespaces = []
