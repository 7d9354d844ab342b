"""keepalived's checker SNMP (KEEPALIVED-MIB virtualServerTable and
realServerTable) reports dpvs's counters and rates.

A test-owned snmpd (lib/snmpd.py: 127.0.0.1 on a free port, a private
AgentX socket) is the master agent; keepalived joins it as an AgentX
subagent (enable_snmp_checker, snmp_socket).  keepalived reads the
numbers from dpvs through libdpvs and caches them for 5 s
(STATS_REFRESH), as it does with the kernel's IPVS.
"""
import os
import re
import signal
import subprocess
import time

from snmpd import MIBDIR, RO_COMMUNITY, Snmpd
from keepalived import REAL, dests
from servers import Backends, curl_many
from waiting import wait_for

CONF = """
global_defs {
    router_id lb1
    enable_snmp_checker
    snmp_socket unix:%(agentx)s
}
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
%(reals)s
}
"""

COUNTERS = ("Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
RATES = ("Cps", "InPPS", "OutPPS", "InBPS", "OutBPS")


def walk(snmpd, table):
    """{index: {column: value}} of a KEEPALIVED-MIB table."""
    r = subprocess.run(
        ["snmpwalk", "-v2c", "-c", RO_COMMUNITY, "-t", "3", "-r", "1",
         "-M", "+" + MIBDIR, "-m", "+KEEPALIVED-MIB", "-OQs",
         "127.0.0.1:%d" % snmpd.port, "KEEPALIVED-MIB::" + table],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, SNMP_PERSISTENT_DIR=snmpd.dir))
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(\w+)\.([\d.]+) = (.*)$", line)
        if m:
            rows.setdefault(m.group(2), {})[m.group(1)] = m.group(3).strip()
    return rows, r.stdout + r.stderr


def addr(value):
    """InetAddress as snmpwalk prints it: dotted, or hex octets."""
    v = value.strip('"')
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", v):
        return v
    octets = v.split()
    return ".".join(str(int(o, 16)) for o in octets)


def dpvs_stats(d):
    """{"10.0.0.100:80": [conns, inpkts, ...], "10.0.1.11:80": [...]}"""
    out = {}
    for line in d.adm("-L", "-n", "--stats", "--exact").stdout.splitlines():
        f = line.split()
        if f and f[0] in ("TCP", "UDP") and len(f) == 7:
            out[f[1]] = [int(x) for x in f[2:]]
        elif f and f[0] == "->" and len(f) == 7:
            out[f[1]] = [int(x) for x in f[2:]]
    return out


def active_conns(d):
    """{"10.0.1.11:80": ActiveConn, ...}: each real server's ESTABLISHED
    connections as `dpvsadm -L -n` lists them."""
    rows = (l.split() for l in d.adm("-L", "-n").stdout.splitlines())
    return {f[1]: int(f[4]) for f in rows
            if len(f) == 6 and f[0] == "->" and f[1][0].isdigit()}


def num(v):
    return int(v.split()[0])


def test_checker_snmp_reports_dpvs_counters_and_rates(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    snmpd = Snmpd(str(tmp_path))
    try:
        snmpd.start()
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(CONF % {"agentx": snmpd.agentx,
                         "reals": "".join(REAL % h for h in (11, 12))})
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 2, timeout=15), ka.text()
        assert wait_for(lambda: walk(snmpd, "virtualServerTable")[0],
                        timeout=15), walk(snmpd, "virtualServerTable")[1] + \
            ka.text() + snmpd.log_text()

        # Under traffic: the rates are there once keepalived's cache of
        # the first walk (5 s) has passed.
        load = subprocess.Popen(
            ["ip", "netns", "exec", cl, "sh", "-c",
             "while :; do curl -s -m 2 -o /dev/null http://10.0.0.100/; "
             "sleep 0.05; done"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)    # its curls are killed with it
        try:
            def rates_up():
                vs = walk(snmpd, "virtualServerTable")[0]
                reals = walk(snmpd, "realServerTable")[0]
                return len(vs) == 1 and len(reals) == 2 and all(
                    num(r["virtualServerRate" + c]) > 0
                    for r in vs.values() for c in RATES) and all(
                    num(r["realServerRate" + c]) > 0
                    for r in reals.values() for c in ("Cps", "InPPS", "InBPS"))
            assert wait_for(rates_up, timeout=20, step=1), (
                walk(snmpd, "virtualServerTable")[1] +
                walk(snmpd, "realServerTable")[1])
        finally:
            os.killpg(load.pid, signal.SIGKILL)
            load.wait()
        vs, text = walk(snmpd, "virtualServerTable")
        row = next(iter(vs.values()))
        assert row["virtualServerPort"] == "80", text
        assert addr(row["virtualServerAddress"]) == "10.0.0.100", text

        # Traffic stopped: once keepalived's 5 s cache has passed, the
        # counters and the active-connection gauges are exactly dpvs's.
        got = curl_many(cl, "http://10.0.0.100/", 4)
        assert set(got) == {"rs1", "rs2"}, got
        time.sleep(2)
        want, active = dpvs_stats(d), active_conns(d)
        time.sleep(6)
        assert dpvs_stats(d) == want
        vs, text = walk(snmpd, "virtualServerTable")
        row = next(iter(vs.values()))
        svc = want["10.0.0.100:80"]
        assert svc[0] >= 4
        assert [num(row["virtualServerStats" + c]) for c in COUNTERS] == svc, (
            text, want)
        reals, rtext = walk(snmpd, "realServerTable")
        seen = set()
        for r in reals.values():
            key = "%s:%s" % (addr(r["realServerAddress"]), r["realServerPort"])
            seen.add(key)
            assert [num(r["realServerStats" + c]) for c in COUNTERS] == \
                want[key], (key, rtext, want)
            assert num(r["realServerStatsActiveConns"]) == active[key], (
                key, rtext, active)
        assert seen == {"10.0.1.11:80", "10.0.1.12:80"}, rtext
    finally:
        ka.stop()
        snmpd.stop()
        backends.stop()
