"""The stateful HA pair (docs/ha.md): two LB hosts, each its own dpvs
(two workers: af_packet qpairs=2) and keepalived (VRRPv3, advert_int
0.1, connection sync with a key), a client and the backends on one
bridge, and the faults the failover tests cause.

    client 10.0.0.2          lb1: dpvs 10.0.0.31, kernel 10.0.0.11, prio 150
    FullNAT b1 b2 .21 .22    lb2: dpvs 10.0.0.32, kernel 10.0.0.12, prio 100
    DR b5 10.0.0.25          VIP 10.0.0.100 (:80 FullNAT, :81 NAT, :82 DR)
    NAT b3 b4 10.0.2.23 .24  their gateway 10.0.2.1: VI_1's second VIP
    shared `ha` local addresses 10.0.0.110-111 (FullNAT)

The client's tools (haclient.py) and the backends (hahttpd.py) run in
the namespaces; their times are the wall clock, as the faults' are.
"""
import contextlib
import glob
import json
import os
import re
import signal
import subprocess
import time

from dpvsd import Dpvs
from keepalived import Keepalived
from netns import Topology, sh
from servers import PY, VIP
from waiting import terminate, wait_for

LIB = os.path.dirname(os.path.abspath(__file__))
HAHTTPD = os.path.join(LIB, "hahttpd.py")
HACLIENT = os.path.join(LIB, "haclient.py")

FNAT, NAT, DR = 80, 81, 82
METHODS = {FNAT: "FullNAT", NAT: "NAT", DR: "DR"}
BACKENDS = {FNAT: ("10.0.0.21", "10.0.0.22"), NAT: ("10.0.2.23", "10.0.2.24"),
            DR: ("10.0.0.25",)}
HA_LADDRS = ("10.0.0.110", "10.0.0.111")
NAT_GW = "10.0.2.1"
SYNCID = 51
FAULTS = ("dpvs_kill", "keepalived_kill", "link_down", "host_gone")

KA_CONF = """
global_defs {
    router_id %(name)s
    vrrp_rt_priority 20
    lvs_sync_daemon dpdk0.kni VI_1 id %(syncid)d
    lvs_sync_daemon_key_file %(key)s
}
vrrp_instance VI_1 {
    version 3
    state BACKUP
    interface dpdk0.kni
    dpdk_interface dpdk0
    virtual_router_id 51
    priority %(prio)d
    advert_int 0.1
    garp_master_refresh 1
%(nopreempt)s
    virtual_ipaddress {
        10.0.0.100/32
        10.0.2.1/24
    }
}
local_address_group lips {
    10.0.0.110-111 dpdk0 ha
}
%(services)s
"""

SERVICE = """virtual_server 10.0.0.100 %(port)d {
    delay_loop 1
    lb_algo rr
    lb_kind %(kind)s
    protocol TCP
%(laddr)s%(reals)s}
"""

# A failed check during a failover must not take a real server away
# (the synced conns need it): 3 failures in a row, and then weight 0.
REAL = """    real_server %s %d {
        weight 1
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 1
            retry 3
            delay_before_retry 1
        }
    }
"""


def ka_conf(name, prio, key, nopreempt=False, syncid=SYNCID, proxy=False):
    """proxy: the FullNAT service sends its servers a PROXY v2 header."""
    services = ""
    fnat = "    laddr_group_name lips\n" + (
        "    proxy_protocol v2\n" if proxy else "")
    for port, kind in ((FNAT, "FNAT"), (NAT, "NAT"), (DR, "DR")):
        services += SERVICE % {
            "port": port, "kind": kind,
            "laddr": fnat if port == FNAT else "",
            "reals": "".join(REAL % (a, port) for a in BACKENDS[port])}
    return KA_CONF % {"name": name, "prio": prio, "key": key, "syncid": syncid,
                      "nopreempt": "    nopreempt" if nopreempt else "",
                      "services": services}


