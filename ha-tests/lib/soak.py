"""The soak's load: everything that runs at once against the keepalived
pair of the flood tests (vrrp_pair.build_pair), each a thread with a
stop() that returns what it did.  test_soak.py puts them together.

    Reloader    keepalived SIGHUPs, configs adding and removing virtual
                servers and real servers around the two that stay
    Churner     services (FullNAT v6 and NAT64 among them), real
                servers, local addresses, addresses and routes straight
                into dpvs (dpvsadm -R, dpip), many times their tables'
                sizes
    FloodBursts trafgen bursts at the pair
    LongFlows   echo connections through the VIP that must live through
                everything
The short HTTP requests are test_floods' Client; add_v6() puts IPv6
on the segment and the FullNAT v6 and NAT64 services they also go to.
"""
import json
import os
import signal
import subprocess
import threading
import time

from dpvsd import DPVSADM
from flood import Flood
from lan6 import host6, need_dpip6, ns_mac
from netns import sh
from resources import resources, used
from waiting import terminate, wait_for

PY = "/usr/bin/python3"
LONGFLOW = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "longflow.py")
ECHO_PORT = 7000

ECHO_VS = """virtual_server 10.0.0.100 %d {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips
%s}
"""

ECHO_REAL = """    real_server 10.0.0.%%d %d {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
""" % ECHO_PORT

# The virtual servers that come and go with the reloads: none, then
# four on two real servers, then four (two of them the same) on two
# others: each reload adds, removes and changes some.
EXTRA_SETS = [((), ()), (range(8001, 8005), (21, 22)),
              (range(8003, 8007), (22, 23))]


def extra_vs(ports, reals, real_fmt):
    return "".join(ECHO_VS.replace("10.0.0.100 %d", "10.0.0.150 %d") % (
        p, "".join(real_fmt % h for h in reals)) for p in ports)


def ka_config(base, n, real_fmt):
    """base (the VRRP instance and the HTTP service) plus the echo
    service, plus reload n's extra virtual servers."""
    ports, reals = EXTRA_SETS[n % len(EXTRA_SETS)]
    return base + ECHO_VS % (ECHO_PORT, "".join(
        ECHO_REAL % h for h in (21, 22, 23))) + extra_vs(ports, reals,
                                                         real_fmt)


def services(d):
    """dpvsadm -L -n -> {"VIP:PORT": [real servers]}"""
    out, cur = {}, None
    for l in d.adm("-L", "-n").stdout.splitlines():
        f = l.split()
        if f and f[0] in ("TCP", "UDP"):
            cur = out.setdefault(f[1], [])
        elif cur is not None and f[:1] == ["->"] and \
                (f[1][0].isdigit() or f[1][0] == "["):
            cur.append(f[1])
    return out


# IPv6 on the segment: client ::2, backends ::21-23, lb1 ::11 (local
# address ::101) and lb2 ::12 (::102); the VIP on lb1, the MASTER (no
# keepalived v6 VIP yet: a failover would not move it, and the soak
# allows none).  Both daemons hold both services, as keepalived's.
NET6 = "2001:db8::"
VIP6 = NET6 + "100"
FNAT6_PORT, NAT64_PORT = 80, 8080
URLS6 = ["http://[%s]:%d/" % (VIP6, p) for p in (FNAT6_PORT, NAT64_PORT)]


def v6_services(lb):
    """dpvsadm -R lines: FullNAT v6 to the backends' v6 HTTP servers,
    NAT64 to their v4 ones from the LB's v4 local address."""
    fn, n64 = "[%s]:%d" % (VIP6, FNAT6_PORT), "[%s]:%d" % (VIP6, NAT64_PORT)
    lines = ["-A -t %s -s rr" % fn, "-P -t %s -z %s" % (fn, lb["lip6"]),
             "-A -t %s -s wrr" % n64, "-P -t %s -z %s" % (n64, lb["lip"])]
    for h in (21, 22, 23):
        lines += ["-a -t %s -r [%s%d]:80 -b" % (fn, NET6, h),
                  "-a -t %s -r 10.0.0.%d:80 -b" % (n64, h)]
    return lines


