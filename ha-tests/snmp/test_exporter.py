"""dpvs-exporter with a real Prometheus server scraping it.

One topology for the module: client -- dpdk0 [dpvs, 2 workers] dpdk1 --
two HTTP backends behind a FullNAT service.  dpvs-exporter serves
/metrics on 127.0.0.1; a Prometheus server (its own config, storage and
port, 1 s scrapes) scrapes it and evaluates the example alerting rules
of docs/monitoring.md.
"""
import collections
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from dpvsd import BUILD, DPVSCTL, ROOT
from lbhost import lb_namespaces, stop_all, two_backend_lb
from netns import Topology, sh
from prom import Exporter, Prometheus, free_tcp_port, http_get, parse_metrics
from servers import Backends, curl_many
from waiting import terminate, wait_for

VIP = "10.0.0.100"
DEVS = [("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2),
        ("dpdk1", "net_af_packet1,iface=vlb1,qpairs=2", 2, 2)]
WORKERS = [(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0])]),
           (2, [("dpdk0", [1], [1]), ("dpdk1", [1], [1])])]
BACKENDS = ("10.0.1.11", "10.0.1.12")
EXPORTER = os.path.join(BUILD, "dpvs-exporter")
DOC = os.path.join(ROOT, "docs", "monitoring.md")


def doc_rules(folder):
    """The example alerting rules of docs/monitoring.md, as a file."""
    text = open(DOC).read()
    m = re.search(r"<!-- alerting rules -->\s*```yaml\n(.*?)```", text, re.S)
    assert m, "docs/monitoring.md has no alerting rules block"
    path = os.path.join(folder, "dpvs-rules.yml")
    with open(path, "w") as f:
        f.write(m.group(1))
    return path


def doc_causes():
    """The drop causes docs/monitoring.md lists."""
    text = open(DOC).read()
    m = re.search(r"The `cause` label is(.*?)A cause\s+the\s+running", text, re.S)
    return set(re.findall(r"`([a-z0-9]+_[a-z0-9_]+)`", m.group(1)))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exporter")
    t = Topology("ex")
    procs = []
    backends = Backends(tmp)
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = two_backend_lb(tmp, lbns, rs, backends, procs, devices=DEVS,
                           workers=WORKERS)
        ex = Exporter(str(tmp), d.ipc, "--timeout", "500").start()
        procs.append(ex)
        prom = Prometheus(str(tmp), ["127.0.0.1:%d" % ex.port],
                          rule_files=[doc_rules(str(tmp))]).start()
        procs.append(prom)
        yield {"dpvs": d, "cl": cl, "lb": lbns, "exporter": ex, "prom": prom,
               "tmp": str(tmp)}
    finally:
        problems = stop_all(procs)
        backends.stop()
        t.destroy()
        assert not problems, "\n".join(problems)


def adm_stats(d):
    """dpvsadm -L -n --stats --exact -> {"svc": [5 counters], addr: [...]}."""
    out = {}
    for line in d.adm("-L", "-n", "--stats", "--exact").stdout.splitlines():
        f = line.split()
        if f and f[0] in ("TCP", "UDP"):
            out["svc"] = [int(x) for x in f[2:7]]
        elif len(f) >= 7 and f[0] == "->" and f[2].isdigit():
            out[f[1].split(":")[0]] = [int(x) for x in f[2:7]]
    return out


STATS = ("connections", "incoming_packets", "outgoing_packets",
         "incoming_bytes", "outgoing_bytes")


def prom_stats(prom):
    """The same figures as Prometheus stored them last."""
    out = {"svc": [], "ipvs": []}
    for s in STATS:
        svc = prom.query("dpvs_service_%s_total" % s)
        out["svc"].append(int(svc[frozenset({"local_address": VIP,
                                              "local_port": "80",
                                              "proto": "TCP"}.items())]))
        out["ipvs"].append(int(prom.query("node_ipvs_%s_total" % s)[frozenset()]))
        for rs, v in prom.query("dpvs_real_server_%s_total" % s).items():
            out.setdefault(dict(rs)["remote_address"], []).append(int(v))
    return out


