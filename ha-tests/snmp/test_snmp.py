"""The SNMP subagent (dpvs-snmp) with a real snmpd and snmptrapd.

One topology for the module: client -- dpdk0 [dpvs, 2 workers] dpdk1 --
two HTTP backends, plus a net_tap port (dpdk2) whose link the test can
take down.  snmpd listens on 127.0.0.1 with a private AgentX socket;
dpvs-snmp serves DPVS-MIB through it with a 1 s cache.
"""
import collections
import os
import re
import struct
import subprocess
import time

import pytest

from dpvsd import DPVSCTL, ROOT
from lbhost import (fnat_service, lb_namespaces, stop_all,
                    two_backend_lb)
from netns import Topology, sh
from servers import Backends, curl_many
from snmpd import MIBDIR, Snmpd, SnmpTrapd, Subagent, parse_walk
from waiting import wait_for

VIP = "10.0.0.100"
SVC = "6.10.0.0.100.80"          # dpvsSvcProtocol.dpvsSvcAddress.dpvsSvcPort
DEVS = [("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2),
        ("dpdk1", "net_af_packet1,iface=vlb1,qpairs=2", 2, 2),
        ("dpdk2", "net_tap0,iface=dtsnmp0", 2, 2)]
WORKERS = [(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0]), ("dpdk2", [0], [0])]),
           (2, [("dpdk0", [1], [1]), ("dpdk1", [1], [1]), ("dpdk2", [1], [1])])]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snmp")
    t = Topology("sn")
    procs = []
    backends = Backends(tmp)
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = two_backend_lb(tmp, lbns, rs, backends, procs, devices=DEVS,
                           workers=WORKERS)
        trapd = SnmpTrapd(str(tmp)).start()
        procs.append(trapd)
        snmpd = Snmpd(str(tmp), trap_port=trapd.port).start()
        procs.append(snmpd)
        # 1 s cache and poll, a 1 s AgentX ping; the pool alarm at 2 %
        # (21 of 1024 connections) so a few requests raise it.
        agent = Subagent(str(tmp), snmpd.agentx, d.ipc, "-t", "1", "-i", "1",
                         "-P", "1", "-a", "2").start()
        procs.append(agent)
        e = {"dpvs": d, "cl": cl, "lb": lbns, "snmpd": snmpd, "trapd": trapd,
             "agent": agent}
        assert wait_for(lambda: walk(e, "dpvsReachable").get(
            ("dpvsReachable", "0")) == "1", timeout=20), agent.log_text()
        yield e
    finally:
        problems = stop_all(procs)
        backends.stop()
        t.destroy()
        assert not problems, "\n".join(problems)


def walk(env, oid):
    r = env["snmpd"].walk(oid, "-Os", "-OQ", "-Oe", "-Ot", "-Ob", "-OU")
    return parse_walk(r.stdout)


def column(rows, col):
    return {idx: v for (c, idx), v in rows.items() if c == col}


def adm_stats(d):
    """dpvsadm -L -n --stats --exact -> {"svc": [5 counters], addr: [...]}."""
    out = {}
    for line in d.adm("-L", "-n", "--stats", "--exact").stdout.splitlines():
        f = line.split()
        if f and f[0] in ("TCP", "UDP"):
            out["svc " + f[1]] = [int(x) for x in f[2:7]]
        elif len(f) >= 7 and f[0] == "->" and f[2].isdigit():
            out[f[1]] = [int(x) for x in f[2:7]]
    return out


COUNTERS = ("Conns", "InPkts", "OutPkts", "InOctets", "OutOctets")


def snmp_counters(env):
    svc = walk(env, "dpvsServiceTable")
    rs = walk(env, "dpvsRealServerTable")
    out = {"svc %s:80" % VIP: [int(svc[("dpvsSvc" + c, SVC)]) for c in COUNTERS]}
    for host in (11, 12):
        idx = "%s.10.0.1.%d.80" % (SVC, host)
        out["10.0.1.%d:80" % host] = [int(rs[("dpvsRs" + c, idx)])
                                      for c in COUNTERS]
    return out


