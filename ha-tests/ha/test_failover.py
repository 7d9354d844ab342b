"""Stateful failover (docs/ha.md): connections through the MASTER survive
its loss, new ones find the BACKUP within a second, and the MASTER's
return (preempt, after its bulk sync) breaks nothing.

Per fault, through lb1 and for each method (FullNAT :80, NAT :81, DR
:82): one 32 MB download and N idle keep-alive connections; once lb2
lists them all, the fault; then lb1 comes back and takes over again.
The four faults run in one pair, one after the other.
The figures are printed (pytest -s); docs/ha.md quotes them.
"""
import os

import pytest

from ha_pair import (FAULTS, METHODS, bulk_ready, conn_keys, dpvs_maker,
                     ha_pair, now, sanitizer_reports, wait_synced)
from waiting import wait_for

# make soak: 100 idle conns per method, and a pass with one worker.
N_IDLE = int(os.environ.get("HA_IDLE_CONNS", "10"))
WORKERS = int(os.environ.get("HA_WORKERS", "2"))
# The prober sends a SYN every 50 ms: this is the takeover (master-down
# 0.36 s, the lease, GARP), not a client's back-off.
FIRST_NEW_MAX = 1.0
# A stalled transfer resumes at the sender's next retransmission (RTO
# 0.2 s, doubling): a takeover at 0.45 s shows as a 0.6 s gap, one at
# 0.65 s as 1.4 s.  The design's figure is 0.4-0.8 s; the bound leaves
# one doubling for a 2-CPU machine.
STALL_MAX = 1.5


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """One pair for the four faults, in order: lb1 comes back and takes
    over again after each, so each fault starts from the state the
    previous return left (its conns, ports and roles)."""
    tmp = tmp_path_factory.mktemp("failover")
    with dpvs_maker(tmp) as (factory, made):
        try:
            with ha_pair(factory, tmp, workers=WORKERS) as p:
                yield p
        finally:
            problems = sanitizer_reports(made)
            assert not problems, "\n".join(problems)


@pytest.fixture
def ready(pair):
    """lb1 MASTER, lb2 a BACKUP with the whole table, whatever the
    previous test left."""
    lb1, lb2 = pair.lbs
    pair.heal(lb1)
    pair.heal(lb2)
    assert wait_for(lambda: lb1.has_vip() and not lb2.has_vip() and
                    bulk_ready(lb2.sync()), timeout=30), (lb1.sync(), lb2.sync())
    return pair


def through_lb1(pair):
    """Idle connections and one download per method, all listed by lb2."""
    lb1, lb2 = pair.lbs
    idle = {port: pair.idle(port, N_IDLE) for port in METHODS}
    for port, i in idle.items():
        assert all(a.startswith("b") for a in i.first["answers"]), (port, i.first)
    downloads = {port: pair.download(port) for port in METHODS}
    keys = {k for i in idle.values() for k in i.keys} | {
        d.key for d in downloads.values()}
    t0 = now()
    assert wait_synced(lb2, keys, timeout=3), (
        "lb2 lists %d of the %d connections through lb1 (sync: %s)" % (
            len(keys & conn_keys(lb2.conns())), len(keys), lb2.sync()))
    print("\nsynced on lb2 %.2f s after the downloads started" % (now() - t0))
    return idle, downloads


def check_downloads(pair, downloads, what):
    """The longest gap of each; every transfer complete and intact."""
    gaps, ends = {}, []
    for port, d in downloads.items():
        r = d.result()
        ends.append(r.get("end", 0))
        assert not r["error"] and r["sha256"] == pair.big_sha256(), (
            "%s download through %s: %s" % (METHODS[port], what, r))
        gaps[METHODS[port]] = round(r["max_gap"], 3)
    print("longest data stall across %s: %s s" % (what, gaps))
    assert max(gaps.values()) <= STALL_MAX, gaps
    return min(ends)


def check_idle(idle, what):
    for port, i in idle.items():
        answers, same = i.again()
        assert same and all(a.startswith("b") for a in answers), (
            "idle %s connections after %s: %s (same sockets: %s)" % (
                METHODS[port], what, answers, same))


@pytest.mark.parametrize("fault", FAULTS)
def test_failover(ready, fault):
    pair = ready
    lb1, lb2 = pair.lbs
    prober = pair.probe()
    idle, downloads = through_lb1(pair)
    t_fault = now()
    pair.fault(lb1, fault)
    assert wait_for(lb2.has_vip, timeout=5), lb2.ka.text()[-3000:]
    check_downloads(pair, downloads, fault)
    check_idle(idle, fault)
    firsts = {METHODS[p]: prober.first_after(t_fault, p) for p in METHODS}
    print("%s: first new connection after %s s" % (
        fault, {m: t and round(t, 3) for m, t in firsts.items()}))
    assert all(t is not None and t <= FIRST_NEW_MAX for t in firsts.values()), (
        firsts, lb2.ka.text()[-3000:])

    # lb1 back: it takes over again once its bulk sync is complete; a
    # transfer running meanwhile and the idle connections carry on.
    pair.restore(lb1, fault)
    second = {port: pair.download(port, 12) for port in METHODS}
    t_back = now()
    assert wait_for(lambda: lb1.has_vip() and not lb2.has_vip(), timeout=25), (
        lb1.ka.text()[-3000:], lb1.sync())
    preempt = now()
    print("%s: lb1 MASTER again %.2f s after its restore" % (fault,
                                                               preempt - t_back))
    # Its bulk brought it every conn before it preempted.
    assert wait_synced(lb1, [k for i in idle.values() for k in i.keys],
                       timeout=1), lb1.sync()
    check_idle(idle, "the preempt")
    first_end = check_downloads(pair, second, "the preempt after " + fault)
    # The transfers must have spanned the preempt, or nothing was tested.
    assert preempt < first_end, "the preempt came after the downloads ended"


@pytest.mark.skipif(not os.environ.get("HA_SOAK"), reason="make soak")
def test_nopreempt_return(dpvs_factory, tmp_path):
    """With nopreempt, lb1 comes back as a ready BACKUP and stays one."""
    with ha_pair(dpvs_factory, tmp_path, nopreempt=True,
                 workers=WORKERS) as pair:
        lb1, lb2 = pair.lbs
        idle, downloads = through_lb1(pair)
        pair.fault(lb1, "dpvs_kill")
        assert wait_for(lb2.has_vip, timeout=5)
        check_downloads(pair, downloads, "dpvs_kill")
        pair.restore(lb1, "dpvs_kill")
        assert wait_for(lambda: bulk_ready(lb1.sync()), timeout=10), lb1.sync()
        assert wait_synced(lb1, [k for i in idle.values() for k in i.keys],
                           timeout=1)
        t0 = now()
        # No preempt: lb2 keeps the VIP for several master-down intervals.
        assert not wait_for(lb1.has_vip, timeout=2)
        assert lb2.has_vip(), now() - t0
        check_idle(idle, "lb1's return without preempt")
