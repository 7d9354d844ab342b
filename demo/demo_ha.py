#!/usr/bin/python3
"""make demo-ha: a stateful active/standby pair driven by keepalived.

Builds the topology of ha-tests/ha/test_failover.py (a client, two LB
hosts each with dpvs and keepalived, VRRPv3 every 0.1 s, connection
sync with a shared key, shared `ha` local addresses, FullNAT, NAT and
DR web servers on one L2 segment), shows the MASTER serving the VIP,
opens 20 idle keep-alive connections and one long download through it,
kills the MASTER's dpvs, and shows the VIP, the traffic and the
established connections carry on at the BACKUP.  Everything is removed
at the end.  The set-up is the system tests' own (ha-tests/lib).
"""
import os
import pathlib
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "ha-tests", "lib"))

from ha_pair import FNAT, dpvs_maker, ha_pair, wait_synced  # noqa: E402
from netns import sh  # noqa: E402
from servers import curl_many  # noqa: E402
from waiting import wait_for  # noqa: E402

N_IDLE = 20


def say(text):
    print("\n\033[1m# %s\033[0m" % text, flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="dpvs-demo-ha.")
    try:
        with dpvs_maker(tmp) as (factory, _), \
                ha_pair(factory, pathlib.Path(tmp), start=False) as pair:
            show(pair)
    finally:
        say("Done: namespaces and daemons removed")


def show(pair):
    lb1, lb2 = pair.lbs
    say("Two LB hosts: lb1 (priority 150) and lb2 (100), keepalived on each,"
        " adverts every 0.1 s")
    pair.start()
    for lb in (lb1, lb2):
        print("%s addresses:" % lb.name)
        print(lb.addrs().rstrip())
    say("lb1 is MASTER: its dpvs holds the VIP; keepalived programmed it")
    print(lb1.dpvs.adm("-L", "-n").stdout.rstrip())
    say("A client asks the VIP 12 times")
    print(dict(curl_many(pair.cl, "http://10.0.0.100/", 12)))
    say("%d idle keep-alive connections and one 32 MB download through lb1"
        % N_IDLE)
    idle = pair.idle(FNAT, N_IDLE)
    download = pair.download(FNAT, 8)
    synced = wait_synced(lb2, idle.keys + [download.key], timeout=5)
    print("lb2 lists %s of them (connection sync)" % (
        "all" if synced else "NOT all"))
    print(lb2.dpvs.ctl("sync").stdout.rstrip())
    prober = pair.probe()
    say("lb1's dpvs dies")
    t0 = time.time()
    lb1.dpvs.proc.kill()
    lb1.dpvs.proc.wait()
    wait_for(lambda: sh("curl", "-s", "-m", "1", "http://10.0.0.100/",
                        ns=pair.cl, check=False).returncode == 0,
             timeout=20, step=0.2)
    print("first answer again after %.1f s" % (time.time() - t0))
    say("lb2 took over the VIP and the ha local addresses (gratuitous ARP)")
    print(lb2.addrs().rstrip())
    print(dict(curl_many(pair.cl, "http://10.0.0.100/", 12)))
    answers, same = idle.again()
    got = download.result()
    alive = sum(a.startswith("b") for a in answers) if same else 0
    alive += not got["error"] and got["sha256"] == pair.big_sha256()
    first = prober.first_after(t0, FNAT)
    print("download: %d bytes, longest stall %.2f s%s" % (
        got["bytes"], got["max_gap"],
        ", " + got["error"] if got["error"] else ""))
    print("failover: first new connection after %s s" % (
        "%.2f" % first if first is not None else "(none)"))
    print("established connections surviving failover: %d of %d" % (
        alive, N_IDLE + 1))


if __name__ == "__main__":
    main()
