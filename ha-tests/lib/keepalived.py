"""The patched keepalived (build/keepalived, linked with libdpvs) driving
a test's dpvs, and the configurations and views of dpvs the keepalived
tests share."""
import os
import subprocess

from dpvsd import ROOT
from netns import sh
from waiting import terminate, wait_for

KEEPALIVED = os.path.join(ROOT, "build", "keepalived")

NAT_CONF = """
global_defs {
    router_id lb1
}
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
%s
}
"""

REAL = """    real_server 10.0.1.%d 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
"""

FNAT_CONF = """
local_address_group lips {
    10.0.1.100-101 dpdk1
}
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips
%s
}
"""

# A VRRP instance alone on a veth of the kernel (the other end unused): it becomes
# MASTER after the master-down interval and stays MASTER whatever happens
# to dpvs (VRRP does not run on a dpvs TAP here).
VRRP_CONF = """
global_defs {
    router_id lb1
}
vrrp_instance VI_1 {
    state BACKUP
    interface ka0
    dpdk_interface dpdk0
    virtual_router_id 61
    priority 150
    advert_int 1
    virtual_ipaddress {
%(vips)s
    }
    virtual_routes {
%(routes)s
    }
}
"""


class Keepalived:
    def __init__(self, tmp_path, ns, dpvs):
        self.dir = tmp_path
        self.ns = ns
        self.dpvs = dpvs
        self.conf = tmp_path / "keepalived.conf"
        self.log = tmp_path / "keepalived.log"
        self.proc = None

    def write(self, text):
        self.conf.write_text(text)

    def start(self, *extra):
        env = dict(os.environ, DPVS_IPC_FILE=self.dpvs.ipc)
        argv = ["ip", "netns", "exec", self.ns, KEEPALIVED, "-n", "-l", "-G", "-D",
                "-f", str(self.conf), "-p", str(self.dir / "ka.pid"),
                "-c", str(self.dir / "ka-check.pid"),
                "-r", str(self.dir / "ka-vrrp.pid")] + list(extra)
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env)
        return self

    def stop(self):
        terminate(self.proc, 15)
        if self.proc:
            self.logf.close()

    def text(self):
        return self.log.read_text() if self.log.exists() else ""


def health_check_path(lb):
    """The `ka` fixture's set-up of the lb fixture's host: keepalived's
    health checks leave through dpdk1's kernel twin (10.0.1.2, a kni_host
    route in dpvs), and the servers answer through dpvs."""
    d, lbns = lb["dpvs"], lb["lb"]
    d.dpip("route", "add", "10.0.1.2/32", "dev", "dpdk1", "scope", "kni_host")
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk1.kni",
                                      ns=lbns).stdout)
    sh("ip", "addr", "add", "10.0.1.2/24", "dev", "dpdk1.kni", ns=lbns)
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=lb["rs"])


def add_vrrp_if(lbns):
    """ka0, the kernel veth VRRP_CONF's instance runs on."""
    sh("ip", "link", "add", "ka0", "type", "veth", "peer", "name", "ka1",
       ns=lbns)
    sh("ip", "addr", "add", "192.168.77.1/24", "dev", "ka0", ns=lbns)
    sh("ip", "link", "set", "ka1", "up", ns=lbns)
    sh("ip", "link", "set", "ka0", "up", ns=lbns)
    return "ka0"


def vrrp_conf(vips, routes):
    return VRRP_CONF % {
        "vips": "\n".join("        %s/32" % v for v in vips),
        "routes": "\n".join("        %s via 192.168.77.254" % r for r in routes)}


def dests(d):
    out = d.adm("-L", "-n").stdout
    return [l.split()[1] for l in out.splitlines()
            if l.strip().startswith("->") and l.split()[1][0].isdigit()]


def dpvs_addrs(d):
    return d.dpip("addr", "show").stdout


def dpvs_routes(d):
    return d.dpip("route", "show").stdout


def laddrs_of(d):
    """{"10.0.0.100:80": ["10.0.1.100", ...], ...} from dpvsadm -G."""
    out, svc = {}, None
    for line in d.adm("-G").stdout.splitlines()[1:]:
        f = line.split()
        if len(f) >= 2 and f[0] in ("TCP", "UDP"):
            svc = f[1]
            out[svc] = []
        elif f and svc and f[0][0].isdigit():
            out[svc].append(f[0])
    return out