class Lb:
    """One LB host: its namespace, dpvs and keepalived, and what it takes
    to start them again after a fault."""

    def __init__(self, pair, idx, dpvs_factory, workers):
        self.pair, self.idx = pair, idx
        self.name = "lb%d" % idx
        self.prio = 150 if idx == 1 else 100
        self.kaddr, self.own = "10.0.0.1%d" % idx, "10.0.0.3%d" % idx
        self.port = "plb%d" % idx
        self.ns = pair.topo.ns(self.name)
        pair.plug(self.ns, "vlb0", self.port)
        q = ",qpairs=%d" % workers if workers > 1 else ""
        self.dpvs = dpvs_factory(
            netns=self.ns, lcores="0@0,(1-%d)@1" % workers,
            devices=[("dpdk0", "net_af_packet%d,iface=vlb0%s" % (idx, q),
                      workers, workers)],
            workers=[(w + 1, [("dpdk0", [w], [w])]) for w in range(workers)])
        self.ka, self.kas, self.starts = None, [], 0

    def start_dpvs(self):
        """dpvs and the operator's set-up after every start (docs/ha.md):
        its own address, the kernel's on the TAP and the routes of the
        health checks; keepalived pushes the rest."""
        if self.starts and os.path.exists(self.dpvs.log):
            os.replace(self.dpvs.log, "%s.%d" % (self.dpvs.log, self.starts))
        self.starts += 1
        d = self.dpvs.start()
        d.dpip("addr", "add", self.own + "/24", "dev", "dpdk0")
        d.dpip("route", "add", self.kaddr + "/32", "dev", "dpdk0", "scope",
               "kni_host")
        assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                          ns=self.ns).stdout)
        sh("ip", "addr", "add", self.kaddr + "/24", "dev", "dpdk0.kni",
           ns=self.ns)
        # Checks of the NAT backends leave from the kernel's own address
        # (a /25 beats the /24 the gateway VIP brings the MASTER).
        sh("ip", "route", "add", "10.0.2.0/25", "dev", "dpdk0.kni", "src",
           self.kaddr, ns=self.ns)

    def start_ka(self):
        kdir = self.pair.tmp / ("ka%d.%d" % (self.idx, len(self.kas) + 1))
        kdir.mkdir()
        self.ka = Keepalived(kdir, self.ns, self.dpvs)
        self.ka.write(ka_conf(self.name, self.prio, self.pair.key_file(kdir),
                              self.pair.nopreempt, proxy=self.pair.proxy))
        self.ka.start()
        self.kas.append(self.ka)

    def kill_ka(self):
        """kill -9, the VRRP process first (the parent stopped so that it
        respawns nothing), then the parent and the checker."""
        k = self.ka
        if not k or not k.proc or k.proc.poll() is not None:
            return
        pids = {}
        for role in ("vrrp", "check"):
            try:
                pids[role] = int((k.dir / ("ka-%s.pid" % role)).read_text())
            except (OSError, ValueError):
                pass
        os.kill(k.proc.pid, signal.SIGSTOP)
        for role in ("vrrp", "check"):
            if role in pids:
                try:
                    os.kill(pids[role], signal.SIGKILL)
                except ProcessLookupError:
                    pass
        k.proc.kill()
        k.proc.wait()
        k.stop()

    # views
    def addrs(self):
        return self.dpvs.dpip("addr", "show", check=False).stdout

    def has_vip(self):
        return re.search(r"\b%s/32\b" % re.escape(VIP), self.addrs()) is not None

    def ha_active(self, addr):
        """True or False for an `ha` address (dpip: "ha" or "ha
        inactive"), None if it is not one."""
        for line in self.addrs().splitlines():
            if re.search(r"\b%s/" % re.escape(addr), line):
                if not re.search(r"\bha\b", line):
                    return None
                return "inactive" not in line
        return None

    def lease(self):
        """`dpvsctl ha`'s text ("lease: held, 280 ms left, ...")."""
        return self.dpvs.ctl("ha", check=False).stdout

    def mac(self):
        out = self.dpvs.dpip("link", "show", "dpdk0").stdout
        return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)

    def ka_pids(self):
        """keepalived's processes: the VRRP child, the checker, the parent."""
        pids = []
        for role in ("vrrp", "check"):
            try:
                pids.append(int((self.ka.dir / ("ka-%s.pid" % role)).read_text()))
            except (OSError, ValueError):
                pass
        return pids + [self.ka.proc.pid]

    def is_master(self):
        return "Entering MASTER STATE" in self.ka.text() and self.has_vip()

    def sync(self):
        return parse_sync(self.dpvs.ctl("sync", check=False))

    def conns(self):
        r = self.dpvs.adm("-L", "-c", "-n", check=False)
        return parse_conns(r.stdout) if r.returncode == 0 else []

    def services_ready(self):
        out = self.dpvs.adm("-L", "-n", check=False).stdout
        return len(re.findall(r"^\s+->\s+\d", out, re.M)) == 5