def test_mib_passes_smilint_and_loads():
    env = dict(os.environ, SMIPATH=MIBDIR)
    r = subprocess.run(["smilint", "-l3", "-s",
                        os.path.join(MIBDIR, "DPVS-MIB.txt")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
    r = subprocess.run(["snmptranslate", "-M", "+" + MIBDIR, "-m", "DPVS-MIB",
                        "-On", "DPVS-MIB::dpvsSvcConns"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == ".1.3.6.1.4.1.99999.1.2.1.9", r.stderr


def test_tables_match_dpvsadm_and_workers_sum_to_totals(env):
    d = env["dpvs"]
    got = curl_many(env["cl"], "http://%s/" % VIP, 20)
    # rr keeps a cursor per worker: both servers serve, not exactly half.
    assert sum(got.values()) == 20 and set(got) == {"rs1", "rs2"}, got
    # Traffic has stopped: the counters hold still, so once the cache
    # has turned over SNMP and dpvsadm must agree exactly.
    time.sleep(1.5)
    want = adm_stats(d)
    assert want["svc %s:80" % VIP][0] == 20, want
    assert wait_for(lambda: snmp_counters(env) == adm_stats(d), timeout=5), \
        (snmp_counters(env), adm_stats(d))

    def consistent():
        rows = walk(env, "dpvsObjects")
        g = lambda c: int(rows[(c, "0")])  # noqa: E731
        workers = column(rows, "dpvsWorkerRxPackets")
        created = column(rows, "dpvsWorkerConnsCreated")
        names = column(rows, "dpvsWorkerCounterName")
        values = column(rows, "dpvsWorkerCounterValue")
        rx_idx = [i for i, n in names.items() if n == "rx_packets"]
        return (len(workers) == 2 and
                sum(map(int, workers.values())) == g("dpvsInPackets") and
                sum(map(int, created.values())) == g("dpvsConnsCreated") and
                g("dpvsConnsCreated") >= 20 and
                sorted(int(values[i]) for i in rx_idx) ==
                sorted(map(int, workers.values())) and
                g("dpvsWorkers") == 2 and g("dpvsServices") == 1 and
                g("dpvsConnPoolSize") == 1024 and
                # 1024 / 2 workers + 512 of slack in each table
                set(column(rows, "dpvsWorkerConnsMax").values()) == {"1024"} and
                0 < g("dpvsConnPoolInUse") <= 1024, rows)
    # A walk may straddle two snapshots; one of three must be whole.
    results = [consistent() for _ in range(3)]
    assert any(ok for ok, _ in results), results[-1][1]


def test_ports_and_local_addresses(env):
    rows = walk(env, "dpvsObjects")
    names = column(rows, "dpvsPortName")
    assert sorted(names.values()) == ["dpdk0", "dpdk1", "dpdk2"], names
    idx0 = [i for i, n in names.items() if n == "dpdk0"][0]
    assert int(rows[("dpvsPortInPackets", idx0)]) > 0
    assert rows[("dpvsPortOperStatus", idx0)] == "1"
    assert rows[("dpvsPortDriver", idx0)] == "net_af_packet"
    laddr = "%s.10.0.1.100" % SVC
    assert rows[("dpvsLaddrPortName", laddr)] == "dpdk1"
    assert int(rows[("dpvsLaddrConns", laddr)]) >= 20
    free, used = (int(rows[("dpvsLaddrPortsFree", laddr)]),
                  int(rows[("dpvsLaddrPortsInUse", laddr)]))
    assert free + used == 65536 - 1024 and used >= 20, (free, used)
    # dpvsadm -G shows the same count (no traffic in between).
    line = [l for l in env["dpvs"].adm("-G").stdout.splitlines()
            if "10.0.1.100" in l][0].split()
    assert int(line[-1]) == free, line
    assert rows[("dpvsSvcLocalAddresses", SVC)] == "1"
    assert rows[("dpvsSvcRealServers", SVC)] == "2"
    assert rows[("dpvsSvcRealServersUp", SVC)] == "2"
    assert rows[("dpvsSvcFwdMethod", SVC)] == "1"        # fullnat
    assert rows[("dpvsSvcScheduler", SVC)] == "rr"


def test_rates_rise_under_traffic_and_fall_to_zero(env):
    load = subprocess.Popen(
        ["ip", "netns", "exec", env["cl"], "sh", "-c",
         # At most 250 connections: each stays in TIME_WAIT for 2 min,
         # and a worker holds 512 of the pool's 1024; a fast machine
         # left unbounded fills it and later tests' requests are refused.
         "end=$(($(date +%s) + 8)); n=0; "
         "while [ $(date +%s) -lt $end ] && [ $n -lt 250 ]; do "
         "curl -s -m 1 -o /dev/null http://" + VIP + "/; n=$((n + 1)); "
         "sleep 0.02; done"])
    try:
        def rates():
            rows = walk(env, "dpvsServiceTable")
            return [int(rows.get(("dpvsSvcRate" + c, SVC), "0"))
                    for c in ("Cps", "InPps", "OutPps", "InBps", "OutBps")]
        assert wait_for(lambda: all(v > 0 for v in rates()), timeout=12), \
            rates()
        rs = walk(env, "dpvsRealServerTable")
        assert int(rs[("dpvsRsRateCps", SVC + ".10.0.1.11.80")]) > 0

        # Under traffic too, a service's counters are the sum of its
        # servers' in one snapshot (one gather serves both tables).
        def sums_agree():
            rows = walk(env, "dpvsObjects")
            for c in COUNTERS:
                svc = int(rows[("dpvsSvc" + c, SVC)])
                servers = sum(int(rows[("dpvsRs" + c, "%s.10.0.1.%d.80" % (
                    SVC, host))]) for host in (11, 12))
                if svc != servers:
                    return False, (c, svc, servers)
            return True, None
        results = [sums_agree() for _ in range(3)]
        assert any(ok for ok, _ in results), results
    finally:
        load.wait(20)
    assert wait_for(lambda: rates() == [0] * 5, timeout=25, step=1), rates()


def test_rows_follow_services_and_real_servers(env):
    d = env["dpvs"]
    udp = "17.10.0.0.100.53"
    d.adm("-A", "-u", VIP + ":53", "-s", "wlc")
    d.adm("-a", "-u", VIP + ":53", "-r", "10.0.1.12:53", "-g", "-w", "3")
    try:
        assert wait_for(lambda: walk(env, "dpvsRealServerTable").get(
            ("dpvsRsWeight", udp + ".10.0.1.12.53")) == "3", timeout=5)
        rows = walk(env, "dpvsServiceTable")
        assert rows[("dpvsSvcScheduler", udp)] == "wlc"
        assert rows[("dpvsSvcFwdMethod", udp)] == "2"    # dr
        d.adm("-d", "-u", VIP + ":53", "-r", "10.0.1.12:53")
        assert wait_for(lambda: ("dpvsRsWeight", udp + ".10.0.1.12.53")
                        not in walk(env, "dpvsRealServerTable"), timeout=5)
        assert walk(env, "dpvsServiceTable")[("dpvsSvcFwdMethod", udp)] == "6"
    finally:
        d.adm("-D", "-u", VIP + ":53", check=False)
    assert wait_for(lambda: ("dpvsSvcScheduler", udp)
                    not in walk(env, "dpvsServiceTable"), timeout=5)
    assert ("dpvsSvcScheduler", SVC) in walk(env, "dpvsServiceTable")


def inet_idx(addr):
    """InetAddressType.InetAddress as an index: 1.4.a.b.c.d or 2.16.b1...b16
    (RFC 4001: length-prefixed)."""
    import ipaddress
    a = ipaddress.ip_address(addr)
    return "%d.%d.%s" % (1 if a.version == 4 else 2, len(a.packed),
                         ".".join(str(b) for b in a.packed))


VIP6 = "2001:db8::100"
SVC6 = "6.%s.80" % inet_idx(VIP6)


def test_inet_tables_v6_rows(env):
    """An IPv6 service with an IPv6 and a NAT64 (IPv4) real server and
    local addresses of both families: rows in the Inet tables, none in
    the deprecated IpAddress ones, which keep the IPv4 service."""
    d = env["dpvs"]
    t6 = "[%s]:80" % VIP6
    d.adm("-A", "-t", t6, "-s", "wrr", "-p", "60", "-M", "64")
    try:
        d.adm("-a", "-t", t6, "-r", "[2001:db8:2::11]:8080", "-b", "-w", "2")
        d.adm("-a", "-t", t6, "-r", "10.0.1.13:80", "-b", "-w", "0")
        # (dpvs would make it with DAD: tentative, and refused, for 1 s)
        d.dpip("addr", "add", "2001:db8:1::100/64", "dev", "dpdk1", "sapool",
               "nodad")
        d.adm("-P", "-t", t6, "-z", "2001:db8:1::100", "-F", "dpdk1")
        d.adm("-P", "-t", t6, "-z", "10.0.1.100", "-F", "dpdk1")
        rs6 = "%s.%s.8080" % (SVC6, inet_idx("2001:db8:2::11"))
        rs64 = "%s.%s.80" % (SVC6, inet_idx("10.0.1.13"))
        assert wait_for(lambda: walk(env, "dpvsRealServerInetTable").get(
            ("dpvsRsInetWeight", rs64)) == "0", timeout=10), \
            walk(env, "dpvsRealServerInetTable")
        rs = walk(env, "dpvsRealServerInetTable")
        assert rs[("dpvsRsInetWeight", rs6)] == "2"
        assert rs[("dpvsRsInetFwdMethod", rs6)] == "1"        # fullnat
        svc = walk(env, "dpvsServiceInetTable")
        assert svc[("dpvsSvcInetScheduler", SVC6)] == "wrr"
        assert svc[("dpvsSvcInetPersistPrefixLength", SVC6)] == "64"
        assert svc[("dpvsSvcInetRealServers", SVC6)] == "2"
        assert svc[("dpvsSvcInetRealServersUp", SVC6)] == "1"
        assert svc[("dpvsSvcInetLocalAddresses", SVC6)] == "2"
        # the IPv4 service, with its /32 persistence as a prefix length
        svc4 = "6.%s.80" % inet_idx(VIP)
        assert svc[("dpvsSvcInetScheduler", svc4)] == "rr"
        assert svc[("dpvsSvcInetRealServers", svc4)] == "2"
        assert svc[("dpvsSvcInetPersistPrefixLength", svc4)] == "32"
        # a walk lists IPv4 rows (type 1) before IPv6 ones (type 2)
        order = [i for (c, i) in svc if c == "dpvsSvcInetScheduler"]
        assert order.index(svc4) < order.index(SVC6), order
        la = walk(env, "dpvsLocalAddressInetTable")
        assert la[("dpvsLaddrInetPortName", "%s.%s" % (
            SVC6, inet_idx("2001:db8:1::100")))] == "dpdk1"
        assert la[("dpvsLaddrInetPortName", "%s.%s" % (
            SVC6, inet_idx("10.0.1.100")))] == "dpdk1"
        # the old tables: the IPv4 rows only
        old = walk(env, "dpvsServiceTable")
        assert set(column(old, "dpvsSvcScheduler")) == {SVC}, old
        assert len(column(walk(env, "dpvsRealServerTable"),
                          "dpvsRsWeight")) == 2
        assert set(column(walk(env, "dpvsLocalAddressTable"),
                          "dpvsLaddrPortName")) == {SVC + ".10.0.1.100"}
    finally:
        d.adm("-D", "-t", t6, check=False)
        d.dpip("addr", "del", "2001:db8:1::100/64", "dev", "dpdk1", check=False)
    assert wait_for(lambda: ("dpvsSvcInetScheduler", SVC6)
                    not in walk(env, "dpvsServiceInetTable"), timeout=5)


def test_service_flags_show_the_proxy_protocol(env):
    d = env["dpvs"]
    flags = lambda: walk(env, "dpvsServiceTable")[("dpvsSvcFlags", SVC)]  # noqa: E731
    d.adm("-E", "-t", VIP + ":80", "--proxy-protocol", "v2")
    try:
        # BITS in hex: proxyV2 is bit 4 of the first octet
        assert wait_for(lambda: flags().split() == ["08"], timeout=5), flags()
        d.adm("-E", "-t", VIP + ":80", "--proxy-protocol", "v1")
        assert wait_for(lambda: flags().split() == ["10"], timeout=5), flags()
    finally:
        d.adm("-E", "-t", VIP + ":80", "--proxy-protocol", "none")
    assert wait_for(lambda: flags().split() == ["00"], timeout=5), flags()


def test_zeroing_counts_from_zero_without_touching_workers(env):
    d = env["dpvs"]
    before = walk(env, "dpvsWorkerConnsCreated")
    d.adm("-Z", "-t", VIP + ":80")
    stats = adm_stats(d)
    assert all(v == [0] * 5 for v in stats.values()), stats
    got = curl_many(env["cl"], "http://%s/" % VIP, 4)
    assert sorted(got) == ["rs1", "rs2"] and sum(got.values()) == 4, got
    # A listing answers from the last complete gather when a worker is
    # slow to answer (loaded sanitizer runs): wait for a fresh one.
    assert wait_for(lambda: adm_stats(d)["svc %s:80" % VIP][0] == 4,
                    timeout=10), (adm_stats(d), d.log_text()[-3000:])
    stats = adm_stats(d)
    assert stats["svc %s:80" % VIP][0] == 4, stats
    assert sum(v[0] for k, v in stats.items() if not k.startswith("svc")) == 4
    assert wait_for(lambda: snmp_counters(env) == adm_stats(d), timeout=5), \
        (snmp_counters(env), adm_stats(d))
    # -Z is the operator's view: the workers' own counters run on.
    after = walk(env, "dpvsWorkerConnsCreated")
    assert sum(map(int, after.values())) >= sum(map(int, before.values())) + 4


def test_deleting_a_real_server_never_takes_service_counters_back(env):
    d = env["dpvs"]
    curl_many(env["cl"], "http://%s/" % VIP, 6)
    before = adm_stats(d)["svc %s:80" % VIP]
    d.adm("-d", "-t", VIP + ":80", "-r", "10.0.1.12:80")
    try:
        after = adm_stats(d)["svc %s:80" % VIP]
        assert all(a >= b for a, b in zip(after, before)), (before, after)
        # The rates see no counter going back (they would wrap to ~2^64).
        for _ in range(3):
            rows = walk(env, "dpvsServiceTable")
            rates = [int(rows[("dpvsSvcRate" + c, SVC)])
                     for c in ("Cps", "InPps", "OutPps", "InBps", "OutBps")]
            assert max(rates) < 10 ** 8, rates
            time.sleep(1)
    finally:
        d.adm("-a", "-t", VIP + ":80", "-r", "10.0.1.12:80", "-b")


def test_read_only_and_unknown_indexes(env):
    s = env["snmpd"]
    r = s.set("DPVS-MIB::dpvsSvcScheduler." + SVC, "s", "wrr")
    assert "notWritable" in r.stdout + r.stderr, r.stdout + r.stderr
    r = s.get("DPVS-MIB::dpvsSvcConns.6.1.2.3.4.80",
              "DPVS-MIB::dpvsWorkerLcore.77", "DPVS-MIB::dpvsPortName.55",
              "DPVS-MIB::dpvsVersion.1")
    assert r.stdout.count("No Such Instance") == 4, r.stdout + r.stderr
    r = s.get(".1.3.6.1.4.1.99999.1.2.1.99.6.10.0.0.100.80")
    assert "No Such Object" in r.stdout, r.stdout + r.stderr
    assert env["agent"].proc.poll() is None
    assert walk(env, "dpvsVersion")[("dpvsVersion", "0")]


def traps(env):
    return env["trapd"].log_text()


def test_notifications_port_down_up_and_pool_full(env):
    # 2 % of the pool: the connections earlier tests left in TIME_WAIT,
    # and a few more, are well over it.
    curl_many(env["cl"], "http://%s/" % VIP, 25)
    assert wait_for(lambda: "dpvsConnPoolFull" in traps(env), timeout=10), \
        traps(env) + env["agent"].log_text()
    sh("ip", "link", "set", "dtsnmp0", "down", ns=env["lb"])
    try:
        assert wait_for(lambda: "dpvsPortDown" in traps(env), timeout=10), \
            traps(env) + env["agent"].log_text()
        assert "dpdk2" in traps(env)
        rows = walk(env, "dpvsPortTable")
        names = column(rows, "dpvsPortName")
        idx = [i for i, n in names.items() if n == "dpdk2"][0]
        assert rows[("dpvsPortOperStatus", idx)] == "2"
    finally:
        sh("ip", "link", "set", "dtsnmp0", "up", ns=env["lb"])
    assert wait_for(lambda: "dpvsPortUp" in traps(env), timeout=10), traps(env)


# A heartbeat as a forger without the key would send it (docs/ha.md,
# "The message"): a well-formed header, a tag of zeros.
FORGED = struct.pack(">BBBBHHQQII", 1, 4, 7, 0, 64, 1, 0x5eed, 1,
                     int(time.time()), int(time.time())) + bytes(32)
SEND = ("import socket, sys\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,"
        " socket.inet_aton('10.0.0.2'))\n"
        "for _ in range(3):\n"
        "    s.sendto(bytes.fromhex(sys.argv[1]), ('224.0.0.81', 8848))\n")


def sync_row(env):
    """dpvsSync's scalars; {} while the subagent cannot read dpvs."""
    return collections.defaultdict(str, {
        c: v for (c, _), v in walk(env, "dpvsSync").items()})


def test_sync_and_lease_state_and_notifications(env, tmp_path):
    d, lb = env["dpvs"], env["lb"]
    rows = sync_row(env)
    assert rows["dpvsSyncRole"] == "0" and rows["dpvsHaLeaseHeld"] == "2", rows
    key = tmp_path / "sync.key"
    key.write_bytes(os.urandom(32))
    os.chmod(key, 0o600)
    sh("ip", "link", "set", "dpdk0.kni", "up", ns=lb)
    d.ctl("sync", "start", "--role", "backup", "--iface", "dpdk0.kni",
          "--syncid", "7", "--key-file", str(key), check=True)
    hold = None
    try:
        fp = re.search(r"key ([0-9a-f]{8})", d.ctl("sync", check=True).stdout)
        assert wait_for(lambda: sync_row(env)["dpvsSyncRole"] == "2",
                        timeout=5), sync_row(env)
        rows = sync_row(env)
        assert rows["dpvsSyncBulkState"] == "1", rows      # requesting
        assert rows["dpvsSyncId"] == "7" and rows["dpvsSyncPort"] == "8848"
        assert rows["dpvsSyncInterface"] == "dpdk0.kni", rows
        assert rows["dpvsSyncMcastGroup"] == "224.0.0.81", rows
        assert rows["dpvsSyncKeyFingerprint"] == fp.group(1), rows
        # Three forged datagrams from the client's segment: counted, and
        # one notification.
        subprocess.run(["ip", "netns", "exec", env["cl"], "python3", "-c",
                        SEND, FORGED.hex()], check=True, timeout=30)
        assert wait_for(lambda: sync_row(env)["dpvsSyncRxAuthFailed"] == "3",
                        timeout=10), (sync_row(env), d.ctl("sync").stdout)
        assert sync_row(env)["dpvsSyncInstalled"] == "0"
        assert wait_for(lambda: "dpvsSyncAuthFailure" in traps(env),
                        timeout=10), traps(env)
        # The lease: held while a client renews it; its death is news.
        hold = subprocess.Popen([DPVSCTL, "-x", d.ipc, "ha", "hold", "--ttl",
                                 "3000"], stdout=subprocess.PIPE, text=True)
        assert hold.stdout.readline().startswith("lease: held")
        assert wait_for(lambda: sync_row(env)["dpvsHaLeaseHeld"] == "1",
                        timeout=5), sync_row(env)
        hold.kill()
        hold.wait()
        assert wait_for(lambda: sync_row(env)["dpvsHaLeaseHeld"] == "2",
                        timeout=5), sync_row(env)
        assert sync_row(env)["dpvsHaLeaseLosses"] == "1", [
            l for l in d.log_text().splitlines() if "ha:" in l]
        assert wait_for(lambda: "dpvsHaLeaseLost" in traps(env), timeout=10), \
            traps(env)
    finally:
        if hold and hold.poll() is None:
            hold.kill()
            hold.wait()
        d.ctl("sync", "stop", "all")
    assert wait_for(lambda: sync_row(env)["dpvsSyncRole"] == "0", timeout=5)


def test_dpvs_restart_subagent_reconnects(env):
    d = env["dpvs"]
    d.stop()
    assert wait_for(lambda: walk(env, "dpvsReachable").get(
        ("dpvsReachable", "0")) == "2", timeout=10)
    assert not column(walk(env, "dpvsServiceTable"), "dpvsSvcScheduler")
    r = env["snmpd"].get("DPVS-MIB::dpvsWorkers.0")
    assert "No Such Instance" in r.stdout, r.stdout
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", VIP + "/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    fnat_service(d, hosts=(11, 12))
    assert wait_for(lambda: walk(env, "dpvsServiceTable").get(
        ("dpvsSvcScheduler", SVC)) == "rr", timeout=10)
    assert "dpvs reachable again" in env["agent"].log_text()
    got = curl_many(env["cl"], "http://%s/" % VIP, 4)
    assert sum(got.values()) == 4 and set(got) <= {"rs1", "rs2"}, got


def test_snmpd_restart_subagent_registers_again(env):
    s = env["snmpd"]
    s.stop()
    s.start()
    assert wait_for(lambda: walk(env, "dpvsServiceTable").get(
        ("dpvsSvcScheduler", SVC)) == "rr", timeout=15), \
        env["agent"].log_text()
    assert env["agent"].proc.poll() is None


def test_make_install_puts_the_mib_where_net_snmp_looks(tmp_path):
    san = ["SAN=1"] if os.environ.get("BUILD") == "build-san" else []
    r = subprocess.run(["make", "-s", "-C", ROOT, "install",
                        "DESTDIR=%s" % tmp_path, "PREFIX=/usr"] + san,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    mibs = tmp_path / "usr/share/snmp/mibs"
    assert (mibs / "DPVS-MIB.txt").is_file()
    multiarch = subprocess.run(["cc", "-print-multiarch"], capture_output=True,
                               text=True, check=True).stdout.strip()
    for f in ("usr/sbin/dpvs", "usr/sbin/dpvs-snmp", "usr/bin/dpvsadm",
              "usr/include/libdpvs.h", "usr/lib/%s/libdpvs.so.1" % multiarch):
        assert (tmp_path / f).exists(), f
    r = subprocess.run(["snmptranslate", "-M", "%s:%s" % (mibs, MIBDIR),
                        "-m", "DPVS-MIB", "-On", "DPVS-MIB::dpvsConnPoolFull"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == ".1.3.6.1.4.1.99999.0.3", r.stderr


def test_daemon_mode_pid_file_and_bad_options(env, tmp_path):
    from dpvsd import BUILD
    exe = os.path.join(BUILD, "dpvs-snmp")
    pidfile = str(tmp_path / "bg.pid")
    base = [exe, "-x", env["snmpd"].agentx, "-c", env["dpvs"].ipc,
            "-p", pidfile]
    # Without -f it detaches at once and lives on under its pid file.
    r = subprocess.run(base + ["-l", "stderr"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: os.path.exists(pidfile) and
                    open(pidfile).read().strip().isdigit(), timeout=5)
    pid = int(open(pidfile).read())
    try:
        os.kill(pid, 0)
        # A second instance on the same pid file is refused.
        r = subprocess.run(base + ["-f"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 1
        assert "another dpvs-snmp is running" in r.stderr, r.stderr
    finally:
        os.kill(pid, 15)
    assert wait_for(lambda: not os.path.exists(pidfile), timeout=10)
    for args, word in ((["-t", "soon"], "cache time"),
                       (["-a", "0"], "pool alarm"),
                       (["-l", "file"], "log destination"),
                       (["extra"], "argument")):
        r = subprocess.run([exe] + args, capture_output=True, text=True)
        assert r.returncode == 2 and word in r.stderr, (args, r.stderr)
    r = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--agentx" in r.stdout