def test_prometheus_stores_what_dpvsadm_shows(env):
    d, prom = env["dpvs"], env["prom"]
    assert wait_for(lambda: prom.query("dpvs_up") == {frozenset(): 1.0},
                    timeout=15, step=0.5), prom.query("up")
    # 30 requests over about 5 s: Prometheus scrapes while they run.
    got = collections.Counter()
    t0 = time.time()
    for _ in range(30):
        got.update(curl_many(env["cl"], "http://%s/" % VIP, 1))
        time.sleep(0.15)
    assert sum(got.values()) == 30 and set(got) == {"rs1", "rs2"}, got
    window = int(time.time() - t0) + 1
    seen = prom.api("query", query="dpvs_service_connections_total[%ds]"
                    % window, time="%.3f" % time.time())["result"]
    during = [float(v) for _, v in seen[0]["values"]] if seen else []
    assert [v for v in during if 0 < v < 30], during
    want = adm_stats(d)
    assert want["svc"][0] == 30, want
    # The counters hold still now: a scrape after the last request makes
    # Prometheus's latest values equal dpvsadm's.
    assert wait_for(lambda: prom_stats(prom)["svc"] == want["svc"],
                    timeout=15, step=0.5), (prom_stats(prom), want)
    have = prom_stats(prom)
    assert have["ipvs"] == want["svc"], (have, want)
    for rs in BACKENDS:
        assert have[rs] == want[rs], (rs, have, want)
    active = prom.query("node_ipvs_backend_connections_active")
    assert {dict(k)["remote_address"] for k in active} == set(BACKENDS)
    # node_exporter's six labels in its order; Prometheus drops the
    # empty local_mark, as it does node_exporter's.
    text = env["exporter"].scrape()[1]
    labels = re.findall(r"^node_ipvs_backend_connections_active\{(.*)\} ",
                        text, re.M)
    assert len(labels) == 2 and all(re.fullmatch(
        r'local_address="%s",local_port="80",remote_address="10\.0\.1\.1[12]",'
        r'remote_port="80",proto="TCP",local_mark=""' % re.escape(VIP), x)
        for x in labels), labels
    weight = prom.query("node_ipvs_backend_weight")
    assert sorted(weight.values()) == [1.0, 1.0], weight


def test_real_scrape_passes_promtool(env):
    status, body, headers = env["exporter"].scrape()
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    r = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
    m = parse_metrics(body)
    assert m[("dpvs_up", frozenset())] == 1
    assert m[("dpvs_conn_pool_size", frozenset())] == 1024
    # Per worker and per cause, from the workers' own counters.
    causes = {dict(k)["cause"] for (n, k) in m if n == "dpvs_worker_drops_total"}
    assert causes == doc_causes(), causes ^ doc_causes()
    ports = {dict(k)["port"]: v for (n, k), v in m.items() if n == "dpvs_port_up"}
    assert ports == {"dpdk0": 1, "dpdk1": 1}, ports
    free = [v for (n, k), v in m.items() if n == "dpvs_fullnat_local_ports_free"]
    assert len(free) == 1 and 0 < free[0] <= 64512, free


def test_example_rules_are_valid_and_evaluate(env):
    path = doc_rules(env["tmp"])
    r = subprocess.run(["promtool", "check", "rules", path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    groups = env["prom"].api("rules")["groups"]
    rules = [x for g in groups for x in g["rules"]]
    assert len(rules) >= 10, rules
    assert wait_for(lambda: all(
        x.get("health") == "ok" for g in env["prom"].api("rules")["groups"]
        for x in g["rules"]), timeout=10), env["prom"].api("rules")
    # dpvs is up, its ports too: those alerts stay silent.
    firing = {a["labels"]["alertname"] for a in env["prom"].api("alerts")["alerts"]}
    assert not firing & {"DpvsDown", "DpvsPortDown", "DpvsExporterDown"}, firing


def test_paths_and_methods(env):
    ex = env["exporter"]
    status, body, _ = ex.scrape("/")
    assert status == 200 and 'href="/metrics"' in body
    for path in ("/nope", "/metrics/x", "/favicon.ico"):
        assert ex.scrape(path)[0] == 404, path
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "-X", "POST", ex.url + "/metrics"],
                       capture_output=True, text=True)
    assert r.stdout == "405", r.stdout