def parse_sync(r):
    """`dpvsctl sync` as a dict: "role", "bulk" (the lines' text), every
    "name N" pair, and the tx/rx table as tx_msgs, rx_conns, ...;
    {"error": text} when the daemon refused."""
    if r.returncode != 0:
        return {"error": (r.stderr or r.stdout).strip()}
    out, cols = {}, []
    for line in r.stdout.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] in ("role:", "bulk:", "peer:"):
            out[f[0][:-1]] = line.split(":", 1)[1].strip()
        if f[0] == "msgs" or (cols == [] and "msgs" in f and "conns" in f):
            cols = f
            continue
        if f[0] in ("tx", "rx") and cols and len(f) > 1 and f[1].isdigit():
            for c, v in zip(cols, f[1:]):
                if v.isdigit():
                    out["%s_%s" % (f[0], c)] = int(v)
            continue
        for k, v in re.findall(r"([a-z_]+):?\s+(\d+)\b", line):
            out.setdefault(k, int(v))
    return out


def sync_counter(state, name):
    """A receive counter of `dpvsctl sync` (auth_failed, replayed, ...),
    from the rx row or a "name N" pair; 0 when not shown."""
    for k in ("rx_" + name, name):
        if k in state:
            return state[k]
    return 0


def bulk_ready(state):
    """The BACKUP holds the whole table (the bulk is done)."""
    b = state.get("bulk", "").lower()
    return b.startswith("done") or b.startswith("ready")


