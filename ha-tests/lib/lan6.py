"""IPv6 on the netstack topologies (netstack/test_ipv6.py,
test_malformed6.py): addresses without DAD and static neighbours on both
sides, so the tests do not depend on NDP.  dpvs's own veths keep
disable_ipv6 (Dpvs.quiet_kernel_ifaces): the kernel never answers there.
"""
import re

import pytest

from netns import sh

CL6, LB6 = "2001:db8::2", "2001:db8::1"


def port_mac(d, name="dpdk0"):
    out = d.dpip("link", "show", name).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def ns_mac(ns, ifname):
    out = sh("ip", "-o", "link", "show", ifname, ns=ns).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def need_dpip6(d):
    """dpip learns IPv6 in another part of issue 15 (docs/dpip.md)."""
    if d.dpip("-6", "addr", check=False).returncode != 0:
        pytest.skip("this dpip has no IPv6 (dpip -6 addr refused)")


def host6(ns, ifname, addr):
    """addr (with its /len) on a kernel interface, without DAD."""
    # Slashes: an interface name may hold a dot (dpdk0.kni).
    sh("sysctl", "-qw", "net/ipv6/conf/%s/disable_ipv6=0" % ifname, ns=ns)
    sh("sysctl", "-qw", "net/ipv6/conf/%s/accept_dad=0" % ifname, ns=ns)
    sh("ip", "-6", "addr", "add", addr, "dev", ifname, "nodad", ns=ns)


def host_neigh(d, port, dpvs_ip, ns, ifname):
    """dpvs_ip as a static neighbour in the host's kernel."""
    sh("ip", "-6", "neigh", "replace", dpvs_ip, "lladdr", port_mac(d, port),
       "dev", ifname, "nud", "permanent", ns=ns)


def neigh_both(d, port, dpvs_ip, ns, ifname, host_ip):
    """Static neighbours: host_ip in dpvs, dpvs_ip in the host's kernel.
    dpvs's IPv6 neighbour table is another part of issue 15 (neigh6.c)."""
    r = d.dpip("neigh", "add", host_ip, "lladdr", ns_mac(ns, ifname), "dev",
               port, check=False)
    if r.returncode != 0 and "not supported" in r.stderr:
        pytest.skip("this dpvs has no IPv6 neighbour table yet: " + r.stderr.strip())
    assert r.returncode == 0, r.stderr
    host_neigh(d, port, dpvs_ip, ns, ifname)


def lan6(lan):
    """client_lan (lbhost.py) plus 2001:db8::1/64 on dpdk0 and
    2001:db8::2/64 on the client, which has dpvs as a static neighbour.
    (dpvs answers echo and sends the kernel twin's frames without one.)"""
    d, cl = lan["dpvs"], lan["cl"]
    need_dpip6(d)
    d.dpip("addr", "add", LB6 + "/64", "dev", "dpdk0", "nodad")
    host6(cl, "vcl0", CL6 + "/64")
    host_neigh(d, "dpdk0", LB6, cl, "vcl0")
    return lan
