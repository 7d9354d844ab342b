"""The keepalived active/standby pair: two LB hosts, each its own dpvs
(one worker, one af_packet port) and keepalived, on one bridge with a
client and the backends.  vrrp_pair() is the plain pair (the VRRP tests,
`make demo-ha`); build_pair() adds a flooder (the flood and soak tests).
"""
import contextlib
import re

from netns import Topology, sh
from keepalived import Keepalived
from servers import VIP, Backends
from waiting import wait_for

KA_CONF = """
global_defs {
    router_id %(name)s
}
vrrp_instance VI_1 {
    state BACKUP
    interface dpdk0.kni
    dpdk_interface dpdk0
    virtual_router_id 51
    priority %(prio)d
    advert_int 1
    virtual_ipaddress {
        10.0.0.100/32
    }
    virtual_routes {
        10.9.0.0/24 via 10.0.0.254
    }
}
local_address_group lips {
    %(lip)s dpdk0
}
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips
%(reals)s
}
"""

REAL = """    real_server 10.0.0.%d 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
"""

KADDR = ("10.0.0.11", "10.0.0.12")
LIP = ("10.0.0.101", "10.0.0.102")
SPOOFED = "198.18.0.0/16"

# The machine is shared (2 CPUs, the flooder among the users): what is
# tested is the kernel path, not the scheduler, so keepalived's timers
# must not be late (as on a busy production box, keepalived's advice).
KA_RT = """    vrrp_rt_priority 20
    checker_rt_priority 20
"""


@contextlib.contextmanager
def vrrp_pair(dpvs_factory, tmp_path):
    """client 10.0.0.2, backends 10.0.0.21-23, lb1 (kernel 10.0.0.11,
    LIP .101) and lb2 (.12, LIP .102), all on one bridge."""
    t = Topology("vr")
    backends = Backends(tmp_path)
    kas = []
    try:
        sw, cl, rs = t.ns("sw"), t.ns("cl"), t.ns("rs")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
        sh("ip", "link", "set", "br0", "up", ns=sw)

        def plug(ns, ifname, port):
            t.veth(ns, ifname, sw, port)
            sh("ip", "link", "set", port, "master", "br0", ns=sw)

        plug(cl, "eth0", "pcl")
        plug(rs, "eth0", "prs")
        sh("ip", "addr", "add", "10.0.0.2/24", "dev", "eth0", ns=cl)
        for h in (21, 22, 23):
            sh("ip", "addr", "add", "10.0.0.%d/24" % h, "dev", "eth0", ns=rs)
            backends.start(rs, "10.0.0.%d" % h, "rs%d" % (h - 20))
        lbs = []
        for i, (kaddr, lip, prio) in enumerate((("10.0.0.11", "10.0.0.101", 150),
                                                ("10.0.0.12", "10.0.0.102", 100))):
            ns = t.ns("lb%d" % (i + 1))
            plug(ns, "vlb0", "plb%d" % (i + 1))
            d = dpvs_factory(netns=ns, devices=[
                ("dpdk0", "net_af_packet%d,iface=vlb0" % i, 1, 1)],
                workers=[(1, [("dpdk0", [0], [0])])])
            d.start()
            d.dpip("addr", "add", "%s/24" % lip, "dev", "dpdk0", "sapool")
            # The kernel's own address: VRRP adverts and health checks.
            d.dpip("route", "add", "%s/32" % kaddr, "dev", "dpdk0", "scope",
                   "kni_host")
            assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                              ns=ns).stdout)
            sh("ip", "addr", "add", "%s/24" % kaddr, "dev", "dpdk0.kni", ns=ns)
            kdir = tmp_path / ("ka%d" % (i + 1))
            kdir.mkdir()
            k = Keepalived(kdir, ns, d)
            k.write(KA_CONF % {"name": "lb%d" % (i + 1), "prio": prio,
                               "lip": lip,
                               "reals": "".join(REAL % h for h in (21, 22, 23))})
            k.start()
            kas.append(k)
            lbs.append({"ns": ns, "dpvs": d, "ka": k})
        yield {"cl": cl, "lbs": lbs, "topo": t}
    finally:
        for k in kas:
            k.stop()
        backends.stop()
        t.destroy()


