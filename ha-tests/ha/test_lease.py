"""The HA lease (docs/ha.md): a dpvs whose keepalived hangs or dies
drops the VIPs and silences its `ha` addresses by itself, so that
exactly one LB answers for them."""
import os
import signal
import time

import pytest

from ha_pair import HA_LADDRS, ha_pair
from servers import VIP
from waiting import wait_for

# The lease's TTL at advert_int 0.1 is 3 x 0.1 s - 20 ms, checked every
# 10 ms; the rest is margin for a 2-CPU machine and dpip's own start.
TTL_GONE_MAX = 0.5
CLOSE_GONE_MAX = 0.2


@pytest.fixture
def pair(dpvs_factory, tmp_path):
    with ha_pair(dpvs_factory, tmp_path) as p:
        yield p


def gone_after(lb, t0, timeout):
    """Seconds from t0 until lb holds no VIP (None: not within timeout)."""
    if not wait_for(lambda: not lb.has_vip(), timeout=timeout, step=0.005):
        return None
    return time.time() - t0


def only_owner(pair, lb):
    """lb holds the VIP and its ha addresses are active; the other LB
    holds neither, and the client hears one MAC for the VIP."""
    other = pair.lbs[1] if lb is pair.lbs[0] else pair.lbs[0]
    return (lb.has_vip() and not other.has_vip() and
            all(lb.ha_active(a) for a in HA_LADDRS) and
            all(other.ha_active(a) is False for a in HA_LADDRS) and
            pair.arp_macs(VIP) == {lb.mac()})


def test_lease_ends_with_keepalived(pair):
    lb1, lb2 = pair.lbs
    assert wait_for(lambda: only_owner(pair, lb1), timeout=10), (
        lb1.addrs(), lb2.addrs(), lb1.lease())
    assert "lease: held" in lb1.lease() and "lease: held" not in lb2.lease()

    # A hung keepalived: its lease runs out.
    pids = lb1.ka_pids()
    t0 = time.time()
    for pid in reversed(pids):
        os.kill(pid, signal.SIGSTOP)
    try:
        ttl = gone_after(lb1, t0, 3)
        print("\nlease: VIPs gone %s s after keepalived stopped (TTL)" % ttl)
        assert ttl is not None and ttl <= TTL_GONE_MAX, (ttl, lb1.addrs())
        assert wait_for(lambda: only_owner(pair, lb2), timeout=5), (
            lb1.addrs(), lb2.addrs(), pair.arp_macs(VIP))
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    # Back, it takes over again (preempt), and one LB answers.
    assert wait_for(lambda: only_owner(pair, lb1), timeout=15), (
        lb1.addrs(), lb2.addrs(), lb1.ka.text()[-2000:])

    # A dead keepalived: its connection closes, the lease ends at once.
    t0 = time.time()
    lb1.kill_ka()
    closed = gone_after(lb1, t0, 3)
    print("lease: VIPs gone %s s after keepalived was killed (close)" % closed)
    assert closed is not None and closed <= CLOSE_GONE_MAX, (closed, lb1.addrs())
    assert "lease: held" not in lb1.lease()
    assert wait_for(lambda: only_owner(pair, lb2), timeout=5), (
        lb1.addrs(), lb2.addrs(), pair.arp_macs(VIP))
    assert "lease: held" in lb2.lease()
