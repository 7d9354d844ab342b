"""A reload of a large configuration (keepalived/patches/0018: the diff
looks virtual servers and checkers up in sorted indexes instead of
walking the lists): dpvs changes by exactly what the configuration
changed, and a real server whose check failed stays out."""
import time

from waiting import wait_for

NSVC = 3000

SERVICE = """virtual_server %s 80 {
    lb_algo %s
    lb_kind DR
    protocol TCP
    real_server %s 80 {
        weight 1
    }
    real_server %s 80 {
        weight 2
    }
}
"""

# A real server nobody answers (10.0.1.99): its check fails and
# keepalived takes it out; a reload must not bring it back.
CHECKED = """virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.1.11 80 {
        weight 1
    }
    real_server 10.0.1.99 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
            delay_before_retry 1
        }
    }
}
"""

GROUP = """virtual_server_group G1 {
    10.9.0.1 80
    10.9.0.2 80
}
virtual_server group G1 {
    lb_algo wlc
    lb_kind DR
    protocol TCP
    real_server 12.9.0.1 80 {
        weight 1
    }
}
"""


def v4(base, i):
    return "%d.%d.%d.%d" % (base, i >> 16 & 255, i >> 8 & 255, i & 255)


def config(changed=None):
    """NSVC v4 services, two v6 ones, a group and a checked one; the
    service numbered `changed` gets lb_algo rr instead of wlc."""
    parts = [SERVICE % (v4(11, i), "rr" if i == changed else "wlc",
                        v4(12, 2 * i), v4(12, 2 * i + 1))
             for i in range(NSVC)]
    parts += [SERVICE % ("2001:db8::%x" % i, "wlc", "2001:db8:1::%x" % (2 * i),
                         "2001:db8:1::%x" % (2 * i + 1)) for i in (1, 2)]
    return "".join(parts) + GROUP + CHECKED


def table(d):
    """dpvs's services and real servers, one sorted line each."""
    return d.adm("-S", "-n").stdout.splitlines()


def test_a_reload_changes_exactly_what_the_configuration_changed(lb, ka):
    d = lb["dpvs"]
    ka.write(config())
    ka.start("-C")
    assert wait_for(lambda: "-r 10.0.1.11:80" in "\n".join(table(d)) and
                    len(table(d)) >= 3 * NSVC, timeout=40), ka.text()[-3000:]
    # The check of 10.0.1.99 fails (connect_timeout 1, no retry): out.
    assert wait_for(lambda: "Removing service [10.0.1.99]:tcp:80" in ka.text(),
                    timeout=15), ka.text()[-3000:]
    time.sleep(2)   # keepalived's first comparison with dpvs has run
    before = table(d)
    assert not any("10.0.1.99" in l for l in before), before[-6:]
    assert any("-t 10.9.0.2:80" in l for l in before)
    assert any("2001:db8::2" in l for l in before)

    changed = NSVC // 2
    ka.write(config(changed))
    ka.proc.send_signal(1)   # SIGHUP
    edited = "-A -t %s:80 -s rr" % v4(11, changed)
    assert wait_for(lambda: edited in table(d), timeout=20), ka.text()[-3000:]
    time.sleep(2)   # and the comparison after the reload has run too
    after = table(d)
    gone = sorted(set(before) - set(after))
    new = sorted(set(after) - set(before))
    assert new == [edited], new[:10]
    assert gone == ["-A -t %s:80 -s wlc" % v4(11, changed)], gone[:10]
    assert len(after) == len(before)
    log = ka.text()
    assert "Removing Virtual Server" not in log
    assert "to match keepalived's state" not in log, log[-3000:]
