"""dpip with IPv6 against a real daemon (net_null port): what it refuses
and in which words, and that v6 records reach the daemon's v6 stack.
Where that stack has no tables yet, dpvs's refusal must read cleanly;
once it has, the address, route and neighbour list back as IPv6."""
DEVICES = [("dpdk0", "net_null0,no-rx=1", 1, 1)]
NOT_YET = "IPv6 is not supported by this dpvs yet"


def new_daemon(dpvs_factory):
    d = dpvs_factory(devices=DEVICES).start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    return d


def done_or_not_yet(r, what, obj):
    """True if done; else dpvs's refusal names the missing v6 stack."""
    if r.returncode == 0:
        return True
    assert r.returncode == 1, r.stderr
    assert r.stderr == "dpip: %s: %s: %s\n" % (what, obj, NOT_YET)
    return False


def test_v6_refusals_read_cleanly(dpvs_factory):
    d = new_daemon(dpvs_factory)
    r = d.dpip("addr", "add", "fe80::1/64", "dev", "dpdk0", check=False)
    assert r.returncode == 1
    assert r.stderr.startswith("dpip: addr add: fe80::1: link-local "
                               "addresses belong to the kernel twin (add it "
                               "on "), r.stderr
    for args, msg in [
            (("route", "add", "default", "via", "fe80::1"),
             "dpip: route add: the link-local gateway 'fe80::1' needs "
             "'dev DEV'\n"),
            (("-4", "addr", "add", "2001:db8::1/64", "dev", "dpdk0"),
             "dpip: '2001:db8::1/64' is not an IPv4 address (-4)\n"),
            (("addr", "add", "10.0.0.2/24", "dev", "dpdk0", "nodad"),
             "dpip: addr add: 'nodad' is for IPv6 addresses (IPv4 has no "
             "duplicate address detection here)\n"),
            (("route", "add", "2001:db8:9::/48", "via", "10.0.0.254", "dev",
              "dpdk0"),
             "dpip: gateway '10.0.0.254' is not of the prefix's family\n")]:
        r = d.dpip(*args, check=False)
        assert (r.returncode, r.stderr) == (2, msg), args
    # IPv4 is served as before, and -6 hides it.
    assert d.dpip("addr").stdout == "dpdk0: inet 10.0.0.1/24\n"
    assert d.dpip("-6", "addr").stdout == ""
    assert "10.0.0.0/24 dev dpdk0 scope link" in d.dpip("-4", "route").stdout


def test_v6_records_reach_the_v6_stack(dpvs_factory):
    d = new_daemon(dpvs_factory)
    r = d.dpip("addr", "add", "2001:db8::1/64", "dev", "dpdk0", "nodad",
               check=False)
    if done_or_not_yet(r, "addr add", "address"):
        assert ("dpdk0: inet6 2001:db8::1/64 nodad"
                in d.dpip("-6", "addr").stdout)
        assert "inet6" not in d.dpip("-4", "addr").stdout
    r = d.dpip("neigh", "add", "2001:db8::5", "lladdr", "02:00:00:00:00:05",
               "dev", "dpdk0", check=False)
    if done_or_not_yet(r, "neigh add", "neighbour"):
        assert ("2001:db8::5 dev dpdk0 lladdr 02:00:00:00:00:05 PERMANENT"
                in d.dpip("-6", "neigh").stdout)
    r = d.dpip("route", "add", "2001:db8:9::/48", "via", "2001:db8::5",
               "dev", "dpdk0", check=False)
    if done_or_not_yet(r, "route add", "route"):
        assert ("2001:db8:9::/48 via 2001:db8::5 dev dpdk0"
                in d.dpip("-6", "route").stdout)
    # The daemon keeps serving IPv4 whatever happened above.
    assert d.dpip("-4", "addr").stdout == "dpdk0: inet 10.0.0.1/24\n"
