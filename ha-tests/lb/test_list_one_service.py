"""A listing of one service (dpvsadm -L -t VIP:PORT) asks dpvs for that
service alone, whose counters only are gathered from the workers: its
numbers are the ones the whole listing gives, and fresh."""
import ast

from lbhost import adm, fnat_service
from netns import sh
from servers import PY

GETS = (
    "import http.client, sys\n"
    "ok = 0\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    c = http.client.HTTPConnection('10.0.0.100', 80, timeout=5)\n"
    "    c.request('GET', '/'); ok += c.getresponse().status == 200\n"
    "    c.close()\n"
    "print(ok)\n")


def rows(listing):
    """{address: (Conns, InPkts, OutPkts, InBytes, OutBytes)} of the
    service and real-server lines of an --exact --stats listing."""
    out = {}
    for line in listing.splitlines():
        f = line.split()
        if len(f) >= 7 and f[0] in ("TCP", "UDP", "->") and f[-1].isdigit():
            out[f[1]] = tuple(int(x) for x in f[2:7])
    return out


def one_and_all(d):
    one = rows(adm(d, "-L", "-n", "--stats", "--exact", "-t",
                   "10.0.0.100:80").stdout)
    every = rows(adm(d, "-L", "-n", "--stats", "--exact").stdout)
    return one, every


def test_one_service_listing_has_the_full_listings_counters(lb, backends):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    for host in (11, 12, 13):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    fnat_service(d)
    # A second service with its own server: not in the narrow listing.
    adm(d, "-A", "-t", "10.0.0.100:81", "-s", "rr")
    adm(d, "-a", "-t", "10.0.0.100:81", "-r", "10.0.1.11:81", "-b")
    for n, total in ((60, 60), (30, 90)):
        ok = ast.literal_eval(sh(PY, "-c", GETS, str(n), ns=cl,
                                 timeout=120).stdout)
        assert ok == n
        one, every = one_and_all(d)
        assert set(one) == {"10.0.0.100:80", "10.0.1.11:80",
                            "10.0.1.12:80", "10.0.1.13:80"}, one
        # Gathered now, not an older snapshot: every connection counted.
        assert one["10.0.0.100:80"][0] == total, one
        assert sum(one[a][0] for a in one if a != "10.0.0.100:80") == total
        assert one["10.0.0.100:80"][1] > 0 and one["10.0.0.100:80"][3] > 0
        # Nothing moves between the two listings: the same numbers.
        for addr, counters in one.items():
            assert every[addr] == counters, (addr, one, every)
    # Zeroing one service gathers (and zeroes) only its counters.
    adm(d, "-Z", "-t", "10.0.0.100:80")
    one, every = one_and_all(d)
    assert all(c == (0,) * 5 for c in one.values()), one
    assert every == one | {"10.0.0.100:81": (0,) * 5,
                           "10.0.1.11:81": (0,) * 5}, every
    # No real servers: nothing to gather, the answer comes at once.
    adm(d, "-A", "-t", "10.0.0.100:83", "-s", "wlc")
    assert rows(adm(d, "-L", "-n", "--stats", "--exact", "-t",
                    "10.0.0.100:83").stdout) == {"10.0.0.100:83": (0,) * 5}
    err = adm(d, "-L", "-n", "-t", "10.0.0.100:82", check=False)
    assert err.returncode != 0
    assert "no such service TCP 10.0.0.100:82" in err.stderr