def add_v6(pair, backends):
    """Addresses without DAD and static neighbours on every side (the
    baseline must not move with NDP's), v6 HTTP backends, the services."""
    cl, rs, lbs = pair["cl"], pair["rs"], pair["lbs"]
    host6(cl, "eth0", NET6 + "2/64")
    for h in (21, 22, 23):
        host6(rs, "eth0", "%s%d/64" % (NET6, h))
        backends.start(rs, "%s%d" % (NET6, h), "rs%d" % (h - 20))
    hosts = [(NET6 + "2", ns_mac(cl, "eth0"))] + [
        ("%s%d" % (NET6, h), ns_mac(rs, "eth0")) for h in (21, 22, 23)]
    for i, lb in enumerate(lbs):
        d = lb["dpvs"]
        need_dpip6(d)
        lb["lip6"] = "%s%d" % (NET6, 101 + i)
        d.dpip("addr", "add", "%s%d/64" % (NET6, 11 + i), "dev", "dpdk0", "nodad")
        d.dpip("addr", "add", lb["lip6"] + "/64", "dev", "dpdk0", "sapool",
               "nodad")
        for ip, mac in hosts:
            d.dpip("neigh", "add", ip, "lladdr", mac, "dev", "dpdk0")
        sh("ip", "-6", "neigh", "replace", lb["lip6"], "lladdr", lb["mac"],
           "dev", "eth0", "nud", "permanent", ns=rs)
        Churner.restore(None, d, v6_services(lb))
    lbs[0]["dpvs"].dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "nodad")
    sh("ip", "-6", "neigh", "replace", VIP6, "lladdr", lbs[0]["mac"], "dev",
       "eth0", "nud", "permanent", ns=cl)


def expected_services(n):
    ports, _ = EXTRA_SETS[n % len(EXTRA_SETS)]
    return {"10.0.0.100:80", "10.0.0.100:%d" % ECHO_PORT} | {
        "10.0.0.150:%d" % p for p in ports}


def converged(d, n):
    """The daemon holds reload n's virtual servers (only churn's others
    besides), the two that stay with all three real servers."""
    s = {k: v for k, v in services(d).items()
         if not k.startswith(("10.2.", "["))}
    return set(s) == expected_services(n) and \
        len(s["10.0.0.100:80"]) == 3 and \
        len(s["10.0.0.100:%d" % ECHO_PORT]) == 3


class Loop(threading.Thread):
    """Calls step() every `every` seconds until stop(); an exception in
    a step is recorded as an error and the loop goes on."""

    def __init__(self, every):
        super().__init__(daemon=True)
        self.every, self.done, self.errors = every, threading.Event(), []

    def run(self):
        while not self.done.wait(self.every):
            try:
                self.step()
            except Exception as e:   # noqa: BLE001 (reported, not fatal)
                self.errors.append("%s: %s" % (time.strftime("%T"), e))

    def stop(self):
        self.done.set()
        self.join(300)


class Reloader(Loop):
    """SIGHUP to both keepalived every `every` seconds, the config
    cycling through EXTRA_SETS; each reload must show in both daemons."""

    def __init__(self, lbs, real_fmt, every):
        super().__init__(every)
        self.lbs, self.real_fmt, self.n = lbs, real_fmt, 0

    def reload(self, n):
        for lb in self.lbs:
            lb["ka"].write(ka_config(lb["base"], n, self.real_fmt))
            lb["ka"].proc.send_signal(signal.SIGHUP)
        for lb in self.lbs:
            if not wait_for(lambda: converged(lb["dpvs"], n),
                            timeout=max(self.every, 15), step=0.5):
                raise AssertionError("reload %d not in %s: %s" % (
                    n, lb["ns"], services(lb["dpvs"])))

    def step(self):
        self.n += 1
        self.reload(self.n)

    def stop(self):
        """Ends on the first config (no extras), as at the baseline."""
        super().stop()
        self.n += -self.n % len(EXTRA_SETS)
        try:
            self.reload(self.n)
        except AssertionError as e:
            self.errors.append(str(e))
        return self.n