def test_per_service_only_has_no_backend_series(env):
    ex = Exporter(env["tmp"], env["dpvs"].ipc, "--per-service-only",
                  name="per-service").start()
    try:
        m = ex.metrics()
    finally:
        assert not stop_all([ex])
    names = {n for n, _ in m}
    assert "dpvs_service_connections_total" in names
    assert "node_ipvs_connections_total" in names
    assert not {n for n in names if n.startswith(("node_ipvs_backend_",
                                                  "dpvs_real_server_"))}, names


def test_dpvs_down_hung_and_back(env):
    d, ex = env["dpvs"], env["exporter"]
    gone = Exporter(env["tmp"], os.path.join(env["tmp"], "no-dpvs.ipc"),
                    name="no-dpvs").start()
    try:
        m = gone.metrics()
    finally:
        assert not stop_all([gone])
    assert m[("dpvs_up", frozenset())] == 0
    assert not [n for n, _ in m if n.startswith("dpvs_service_")]
    # A dpvs that does not answer: the scrape ends within --timeout (500 ms).
    d.signal(signal.SIGSTOP)
    try:
        t0 = time.time()
        m = ex.metrics()
        took = time.time() - t0
    finally:
        d.signal(signal.SIGCONT)
    assert m[("dpvs_up", frozenset())] == 0
    assert took < 3, took
    # Back: the next scrape reconnects.
    assert wait_for(lambda: ex.metrics()[("dpvs_up", frozenset())] == 1,
                    timeout=10, step=0.5)


