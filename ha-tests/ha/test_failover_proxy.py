"""Stateful failover of FullNAT connections that carry a PROXY protocol
header (docs/loadbalancing.md, "HA"): the BACKUP learns each one's
sequence shift from the sync record and goes on shifting after the
takeover, so the backend's byte stream stays whole.  Without that, the
next request would reach the backend 28 bytes off and the download's
acknowledgements would fall outside its window."""
from ha_pair import FNAT, bulk_ready, ha_pair, sanitizer_reports, dpvs_maker, \
    wait_synced
from waiting import wait_for


def test_failover_keeps_the_proxy_shift(tmp_path):
    with dpvs_maker(tmp_path) as (factory, made):
        try:
            with ha_pair(factory, tmp_path, proxy=True, big_s=6.0) as pair:
                lb1, lb2 = pair.lbs
                assert "proxy-protocol v2" in lb1.dpvs.adm("-L", "-n").stdout
                assert wait_for(lambda: bulk_ready(lb2.sync()), timeout=30)
                idle = pair.idle(FNAT, 4)
                # The backend saw the client, from the header.
                assert all(a.startswith("b") and a.endswith(
                    " 10.0.0.2:%d" % p) for a, p in
                    zip(idle.first["answers"], idle.lports)), idle.first
                download = pair.download(FNAT)
                assert wait_synced(lb2, set(idle.keys) | {download.key},
                                   timeout=5), lb2.sync()
                pair.fault(lb1, "dpvs_kill")
                assert wait_for(lb2.has_vip, timeout=5)
                r = download.result()
                assert not r["error"] and r["sha256"] == pair.big_sha256(), r
                answers, same = idle.again()
                assert same and answers == idle.first["answers"], answers
        finally:
            problems = sanitizer_reports(made)
            assert not problems, "\n".join(problems)