def port_mac(d):
    out = d.dpip("link", "show", "dpdk0").stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def build_pair(dpvs_factory, tmp_path, t, backends, kas, sections=None):
    """client 10.0.0.2, flooder 10.0.0.3, backends 10.0.0.21-23, lb1
    (kernel 10.0.0.11, LIP .101, MASTER) and lb2 (.12, .102) on a bridge."""
    sw, cl, rs, fl = t.ns("sw"), t.ns("cl"), t.ns("rs"), t.ns("fl")
    sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
    sh("ip", "link", "set", "br0", "up", ns=sw)

    def plug(ns, ifname, port):
        t.veth(ns, ifname, sw, port)
        sh("ip", "link", "set", port, "master", "br0", ns=sw)

    for ns, port, addr in ((cl, "pcl", "10.0.0.2"), (fl, "pfl", "10.0.0.3"),
                           (rs, "prs", None)):
        plug(ns, "eth0", port)
        if addr:
            sh("ip", "addr", "add", addr + "/24", "dev", "eth0", ns=ns)
    for h in (21, 22, 23):
        sh("ip", "addr", "add", "10.0.0.%d/24" % h, "dev", "eth0", ns=rs)
        backends.start(rs, "10.0.0.%d" % h, "rs%d" % (h - 20))
    lbs = []
    for i, prio in enumerate((150, 100)):
        ns = t.ns("lb%d" % (i + 1))
        plug(ns, "vlb0", "plb%d" % (i + 1))
        d = dpvs_factory(netns=ns, devices=[
            ("dpdk0", "net_af_packet%d,iface=vlb0" % i, 1, 1)],
            workers=[(1, [("dpdk0", [0], [0])])], sections=sections)
        d.start()
        d.dpip("addr", "add", "%s/24" % LIP[i], "dev", "dpdk0", "sapool")
        d.dpip("route", "add", "%s/32" % KADDR[i], "dev", "dpdk0", "scope",
               "kni_host")
        assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                          ns=ns).stdout)
        sh("ip", "addr", "add", "%s/24" % KADDR[i], "dev", "dpdk0.kni", ns=ns)
        # Spoofed sources are off the segment, behind the flooder (which
        # drops what comes back to them), as behind a router.
        d.dpip("route", "add", SPOOFED, "via", "10.0.0.3", "dev", "dpdk0")
        kdir = tmp_path / ("ka%d" % (i + 1))
        kdir.mkdir()
        k = Keepalived(kdir, ns, d)
        k.write((KA_CONF % {"name": "lb%d" % (i + 1), "prio": prio,
                            "lip": LIP[i],
                            "reals": "".join(REAL % h for h in (21, 22, 23))}
                 ).replace("global_defs {\n", "global_defs {\n" + KA_RT, 1))
        k.start()
        kas.append(k)
        lbs.append({"ns": ns, "dpvs": d, "ka": k, "mac": port_mac(d)})
    return {"cl": cl, "fl": fl, "rs": rs, "lbs": lbs}


def net_of(pair):
    """What the flood generators need to know about the segment.  Most of
    the flood goes at the BACKUP, which must keep hearing the adverts."""
    m1, m2 = pair["lbs"][0]["mac"], pair["lbs"][1]["mac"]
    return {"prefix": "10.0.0",
            "spray_src": lambda rng: "10.0.0.%d" % rng.randrange(128, 255),
            "flood_src": "10.0.0.3",
            "flood_mac": sh("cat", "/sys/class/net/eth0/address",
                            ns=pair["fl"]).stdout.strip(),
            "targets": [(m2, KADDR[1]), (m2, LIP[1]), (m1, KADDR[0]),
                        (m2, KADDR[1]), (m1, VIP), (m1, LIP[0])],
            # The SYN flood: at the service, so at the MASTER.
            "syn_src": SPOOFED.split("/")[0], "syn_dst": VIP, "syn_port": 80,
            "syn_mac": m1}


def has_vip(lb):
    return VIP + "/32" in lb["dpvs"].dpip("addr", "show").stdout


def transitions(lb):
    return len(re.findall(r"Entering (MASTER|BACKUP|FAULT) STATE",
                          lb["ka"].text()))
