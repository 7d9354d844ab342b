"""Start, talk to and stop a real dpvs daemon for system tests.

Every daemon gets its own config file, control socket, pid file and DPDK
--file-prefix under a per-test folder; stop() always runs (the fixture
calls it on teardown), kills the process if SIGTERM is not enough and
removes DPDK's runtime folder.
"""
import os
import shutil
import subprocess
import time
from waiting import terminate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
DPVS = os.path.join(BUILD, "dpvs")
DPVSCTL = os.path.join(BUILD, "dpvsctl")
DPIP = os.path.join(BUILD, "dpip")
DPVSADM = os.path.join(BUILD, "dpvsadm")


def sanitizer_env(lib):
    """The environment for a Python that loads lib (libdpvs.so): with
    the sanitizer runtime preloaded when lib is built with it."""
    env = dict(os.environ)
    ldd = subprocess.run(["ldd", lib], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        if "libasan" in line and "=>" in line:
            env["LD_PRELOAD"] = line.split("=>")[1].split()[0]
            env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


def conf_text(prefix, ipc, devices=(), workers=None, master=0, extra_eal=(),
              sections=None, kni_tag=None):
    """A dpvs.conf for tests.

    devices: list of (name, devargs, nrxq, ntxq)
    workers: list of (lcore, [(port, [rxq..], [txq..]), ...]); default: one
             worker per rx queue of every device, lcores 1..n.
    sections: extra "key = value;" lines per section, e.g. {"ctrl": [...]}.
    """
    sections = sections or {}
    if workers is None:
        workers, lc = [], 1
        for name, _, nrxq, ntxq in devices:
            for q in range(nrxq):
                workers.append((lc, [(name, [q], [q] if q < ntxq else [])]))
                lc += 1
        if not workers:
            workers = [(1, [])]
    eal = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
           "--log-level", "lib.eal:warning"] + list(extra_eal)
    out = ["global = {",
           "  eal_args = [%s];" % ", ".join('"%s"' % a for a in eal)]
    out += ["  %s" % l for l in sections.get("global", [])]
    out += ["};", "netif = {", "  devices = ("]
    # Outside a namespace of its own, a daemon's TAP names must not clash
    # with another daemon's (or the operator's dpdk0.kni).
    kni = ['kni_name = "%s%d";' % (kni_tag, i) if kni_tag else ""
           for i in range(len(devices))]
    out.append(",\n".join(
        '    { name = "%s"; device = "%s"; rx_queues = %d; tx_queues = %d; '
        'rx_desc = 256; tx_desc = 256; %s }' % (d + (k,))
        for d, k in zip(devices, kni)))
    out += ["  );", "};", "workers = {", "  master_lcore = %d;" % master,
            "  lcores = ("]
    wl = []
    for lcore, maps in workers:
        qs = ", ".join('{ port = "%s"; rx = [%s]; tx = [%s]; }' % (
            p, ", ".join(map(str, rx)), ", ".join(map(str, tx)))
            for p, rx, tx in maps)
        wl.append("    { lcore = %d; queues = ( %s ); }" % (lcore, qs))
    out.append(",\n".join(wl))
    out += ["  );"] + ["  %s" % l for l in sections.get("workers", [])] + ["};"]
    out += ["ctrl = {", '  ipc_file = "%s";' % ipc]
    out += ["  %s" % l for l in sections.get("ctrl", [])] + ["};"]
    for sec in sorted(set(sections) - {"global", "workers", "ctrl"}):
        if sec in sections:
            out += ["%s = {" % sec] + ["  %s" % l for l in sections[sec]] + ["};"]
    return "\n".join(out) + "\n"