@pytest.mark.parametrize("args,what", [
    (["--listen", "127.0.0.1"], "listen address"),
    (["--listen", "127.0.0.1:0"], "listen address"),
    (["--listen", "127.0.0.1:65536"], "listen address"),
    (["--timeout", "5"], "timeout"),
    (["--timeout", "x"], "timeout"),
    (["--ipc-file", "/" + "x" * 200], "control socket path"),
    (["extra"], "argument"),
])
def test_bad_arguments_exit_2(args, what):
    r = subprocess.run([EXPORTER] + args, capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2 and "bad %s" % what in r.stderr, r.stderr


def test_listen_in_use_exits_1(env):
    r = subprocess.run([EXPORTER, "--listen",
                        "127.0.0.1:%d" % env["exporter"].port],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "cannot listen" in r.stderr, r.stderr


def test_help_and_version():
    r = subprocess.run([EXPORTER, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--per-service-only" in r.stdout
    r = subprocess.run([EXPORTER, "--version"], capture_output=True, text=True)
    version = open(os.path.join(ROOT, "VERSION")).read().strip()
    assert r.returncode == 0 and r.stdout == "dpvs-exporter %s\n" % version


def proc_usage(pid):
    fds = len(os.listdir("/proc/%d/fd" % pid))
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return fds, int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_2000_scrapes_hold_fds_and_memory(env):
    ex = env["exporter"]
    for _ in range(200):
        assert http_get(ex.url + "/metrics")[0] == 200
    fds0, rss0 = proc_usage(ex.proc.pid)
    for i in range(2000):
        status, body, _ = http_get(ex.url + ("/metrics" if i % 10 else "/x"))
        assert status in (200, 404)
    fds1, rss1 = proc_usage(ex.proc.pid)
    assert "dpvs_up 1" in http_get(ex.url + "/metrics")[1]
    # Prometheus's scrape may hold a connection at either moment; a leak
    # of one fd per scrape would be 2000.
    assert fds1 <= fds0 + 2, (fds0, fds1)
    # glibc keeps freed memory; a leak of one scrape's text (tens of KB)
    # per scrape would be tens of MB.  ASan's quarantine holds freed
    # blocks on purpose: there LeakSanitizer at exit is the check.
    if not os.path.basename(BUILD).startswith("build-san"):
        assert rss1 - rss0 < 4096, (rss0, rss1)


def test_concurrent_scrapes_all_answered(env):
    """Scrapes from 8 clients at once share the exporter's one dpvs
    connection one after the other: every one is whole and sees dpvs."""
    ex = env["exporter"]
    results = []

    def client():
        for _ in range(25):
            status, body, _ = http_get(ex.url + "/metrics")
            results.append(status == 200 and "\ndpvs_up 1\n" in body
                           and body.rstrip().split("\n")[-1].startswith(
                               "dpvs_scrape_duration_seconds "))
    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 200 and all(results), results.count(False)


def one(ex, name, **labels):
    return ex.metrics().get((name, frozenset(labels.items())))


def alerts(prom):
    """{alertname: state} of Prometheus's pending and firing alerts."""
    return {a["labels"]["alertname"]: a["state"]
            for a in prom.api("alerts")["alerts"]}


def test_sync_and_lease_series_and_their_alerts(env, tmp_path):
    d, ex, prom = env["dpvs"], env["exporter"], env["prom"]
    assert one(ex, "dpvs_sync_role", role="master") == 0
    assert one(ex, "dpvs_ha_lease_held") == 0
    key = tmp_path / "sync.key"
    key.write_bytes(os.urandom(32))
    os.chmod(key, 0o600)
    sh("ip", "link", "set", "dpdk0.kni", "up", ns=env["lb"])
    d.ctl("sync", "start", "--role", "master", "--iface", "dpdk0.kni",
          "--syncid", "7", "--key-file", str(key), check=True)
    hold = None
    try:
        assert one(ex, "dpvs_sync_role", role="master") == 1
        assert one(ex, "dpvs_sync_role", role="backup") == 0
        sent0 = one(ex, "dpvs_sync_sent_connections_total")
        got = curl_many(env["cl"], "http://%s/" % VIP, 5)
        assert sum(got.values()) == 5, got
        # The master sends each new connection to the backups.
        assert wait_for(lambda: one(ex, "dpvs_sync_sent_connections_total")
                        >= sent0 + 5, timeout=10), d.ctl("sync").stdout
        hold = subprocess.Popen([DPVSCTL, "-x", d.ipc, "ha", "hold", "--ttl",
                                 "3000"], stdout=subprocess.PIPE, text=True)
        assert hold.stdout.readline().startswith("lease: held")
        assert one(ex, "dpvs_ha_lease_held") == 1
        assert 0 < one(ex, "dpvs_ha_lease_remaining_seconds") <= 3
        # The holder dies: the lease runs out, and the example rule fires.
        hold.kill()
        hold.wait()
        assert wait_for(lambda: one(ex, "dpvs_ha_lease_lost_total") == 1,
                        timeout=10)
        assert one(ex, "dpvs_ha_lease_held") == 0
        assert wait_for(lambda: alerts(prom).get("DpvsLeaseLost") == "firing",
                        timeout=15, step=0.5), alerts(prom)
    finally:
        if hold and hold.poll() is None:
            hold.kill()
            hold.wait()
        d.ctl("sync", "stop", "all")
    assert one(ex, "dpvs_sync_role", role="master") == 0


def test_no_usable_real_server_alert(env):
    d, ex, prom = env["dpvs"], env["exporter"], env["prom"]
    svc = dict(local_address=VIP, local_port="80", proto="TCP")
    try:
        for rs in BACKENDS:
            d.adm("-e", "-t", VIP + ":80", "-r", rs + ":80", "-b", "-w", "0")
        assert one(ex, "dpvs_service_real_servers_usable", **svc) == 0
        assert one(ex, "dpvs_service_real_servers", **svc) == 2
        # `for: 30s`: pending is what the test can wait for.
        assert wait_for(lambda: alerts(prom).get("DpvsServiceNoRealServer")
                        in ("pending", "firing"), timeout=15, step=0.5), \
            alerts(prom)
    finally:
        for rs in BACKENDS:
            d.adm("-e", "-t", VIP + ":80", "-r", rs + ":80", "-b", "-w", "1")
    assert one(ex, "dpvs_service_real_servers_usable", **svc) == 2


def test_v6_labels(env):
    """An IPv6 service with an IPv6 and a NAT64 (IPv4) real server: the
    addresses are label values as node_exporter's IPVS collector prints
    them (no brackets), each server counted under its own service, and
    Prometheus stores them."""
    d, ex, prom = env["dpvs"], env["exporter"], env["prom"]
    vip6, t6 = "2001:db8::100", "[2001:db8::100]:80"
    svc = dict(local_address=vip6, local_port="80", proto="TCP")
    d.adm("-A", "-t", t6, "-s", "rr")
    try:
        d.adm("-a", "-t", t6, "-r", "[2001:db8:2::11]:8080", "-b", "-w", "2")
        d.adm("-a", "-t", t6, "-r", "10.0.1.13:80", "-b", "-w", "0")
        d.dpip("addr", "add", "2001:db8:1::100/64", "dev", "dpdk1", "sapool",
               "nodad")
        d.adm("-P", "-t", t6, "-z", "2001:db8:1::100", "-F", "dpdk1")
        # a scrape on a loaded machine may miss --timeout (dpvs_up 0)
        got = []

        def whole():
            status, body, _ = ex.scrape()
            got[:] = [body]
            return status == 200 and "\ndpvs_up 1\n" in body

        assert wait_for(whole, timeout=15, step=0.5), got
        body = got[0]
        assert "[" not in body, [l for l in body.splitlines() if "[" in l]
        r = subprocess.run(["promtool", "check", "metrics"], input=body,
                           capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
        m = parse_metrics(body)
        g = lambda n, **l: m.get((n, frozenset(l.items())))  # noqa: E731
        assert g("dpvs_service_real_servers", **svc) == 2
        assert g("dpvs_service_real_servers_usable", **svc) == 1
        # the IPv4 service on the same port keeps its own two
        assert g("dpvs_service_real_servers", local_address=VIP,
                 local_port="80", proto="TCP") == 2
        assert g("node_ipvs_backend_weight", remote_address="2001:db8:2::11",
                 remote_port="8080", local_mark="", **svc) == 2
        assert g("node_ipvs_backend_weight", remote_address="10.0.1.13",
                 remote_port="80", local_mark="", **svc) == 0
        assert g("dpvs_fullnat_local_ports", fullnat_address="2001:db8:1::100",
                 port="dpdk1", **svc) > 0
        assert wait_for(lambda: prom.query(
            'node_ipvs_backend_weight{remote_address="2001:db8:2::11"}') ==
            {frozenset(dict(remote_address="2001:db8:2::11", remote_port="8080",
                            **svc).items()): 2.0},   # (an empty label is none)
            timeout=15, step=0.5), prom.query("node_ipvs_backend_weight")
    finally:
        d.adm("-D", "-t", t6, check=False)
        d.dpip("addr", "del", "2001:db8:1::100/64", "dev", "dpdk1", check=False)
    assert not [k for k in ex.metrics() if dict(k[1]).get("local_address") == vip6]


def test_any_address_serves_ipv4_and_ipv6(tmp_path):
    """The default form, :PORT, is every address of both families."""
    port = free_tcp_port()
    with open(tmp_path / "log", "w") as log:
        p = subprocess.Popen([EXPORTER, "--listen", ":%d" % port,
                              "--ipc-file", str(tmp_path / "none.ipc")],
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "serving" in (tmp_path / "log").read_text(),
                        timeout=10), (tmp_path / "log").read_text()
        hosts = ["127.0.0.1"] + (["[::1]"] if has_ipv6_loopback() else [])
        for host in hosts:
            status, body, _ = http_get("http://%s:%d/metrics" % (host, port))
            assert status == 200 and "\ndpvs_up 0\n" in "\n" + body, host
    finally:
        terminate(p, 10)
    assert p.returncode == 0, (tmp_path / "log").read_text()


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