def parse_conns(text):
    """dpvsadm -L -c -n: one dict per connection."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 8 or f[0] not in ("TCP", "UDP"):
            continue
        out.append({"proto": f[0], "expire": f[1], "state": f[2],
                    "client": f[3], "vip": f[4], "dest": f[5], "local": f[6],
                    "lcore": f[7], "synced": "[S]" in line, "line": line})
    return out


class Pair:
    def __init__(self, dpvs_factory, tmp, nopreempt, workers, big_mb, big_s,
                 proxy=False):
        self.tmp, self.nopreempt, self.proxy = tmp, nopreempt, proxy
        self.big_mb, self.big_s = big_mb, big_s
        self.topo = Topology("hp")
        self.procs, self.lbs = [], []
        self.key = os.urandom(32).hex()
        self.dpvs_factory, self.workers = dpvs_factory, workers

    def build(self):
        self.sw = self.topo.ns("sw")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=self.sw)
        sh("ip", "link", "set", "br0", "up", ns=self.sw)
        self.cl = self.host("cl", "pcl", ["10.0.0.2/24"])
        self.start_backends()
        self.lbs = [Lb(self, i, self.dpvs_factory, self.workers)
                    for i in (1, 2)]

    def plug(self, ns, ifname, port):
        self.topo.veth(ns, ifname, self.sw, port)
        sh("ip", "link", "set", port, "master", "br0", ns=self.sw)

    def host(self, name, port, addrs):
        ns = self.topo.ns(name)
        self.plug(ns, "eth0", port)
        for a in addrs:
            sh("ip", "addr", "add", a, "dev", "eth0", ns=ns)
        return ns

    def start_backends(self):
        rs = self.host("rs", "prs", ["10.0.0.21/24", "10.0.0.22/24"])
        # NAT: the servers' gateway is the pair's; the LB kernels' own
        # addresses (health checks) are on the link.
        rsn = self.host("rsn", "prsn", ["10.0.2.23/24", "10.0.2.24/24"])
        sh("ip", "route", "add", "default", "via", NAT_GW, ns=rsn)
        for k in ("10.0.0.11", "10.0.0.12"):
            sh("ip", "route", "add", k + "/32", "dev", "eth0", ns=rsn)
        rsd = self.host("rsd", "prsd", ["10.0.0.25/24"])
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", ns=rsd)
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2", ns=rsd)
        sh("ip", "addr", "add", VIP + "/32", "dev", "lo", ns=rsd)
        n = 0
        for ns, port in ((rs, FNAT), (rsn, NAT), (rsd, DR)):
            for a in BACKENDS[port]:
                n += 1
                # DR: the packets are for the VIP, on lo.
                p = self.popen(ns, HAHTTPD, "0.0.0.0" if port == DR else a,
                               str(port), "b%d" % n,
                               str(self.big_mb), str(self.big_s),
                               "proxy" if self.proxy and port == FNAT else "-",
                               stdout=subprocess.PIPE, text=True)
                assert p.stdout.readline().strip() == "ready", "b%d" % n

    def key_file(self, kdir):
        path = kdir / "sync.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.key + "\n")
        return path

    def popen(self, ns, script, *args, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, script] +
                             list(args), **kw)
        self.procs.append(p)
        return p

    def start(self):
        for lb in self.lbs:
            lb.start_dpvs()
            lb.start_ka()
        lb1, lb2 = self.lbs
        assert wait_for(lambda: lb1.has_vip() and not lb2.has_vip(),
                        timeout=20), lb1.ka.text()
        assert wait_for(lambda: all(lb.services_ready() for lb in self.lbs),
                        timeout=20), (lb1.dpvs.adm("-L", "-n").stdout,
                                      lb2.dpvs.adm("-L", "-n").stdout)

    def master(self):
        held = [lb for lb in self.lbs if lb.has_vip()]
        return held[0] if len(held) == 1 else None

    def stop(self):
        for lb in self.lbs:
            for k in lb.kas:
                k.stop()
        for p in self.procs:
            if p.stdin:
                p.stdin.close()
            terminate(p, 5)
        for lb in self.lbs:
            lb.dpvs.stop()
        self.topo.destroy()

    # the client's side
    def probe(self):
        return Prober(self)

    def idle(self, port, n, vip=VIP):
        return Idle(self, port, n, vip)

    def download(self, port, secs=None):
        return Download(self, port, secs)

    def big_sha256(self):
        from hahttpd import big_sha256
        if not hasattr(self, "_sha"):
            self._sha = big_sha256(self.big_mb)
        return self._sha

    def arp_macs(self, addr):
        """The MACs that answer ARP for addr at the client."""
        r = sh("ip", "netns", "exec", self.cl, PY, HACLIENT, "arp", "eth0",
               addr, timeout=20)
        return set(r.stdout.split())

    # faults
    def fault(self, lb, kind):
        if kind == "dpvs_kill":
            lb.dpvs.proc.kill()
            lb.dpvs.proc.wait()
        elif kind == "keepalived_kill":
            lb.kill_ka()
        elif kind == "link_down":
            sh("ip", "link", "set", lb.port, "down", ns=self.sw)
        elif kind == "host_gone":
            lb.kill_ka()
            lb.dpvs.proc.kill()
            lb.dpvs.proc.wait()
            sh("ip", "link", "del", lb.port, ns=self.sw)
        else:
            raise ValueError(kind)

    def restore(self, lb, kind):
        if kind == "dpvs_kill":
            lb.dpvs.stop()
            lb.start_dpvs()
        elif kind == "keepalived_kill":
            lb.start_ka()
        elif kind == "link_down":
            sh("ip", "link", "set", lb.port, "up", ns=self.sw)
        elif kind == "host_gone":
            lb.dpvs.stop()
            self.plug(lb.ns, "vlb0", lb.port)
            lb.start_dpvs()
            lb.start_ka()


    def heal(self, lb):
        """Whatever a fault (or a failed test) left of lb, back: its link,
        dpvs with its set-up, keepalived."""
        if sh("ip", "link", "show", lb.port, ns=self.sw, check=False).returncode:
            self.plug(lb.ns, "vlb0", lb.port)
        sh("ip", "link", "set", lb.port, "up", ns=self.sw)
        if lb.dpvs.proc is None or lb.dpvs.proc.poll() is not None:
            lb.dpvs.stop()
            lb.start_dpvs()
        if lb.ka is None or lb.ka.proc.poll() is not None:
            lb.start_ka()


def sanitizer_reports(daemons):
    """Stops the daemons; the sanitizer reports in any of their logs
    (a restarted daemon's earlier logs included)."""
    problems = []
    for d in daemons:
        rc = d.stop()
        for log in sorted(glob.glob(d.log + "*")):
            with open(log, errors="replace") as f:
                text = f.read()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                           "runtime error:"):
                if marker in text:
                    problems.append("%s: %s (exit %s)\n%s" % (
                        log, marker, rc, text[-4000:]))
    return problems


