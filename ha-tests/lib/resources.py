"""What a daemon holds: every table, pool, the DPDK heap and fds (from
`dpvsctl resources`), its RSS and open fds; snapshots of them and what
is not back to a baseline.  Shared by the churn tests and the soak."""
import os

from dpvsd import DPVS
from waiting import wait_for

RSS_SLACK_KB = 4096


def sanitized():
    """AddressSanitizer keeps freed memory in quarantine (up to 256 MB):
    RSS says nothing there; LeakSanitizer checks at exit instead."""
    with open(DPVS, "rb") as f:
        return b"__asan_init" in f.read()


CHECK_RSS = not sanitized()


def resources(d):
    """dpvsctl resources -> {name: (kind, used, size)}"""
    lines = d.ctl("resources", check=True).stdout.splitlines()
    assert lines[0].split()[:4] == ["kind", "name", "used", "size"], lines[0]
    out = {}
    for l in lines[1:]:
        kind, name, used, size, _ = l.split()
        out[name] = (kind, int(used), int(size))
    return out


def used(d, name):
    return resources(d)[name][1]


def rss_kb(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    raise AssertionError("no VmRSS")


def open_fds(d):
    return len(os.listdir("/proc/%d/fd" % d.proc.pid))


def snapshot(d):
    return {"res": resources(d), "rss": rss_kb(d), "fds": open_fds(d)}


def differences(base, now, heap_slack, slack=None):
    """What is not back: every table and the fd count as in base; every
    pool at most as in base (what a pool held at the baseline may have
    been in flight then: a VRRP advert's mbufs on their way to the TAP);
    the heap, RSS and the rows in slack ({name: how many more}) within
    their slack."""
    out = []
    slack = slack or {}
    for name, (kind, u, size) in base["res"].items():
        nu = now["res"].get(name, (kind, None, size))[1]
        if kind == "heap" and nu is not None and nu <= u + heap_slack:
            continue
        low = 0 if kind == "pool" else u
        if kind not in ("heap", "fds") and nu is not None and \
                low <= nu <= u + slack.get(name, 0):
            continue
        if kind != "fds":   # the daemon's own count; counted below
            out.append("%s: %s used at baseline, %s now" % (name, u, nu))
    if now["fds"] != base["fds"]:
        out.append("fds: %d at baseline, %d now" % (base["fds"], now["fds"]))
    if CHECK_RSS and now["rss"] > base["rss"] + RSS_SLACK_KB:
        out.append("RSS: %d KB at baseline, %d KB now" % (base["rss"],
                                                         now["rss"]))
    return out


def wait_back(d, base, heap_slack=64 * 1024, timeout=10, slack=None):
    """What is still not back after timeout seconds (empty: all is).
    Packets in flight (a GARP on its way to the TAP, a burst in a
    worker's tx buffer) hold mbufs for a moment: wait for them."""
    diff = []

    def back():
        diff[:] = differences(base, snapshot(d), heap_slack, slack)
        return not diff

    wait_for(back, timeout=timeout, step=0.5)
    return diff


def assert_back(d, base, heap_slack=64 * 1024, timeout=10):
    diff = wait_back(d, base, heap_slack, timeout)
    assert not diff, "\n".join(diff)
