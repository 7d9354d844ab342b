#!/usr/bin/python3
"""make demo-ha: an active/standby pair driven by keepalived.

Builds the topology of ha-tests/ha/test_vrrp.py (a client, two LB hosts
each with dpvs and keepalived, three web servers, one L2 segment), shows
the MASTER serving the VIP, kills the MASTER's dpvs, and shows the VIP
and the traffic move to the BACKUP.  Everything is removed at the end.
The set-up is the system tests' own (ha-tests/lib), not a copy.
"""
import os
import pathlib
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ha-tests", "lib"))

from dpvsd import Dpvs  # noqa: E402
from netns import sh  # noqa: E402
from servers import curl_many  # noqa: E402
from vrrp_pair import has_vip, vrrp_pair  # noqa: E402
from waiting import wait_for  # noqa: E402


def say(text):
    print("\n\033[1m# %s\033[0m" % text, flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="dpvs-demo-ha.")
    made = []

    def factory(**kw):
        d = Dpvs(tmp, **kw)
        made.append(d)
        return d

    try:
        with vrrp_pair(factory, pathlib.Path(tmp)) as pair:
            show(pair)
    finally:
        for d in made:
            d.stop()
        say("Done: namespaces and daemons removed")


def show(pair):
    lb1, lb2 = pair["lbs"]
    say("Two LB hosts: lb1 (priority 150) and lb2 (100), keepalived on each")
    wait_for(lambda: has_vip(lb1), timeout=20)
    for name, lb in (("lb1", lb1), ("lb2", lb2)):
        print("%s addresses:" % name)
        print(lb["dpvs"].dpip("addr", "show").stdout.rstrip())
    say("lb1 is MASTER: its dpvs holds the VIP; keepalived programmed it")
    print(lb1["dpvs"].adm("-L", "-n").stdout.rstrip())
    say("A client asks the VIP 12 times")
    print(dict(curl_many(pair["cl"], "http://10.0.0.100/", 12)))
    say("lb1's dpvs dies")
    t0 = time.time()
    lb1["dpvs"].proc.kill()
    lb1["dpvs"].proc.wait()
    wait_for(lambda: sh("curl", "-s", "-m", "1", "http://10.0.0.100/",
                        ns=pair["cl"], check=False).returncode == 0,
             timeout=20, step=0.2)
    print("first answer again after %.1f s" % (time.time() - t0))
    say("lb2 took over the VIP (gratuitous ARP from its dpvs)")
    print(lb2["dpvs"].dpip("addr", "show").stdout.rstrip())
    print(dict(curl_many(pair["cl"], "http://10.0.0.100/", 12)))


if __name__ == "__main__":
    main()