class Dpvs:
    """One dpvs process."""

    count = 0

    def __init__(self, workdir, lcores="0@0,(1-4)@1", netns=None, **conf_args):
        Dpvs.count += 1
        self.dir = os.path.join(str(workdir), "dpvs%d" % Dpvs.count)
        os.makedirs(self.dir, exist_ok=True)
        self.prefix = "hat%d_%d" % (os.getpid(), Dpvs.count)
        self.ipc = os.path.join(self.dir, "dpvs.ipc")
        self.pidfile = os.path.join(self.dir, "dpvs.pid")
        self.conf = os.path.join(self.dir, "dpvs.conf")
        self.log = os.path.join(self.dir, "dpvs.log")
        self.lcores = lcores
        self.netns = netns
        self.kni_tag = "k%d_%d_" % (Dpvs.count, os.getpid() % 1000)
        self.proc = None
        self.write_conf(**conf_args)

    def write_conf(self, **conf_args):
        self.devices = conf_args.get("devices", ())
        self.workers = conf_args.get("workers")
        if not self.netns:
            conf_args.setdefault("kni_tag", self.kni_tag)
        with open(self.conf, "w") as f:
            f.write(conf_text(self.prefix, self.ipc, **conf_args))

    def argv(self, *extra):
        ns = ["ip", "netns", "exec", self.netns] if self.netns else []
        return ns + [DPVS, "-c", self.conf, "-p", self.pidfile] + list(extra) + [
            "--", "--lcores", self.lcores]

    def quiet_kernel_ifaces(self):
        """The veths af_packet ports sit on stay up in the kernel, which
        would answer for the namespace's addresses on them too (weak host
        model): a RST for a VIP it also holds, ARP replies.  A real NIC
        bound to DPDK is invisible to the kernel; make these nearly so."""
        import re
        for _, devargs, _, _ in self.devices:
            m = re.search(r"iface=([^,]+)", devargs)
            if not m or not self.netns:
                continue
            for key, val in (("ipv4.conf.%s.rp_filter", 1),
                             ("ipv4.conf.%s.arp_ignore", 8),
                             ("ipv6.conf.%s.disable_ipv6", 1)):
                subprocess.run(["ip", "netns", "exec", self.netns, "sysctl",
                                "-qw", "net." + key % m.group(1) + "=%d" % val],
                               capture_output=True)

    def start(self, wait=True, timeout=20):
        self.quiet_kernel_ifaces()
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(self.argv(), stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("dpvs exited with %d:\n%s" % (
                    self.proc.returncode, self.log_text()))
            if os.path.exists(self.ipc) and self.ctl("version").returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("dpvs not ready in %ds:\n%s" % (timeout, self.log_text()))

    def _tool(self, argv, args, check, timeout):
        r = subprocess.run(argv + list(args), capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s %s failed (%d): %s" % (
                os.path.basename(argv[0]), " ".join(args), r.returncode,
                r.stderr))
        return r

    def ctl(self, *args, check=False, timeout=60):
        return self._tool([DPVSCTL, "-x", self.ipc], args, check, timeout)

    def dpip(self, *args, check=True, timeout=30):
        return self._tool([DPIP, "-x", self.ipc], args, check, timeout)

    def adm(self, *args, check=True, timeout=60):
        return self._tool([DPVSADM, "--ipc-file", self.ipc], args, check,
                          timeout)

    def pkt_stats(self):
        out = self.dpip("-a", "stats").stdout
        return {k: int(v) for k, v in (l.split() for l in out.splitlines() if l.strip())}

    def ctrl_stats(self):
        out = self.ctl("ctrl", "show", check=True).stdout
        return {k: int(v) for k, v in (l.split() for l in out.splitlines())}

    def msgbus_stats(self):
        lines = self.ctl("msgbus", "show", check=True).stdout.splitlines()
        cols = lines[0].split()
        return {l.split()[1]: dict(zip(cols, l.split())) for l in lines[1:]}

    def lcores_table(self):
        lines = self.ctl("lcore", "show", check=True).stdout.splitlines()
        cols = lines[0].split()
        return [dict(zip(cols, l.split())) for l in lines[1:]]

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL; returns the exit code."""
        rc = terminate(self.proc, timeout)
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        shutil.rmtree("/var/run/dpdk/%s" % self.prefix, ignore_errors=True)
        return rc