class Prober:
    """A new connection to each service every 50 ms (0.3 s timeout)."""

    def __init__(self, pair):
        self.path = pair.tmp / ("probe%d.txt" % len(pair.procs))
        self.p = pair.popen(pair.cl, HACLIENT, "probe", str(self.path), VIP,
                            *[str(p) for p in METHODS],
                            stdin=subprocess.PIPE)
        self.rows = None

    def stop(self):
        if self.rows is None:
            self.p.stdin.close()
            self.p.wait(10)
            self.rows = []
            for line in self.path.read_text().splitlines():
                port, t0, t1, ok = line.split()
                self.rows.append((int(port), float(t0), float(t1), ok == "1"))
        return self.rows

    def first_after(self, t, port):
        """Seconds from t to the first new connection to port that
        succeeded among those started after t (None: none did)."""
        done = [t1 for p, t0, t1, ok in self.stop() if p == port and ok and
                t0 >= t]
        return min(done) - t if done else None


class Idle:
    """n keep-alive connections to port, one request answered on each."""

    def __init__(self, pair, port, n, vip=VIP):
        self.port, self.n = port, n
        self.p = pair.popen(pair.cl, HACLIENT, "idle", vip, str(port), str(n),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
        self.first = self.read()
        self.lports = self.first["lports"]
        self.keys = [(p, port) for p in self.lports]

    def read(self):
        line = self.p.stdout.readline()
        assert line, "the idle client of :%d ended" % self.port
        return json.loads(line)

    def again(self):
        """Another request on every connection: the answers, and whether
        each came on the same socket (local port)."""
        self.p.stdin.write("\n")
        self.p.stdin.flush()
        r = self.read()
        return r["answers"], r["lports"] == self.lports


class Download:
    """One /big transfer."""

    def __init__(self, pair, port, secs=None):
        self.port = port
        path = "/big/%g" % secs if secs else "/big"
        self.p = pair.popen(pair.cl, HACLIENT, "get", VIP, str(port), path,
                            stdout=subprocess.PIPE, text=True)
        self.head = json.loads(self.p.stdout.readline() or "{}")
        self.lport = self.head.get("lport", 0)
        self.key = (self.lport, port)

    def result(self):
        line = self.p.stdout.readline()
        self.p.wait(30)
        return json.loads(line) if line else {"error": "no result",
                                              "bytes": 0, "max_gap": 0}


@contextlib.contextmanager
def dpvs_maker(tmp):
    """A dpvs factory for ha_pair where pytest's dpvs_factory is not at
    hand: yields (factory, the daemons it made), all stopped on the way
    out."""
    made = []

    def factory(**kw):
        d = Dpvs(tmp, **kw)
        made.append(d)
        return d

    try:
        yield factory, made
    finally:
        for d in made:
            d.stop()


@contextlib.contextmanager
def ha_pair(dpvs_factory, tmp_path, nopreempt=False, workers=2, big_mb=32,
            big_s=4.0, start=True, proxy=False):
    pair = Pair(dpvs_factory, tmp_path, nopreempt, workers, big_mb, big_s,
                proxy)
    try:
        pair.build()
        if start:
            pair.start()
        yield pair
    finally:
        pair.stop()


def conn_keys(conns):
    """The client's connections as (its port, the service's port): the
    same local port may serve two services."""
    return {(int(c["client"].rsplit(":", 1)[1]), int(c["vip"].rsplit(":", 1)[1]))
            for c in conns if c["client"].startswith("10.0.0.2:")}


def wait_synced(lb, keys, timeout=10):
    """True once lb lists each of the client's connections in keys
    ((local port, service port) pairs)."""
    want = set(keys)
    return wait_for(lambda: want <= conn_keys(lb.conns()), timeout=timeout,
                    step=0.2)


def now():
    return time.time()