class Churner(Loop):
    """Rounds on each daemon by turns: `nsvc` services (3 real servers,
    a local address, an edit of each) added and deleted through one
    dpvsadm -R each way, then `naddr` addresses and the route table
    filled up to `route_room` short of its size, and emptied."""

    def __init__(self, lbs, nsvc, naddr, route_room, pause=0.5):
        super().__init__(pause)
        self.lbs, self.nsvc, self.naddr = lbs, nsvc, naddr
        self.route_room, self.rounds, self.ops = route_room, 0, 0

    def restore(self, d, lines):
        """(Also called with self None: set-up.)"""
        r = subprocess.run([DPVSADM, "--ipc-file", d.ipc, "-R"],
                           input="\n".join(lines) + "\n",
                           capture_output=True, text=True, timeout=120)
        if r.returncode:
            raise AssertionError("dpvsadm -R: " + r.stderr.strip()[-300:])
        if self:
            self.ops += len(lines)

    @staticmethod
    def one(vip, lip, reals, sched):
        """A service's add and delete lines: 3 real servers, a local
        address, an edit of each."""
        add = ["-A -t %s -s rr" % vip, "-P -t %s -z %s" % (vip, lip)]
        add += ["-a -t %s -r %s -b" % (vip, rs) for rs in reals]
        add += ["-E -t %s -s %s" % (vip, sched),
                "-e -t %s -r %s -b -w 3" % (vip, reals[1])]
        return add, ["-d -t %s -r %s" % (vip, reals[0]),
                     "-Q -t %s -z %s" % (vip, lip), "-D -t %s" % vip]

    def services(self, lb, r):
        """nsvc services, one of them FullNAT v6 and one NAT64 (v4 real
        servers and local address under a v6 VIP) when the LB has v6."""
        add, dele = [], []
        v4 = ["10.0.2.%d:80" % rs for rs in (1, 2, 3)]
        kinds = [("10.2.%d.%d:80" % (r % 200, i), lb["lip"], v4,
                  ("wrr", "sh", "mh")[i % 3]) for i in range(self.nsvc)]
        if lb.get("lip6"):
            vip6 = "[2001:db8:2:%x::%%d]:80" % (r % 200)
            kinds[-2:] = [(vip6 % 1, lb["lip6"], ["[2001:db8:3::%d]:80" % rs
                                                  for rs in (1, 2, 3)], "sh"),
                          (vip6 % 2, lb["lip"], v4, "mh")]
        for k in kinds:
            a, d = self.one(*k)
            add += a
            dele += d
        self.restore(lb["dpvs"], add)
        self.restore(lb["dpvs"], dele)

    def dpip(self, d, *args):
        d.dpip(*args)
        self.ops += 1

    def netstack(self, d):
        for verb in ("add", "del"):
            for i in range(self.naddr):
                self.dpip(d, "addr", verb, "10.3.%d.1/24" % i, "dev", "dpdk0")
        free = max(0, self.route_limit(d) - used(d, "routes"))
        for verb in ("add", "del"):
            for i in range(free):
                self.dpip(d, "route", verb, "10.4.%d.1/32" % i,
                          *(("via", "10.0.0.254", "dev", "dpdk0")
                            if verb == "add" else ()))

    def route_limit(self, d):
        return resources(d)["routes"][2] - self.route_room

    def step(self):
        lb = self.lbs[self.rounds % len(self.lbs)]
        self.rounds += 1
        self.services(lb, self.rounds)
        self.netstack(lb["dpvs"])

    def stop(self):
        super().stop()
        return {"rounds": self.rounds, "ops": self.ops}


class FloodBursts(Loop):
    """A trafgen burst of `seconds` at `pps` every `every` seconds."""

    def __init__(self, ns, net, pps, every, seconds):
        super().__init__(every)
        self.ns, self.net, self.pps, self.seconds = ns, net, pps, seconds
        self.bursts, self.sent = 0, []

    def step(self):
        f = Flood(self.ns, "eth0", "own", self.net, pps=self.pps,
                  seed=self.bursts).start()
        self.done.wait(self.seconds)
        self.sent.append(f.stop().strip()[-120:])
        self.bursts += 1

    def stop(self):
        super().stop()
        return self.bursts


class LongFlows:
    """n echo connections through VIP:ECHO_PORT from the client."""

    def __init__(self, ns, vip, n):
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, PY, LONGFLOW, "client", vip,
             str(ECHO_PORT), str(n)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self):
        """Each flow's result (longflow.py's JSON)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            terminate(self.proc, 1)
            return [{"flow": -1, "echoed": 0, "error": "client hung"}]
        try:
            return json.loads(out)
        except ValueError:
            return [{"flow": -1, "echoed": 0,
                     "error": "client: %s %s" % (out[-200:], err[-300:])}]


def start_echo_servers(backends, ns):
    """Echo servers next to the HTTP ones (stopped with them)."""
    for h in (21, 22, 23):
        backends.procs.append(subprocess.Popen(
            ["ip", "netns", "exec", ns, PY, LONGFLOW, "serve",
             "10.0.0.%d" % h, str(ECHO_PORT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


def intact(flows, seconds):
    """Flows that failed, got a wrong echo, stalled, or echoed too few."""
    bad = []
    for f in flows:
        if f["error"] or f.get("max_gap", 0) > 10 or \
                f["echoed"] < seconds / 3:
            bad.append(f)
    return bad
