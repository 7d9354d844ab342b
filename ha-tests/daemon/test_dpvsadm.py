"""dpvsadm against a real daemon: -S/-R round trips, listings, errors."""
import subprocess

import pytest

from dpvsd import DPVSADM

DEVICES = [("dpdk0", "net_null0,no-rx=1", 1, 1)]
LADDRS = ("10.0.1.100/24", "10.0.1.101/24")

# Several services: schedulers, methods, weights, thresholds, persistence,
# scheduler flags, local addresses.  Given out of order on purpose.
TABLE = [
    ("-A", "-t", "10.0.0.100:80", "-s", "rr"),
    ("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100"),
    ("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.101", "-F", "dpdk0"),
    ("-a", "-t", "10.0.0.100:80", "-r", "10.0.1.12:80", "-b"),
    ("-a", "-t", "10.0.0.100:80", "-r", "10.0.1.11:8080", "-b", "-w", "3",
     "-x", "100", "-y", "50"),
    ("-A", "-t", "10.0.0.100:443", "-s", "sh", "-b", "sh-fallback,sh-port",
     "-p", "600", "-M", "255.255.255.0"),
    ("-a", "-t", "10.0.0.100:443", "-r", "10.0.1.13:443", "-m", "-w", "0"),
    ("-a", "-t", "10.0.0.100:443", "-r", "10.0.1.14:8443", "-m", "-w", "2",
     "-y", "7"),
    ("-A", "-u", "10.0.0.100:53", "-p"),
    ("-a", "-u", "10.0.0.100:53", "-r", "10.0.1.12", "-i", "-x", "10"),
    ("-a", "-u", "10.0.0.100:53", "-r", "10.0.1.11", "-g", "-w", "65535"),
    ("-A", "-t", "10.0.0.99:0", "-s", "mh", "-b", "mh-port", "-p", "60",
     "-M", "16"),
    ("-a", "-t", "10.0.0.99:0", "-r", "10.0.1.14", "-g"),
    ("-A", "-u", "10.0.0.98:5000", "-s", "wrr"),
    ("-P", "-u", "10.0.0.98:5000", "-z", "10.0.1.101"),
    ("-a", "-u", "10.0.0.98:5000", "-r", "10.0.1.15:6000", "-b", "-w", "5"),
    ("-A", "-t", "10.0.0.5:22"),
    ("-E", "-t", "10.0.0.5:22", "-s", "lc"),
]

# Views that must come out the same from the original and the copy.
VIEWS = [("-L", "-n"), ("-L", "-n", "--thresholds"),
         ("-L", "-n", "--persistent-conn"), ("-S", "-n"), ("-G",)]


def new_daemon(dpvs_factory):
    d = dpvs_factory(devices=DEVICES).start()
    for a in LADDRS:
        d.dpip("addr", "add", a, "dev", "dpdk0", "sapool")
    return d


def restore(d, text, *extra):
    return subprocess.run([DPVSADM, "--ipc-file", d.ipc, "-R"] + list(extra),
                          input=text, capture_output=True, text=True,
                          timeout=60)


def views(d):
    return {v: d.adm(*v).stdout for v in VIEWS}


def test_save_prints_every_object(dpvs_factory):
    d = new_daemon(dpvs_factory)
    for cmd in TABLE:
        d.adm(*cmd)
    saved = d.adm("-S").stdout
    assert d.adm("-S", "-n").stdout == saved
    assert d.adm("--save", "--sort").stdout == saved
    lines = saved.splitlines()
    for want in [
            "-A -t 10.0.0.100:80 -s rr",
            "-P -t 10.0.0.100:80 -z 10.0.1.100 -F dpdk0",
            "-P -t 10.0.0.100:80 -z 10.0.1.101 -F dpdk0",
            "-a -t 10.0.0.100:80 -r 10.0.1.11:8080 -b -w 3 -x 100 -y 50",
            "-a -t 10.0.0.100:80 -r 10.0.1.12:80 -b -w 1",
            "-A -t 10.0.0.100:443 -s sh -b sh-fallback,sh-port -p 600 "
            "-M 255.255.255.0",
            "-a -t 10.0.0.100:443 -r 10.0.1.13:443 -m -w 0",
            "-a -t 10.0.0.100:443 -r 10.0.1.14:8443 -m -w 2 -y 7",
            "-A -u 10.0.0.100:53 -s wlc -p 300",
            "-a -u 10.0.0.100:53 -r 10.0.1.12:53 -i -w 1 -x 10",
            "-a -u 10.0.0.100:53 -r 10.0.1.11:53 -g -w 65535",
            "-A -t 10.0.0.99:0 -s mh -b mh-port -p 60 -M 255.255.0.0",
            "-A -t 10.0.0.5:22 -s lc"]:
        assert want in lines, (want, saved)
    assert len(lines) == len(TABLE) - 1  # -E changes a line, adds none
    # Sorted by protocol, address, port: every -A in that order, and each
    # service's -P then -a lines right after it.
    services = [l.split()[1:3] for l in lines if l.startswith("-A ")]
    assert services == [["-t", "10.0.0.5:22"], ["-t", "10.0.0.99:0"],
                        ["-t", "10.0.0.100:80"], ["-t", "10.0.0.100:443"],
                        ["-u", "10.0.0.98:5000"], ["-u", "10.0.0.100:53"]]
    i = lines.index("-A -t 10.0.0.100:80 -s rr")
    assert [l[:2] for l in lines[i:i + 5]] == ["-A", "-P", "-P", "-a", "-a"]


def test_save_restore_recreates_the_table(dpvs_factory):
    a = new_daemon(dpvs_factory)
    for cmd in TABLE:
        a.adm(*cmd)
    saved = a.adm("-S").stdout
    b = new_daemon(dpvs_factory)
    assert "size=0" in b.adm("-L", "-n").stdout
    r = restore(b, saved)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == ""
    va, vb = views(a), views(b)
    for v in VIEWS:
        assert va[v] == vb[v], (v, va[v], vb[v])
    assert "size=6" in vb[("-L", "-n")]
    # Again: everything exists already, line 1 is refused, nothing after.
    r = restore(b, saved)
    assert r.returncode == 1
    assert r.stderr == ("dpvsadm: restore: line 1: add-service: service "
                        "TCP 10.0.0.5:22 already exists\n")
    assert views(b) == va


def test_restore_after_clear_and_in_dpvs_order(dpvs_factory):
    """-C then -R of a --nosort save brings the same table back."""
    d = new_daemon(dpvs_factory)
    for cmd in TABLE:
        d.adm(*cmd)
    before = views(d)
    saved = d.adm("-S", "--nosort").stdout
    assert sorted(saved.splitlines()) == sorted(d.adm("-S").stdout.splitlines())
    d.adm("-C")
    assert "size=0" in d.adm("-L", "-n").stdout
    r = restore(d, saved)
    assert r.returncode == 0, r.stderr
    assert views(d) == before
    assert d.adm("-S", "--nosort").stdout == saved


def test_restore_input_forms(dpvs_factory):
    """Comments, blank lines, the program name, extra blanks, CRLF."""
    d = new_daemon(dpvs_factory)
    text = ("# dpvsadm rules\n"
            "\n"
            "   \t\n"
            "dpvsadm -A -t 10.0.0.100:80 -s rr\n"
            "  # indented comment\n"
            "/usr/sbin/dpvsadm -P -t 10.0.0.100:80 -z 10.0.1.100\n"
            "-a  -t\t10.0.0.100:80 -r 10.0.1.11:8080 -b -w 2\r\n"
            "ipvsadm --add-server --tcp-service=10.0.0.100:80 "
            "--real-server 10.0.1.12 --fullnat\n"
            "-A -u 10.0.0.100:53 -s sh --sched-flags sh-port\n"
            "-e -t 10.0.0.100:80 -r 10.0.1.11:8080 -x 9\n"
            "--set 0 0 77\n"
            "-a -u 10.0.0.100:53 -r 10.0.1.12 -m\n"
            "-d -u 10.0.0.100:53 -r 10.0.1.12\n"
            "-a -u 10.0.0.100:53 -r 10.0.1.13 -m")   # no final newline
    r = restore(d, text)
    assert r.returncode == 0, r.stderr
    assert d.adm("-S").stdout == (
        "-A -t 10.0.0.100:80 -s rr\n"
        "-P -t 10.0.0.100:80 -z 10.0.1.100 -F dpdk0\n"
        "-a -t 10.0.0.100:80 -r 10.0.1.11:8080 -b -w 2 -x 9\n"
        "-a -t 10.0.0.100:80 -r 10.0.1.12:80 -b -w 1\n"
        "-A -u 10.0.0.100:53 -s sh -b sh-port\n"
        "-a -u 10.0.0.100:53 -r 10.0.1.13:53 -m -w 1\n")
    assert d.adm("-L", "--timeout").stdout == \
        "Timeout (tcp tcpfin udp): 900 120 77\n"
    # Empty input, or only comments: nothing to do.
    for text in ("", "# nothing\n\n"):
        r = restore(d, text)
        assert (r.returncode, r.stderr) == (0, "")


def test_restore_rejects_a_bad_line_with_its_number(dpvs_factory):
    d = new_daemon(dpvs_factory)
    good = "-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.1.11 -m\n"
    cases = [
        ("# c\n-A -t 10.0.0.300:80\n", 2,
         "illegal virtual service address '10.0.0.300:80'"),
        ("\n-A -t 10.0.0.101:80 -s rr -x 3\n", 2,
         "Illegal 'u-threshold (-x)' option with the 'add-service' command"),
        ("-L -n\n", 1, "'list' does not change the table"),
        ("-S\n", 1, "'save' does not change the table"),
        ("-R\n", 1, "'restore' does not change the table"),
        ("dpvsadm\n", 1, "no command given"),
        ("bogus -A -t 10.0.0.101:80\n", 1, "unexpected argument 'bogus'"),
        ("-A -t 10.0.0.101:80 --ipc-file /tmp/x\n", 1, "--ipc-file"),
        ("-A -t 10.0.0.101:80 -s rr -w 1\n", 1, "Illegal 'weight (-w)'"),
    ]
    for bad, at, msg in cases:
        r = restore(d, good + bad + "-A -t 10.0.0.102:80\n")
        n = good.count("\n") + at
        assert r.returncode == 1, (bad, r.stderr)
        assert r.stderr.startswith("dpvsadm: restore: line %d: " % n), \
            (bad, r.stderr)
        assert msg in r.stderr, (bad, r.stderr)
        # The input is checked before anything is applied.
        assert "size=0" in d.adm("-L", "-n").stdout, bad
    # A line dpvs refuses stops the restore there: the lines before it
    # are applied, the ones after are not.
    r = restore(d, good + "-a -t 10.0.0.101:80 -r 10.0.1.12 -m\n"
                "-A -t 10.0.0.102:80\n")
    assert r.returncode == 1
    assert r.stderr == ("dpvsadm: restore: line 3: add-server: no such "
                        "service TCP 10.0.0.101:80\n")
    assert d.adm("-S").stdout == ("-A -t 10.0.0.100:80 -s rr\n"
                                  "-a -t 10.0.0.100:80 -r 10.0.1.11:80 "
                                  "-m -w 1\n")
    r = restore(d, "\n\n-P -t 10.0.0.100:80 -z 10.0.0.77\n")
    assert r.returncode == 1
    assert r.stderr.startswith("dpvsadm: restore: line 3: add-laddr: "
                               "10.0.0.77 is not an address of this host")
    # -R takes no other option; that is a usage error (2).
    r = restore(d, good, "-t", "10.0.0.100:80")
    assert r.returncode == 2
    assert "Illegal 'service-address (-t|-u)' option with the 'restore' " \
        "command" in r.stderr


def test_timeout_listing(dpvs_factory):
    d = new_daemon(dpvs_factory)
    assert d.adm("-L", "--timeout").stdout == \
        "Timeout (tcp tcpfin udp): 900 120 300\n"
    d.adm("--set", "100", "50", "20")
    assert d.adm("-L", "--timeout").stdout == \
        "Timeout (tcp tcpfin udp): 100 50 20\n"
    assert d.adm("-l", "--timeout", "-n").stdout == \
        "Timeout (tcp tcpfin udp): 100 50 20\n"
    d.adm("--set", "0", "0", "30")      # 0 leaves a value as it is
    assert d.adm("-L", "--timeout").stdout == \
        "Timeout (tcp tcpfin udp): 100 50 30\n"
    for bad in (("-L", "--timeout", "--stats"),
                ("-L", "--timeout", "-c"),
                ("-L", "--timeout", "-t", "10.0.0.100:80"),
                ("--set", "1", "2"), ("--set", "1", "2", "x")):
        r = d.adm(*bad, check=False)
        assert r.returncode == 2, (bad, r.stdout, r.stderr)
        assert "Try 'dpvsadm -h'" in r.stderr


def test_list_sort_exact(dpvs_factory):
    d = new_daemon(dpvs_factory)
    for cmd in TABLE:
        d.adm(*cmd)
    plain = d.adm("-L", "-n").stdout
    assert d.adm("-L", "-n", "--sort").stdout == plain
    assert d.adm("-Ln", "--exact").stdout == plain
    assert d.adm("-L", "-n", "-X", "--stats").stdout == \
        d.adm("-L", "-n", "--stats").stdout
    body = [l for l in plain.splitlines()
            if l.startswith(("TCP", "UDP", "  ->"))][1:]
    services = [l.split()[:2] for l in body if not l.startswith("  ->")]
    assert services == [["TCP", "10.0.0.5:22"], ["TCP", "10.0.0.99:0"],
                        ["TCP", "10.0.0.100:80"], ["TCP", "10.0.0.100:443"],
                        ["UDP", "10.0.0.98:5000"], ["UDP", "10.0.0.100:53"]]
    i = body.index([l for l in body if "10.0.0.100:80 " in l][0])
    assert [l.split()[1] for l in body[i + 1:i + 3]] == \
        ["10.0.1.11:8080", "10.0.1.12:80"]
    unsorted = d.adm("-L", "-n", "--nosort").stdout
    assert sorted(unsorted.splitlines()) == sorted(plain.splitlines())
    one = d.adm("-L", "-n", "-t", "10.0.0.100:80", "--sort").stdout
    assert one.splitlines()[2:] == body[i:i + 3]
    for bad in (("-L", "--sort", "--nosort"), ("-A", "-t", "10.0.0.1:1",
                                               "--sort"),
                ("-L", "--sort", "--sort")):
        r = d.adm(*bad, check=False)
        assert r.returncode == 2, (bad, r.stdout, r.stderr)


def test_refusals_name_what_is_missing_or_there(dpvs_factory):
    d = new_daemon(dpvs_factory)
    d.adm("-A", "-t", "10.0.0.100:80", "-s", "rr")
    d.adm("-a", "-t", "10.0.0.100:80", "-r", "10.0.1.11", "-m")
    d.adm("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100")
    svc = ("-t", "10.0.0.100:80")
    nosvc = ("-t", "10.0.0.102:80")
    cases = [
        (("-A",) + svc, "add-service: service TCP 10.0.0.100:80 already "
         "exists"),
        (("-D",) + nosvc, "delete-service: no such service TCP "
         "10.0.0.102:80"),
        (("-E",) + nosvc + ("-s", "wlc"), "edit-service: no such service "
         "TCP 10.0.0.102:80"),
        (("-Z",) + nosvc, "zero: no such service TCP 10.0.0.102:80"),
        (("-L", "-n") + nosvc, "list: no such service TCP 10.0.0.102:80"),
        (("-G",) + nosvc, "get-laddr: no such service TCP 10.0.0.102:80"),
        (("-a",) + nosvc + ("-r", "10.0.1.11"), "add-server: no such "
         "service TCP 10.0.0.102:80"),
        (("-a",) + svc + ("-r", "10.0.1.11", "-m"), "add-server: real "
         "server 10.0.1.11:80 already exists in service TCP 10.0.0.100:80"),
        (("-e",) + svc + ("-r", "10.0.1.12", "-w", "2"), "edit-server: no "
         "such real server 10.0.1.12:80 in service TCP 10.0.0.100:80"),
        (("-e",) + nosvc + ("-r", "10.0.1.12", "-w", "2"), "edit-server: "
         "no such service TCP 10.0.0.102:80"),
        (("-d",) + svc + ("-r", "10.0.1.12"), "delete-server: no such real "
         "server 10.0.1.12:80 in service TCP 10.0.0.100:80"),
        (("-P",) + svc + ("-z", "10.0.1.100"), "add-laddr: local address "
         "10.0.1.100 already exists in service TCP 10.0.0.100:80"),
        (("-P",) + nosvc + ("-z", "10.0.1.100"), "add-laddr: no such "
         "service TCP 10.0.0.102:80"),
        (("-P",) + svc + ("-z", "10.0.1.101", "-F", "dpdk9"), "add-laddr: "
         "no device named 'dpdk9'"),
        (("-Q",) + svc + ("-z", "10.0.1.101"), "del-laddr: no such local "
         "address 10.0.1.101 in service TCP 10.0.0.100:80"),
        (("-A", "-t", "10.0.0.101:80", "-s", "bogus"), "add-service: "
         "unknown scheduler 'bogus'"),
    ]
    for args, msg in cases:
        r = d.adm(*args, check=False)
        assert (r.returncode, r.stderr) == (1, "dpvsadm: %s\n" % msg), args
    r = subprocess.run([DPVSADM, "--ipc-file", d.ipc + ".none", "-L"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "cannot connect to %s.none" % d.ipc in r.stderr
    assert "is dpvs running?" in r.stderr


def test_deleted_services_give_their_slot_back(dpvs_factory):
    """Room for 16 services stays room for 16 after 64 adds and deletes
    (the lock-free service table keeps a deleted key's slot until it is
    freed explicitly)."""
    d = dpvs_factory(devices=DEVICES,
                     sections={"ipvs": ["max_services = 16;"]}).start()
    for i in range(64):
        d.adm("-A", "-t", "10.0.0.100:%d" % (1000 + i))
        d.adm("-D", "-t", "10.0.0.100:%d" % (1000 + i))
    for i in range(16):
        r = d.adm("-A", "-t", "10.0.0.100:%d" % (2000 + i), check=False)
        assert r.returncode == 0, "service %d: %s" % (i + 1, r.stderr)
    assert d.adm("-L", "-n").stdout.count("TCP  10.0.0.100:") == 16


# ---- IPv6 and NAT64 (issue 15) ----

V6_TABLE = [
    ("-A", "-t", "[2001:db8::1]:80", "-s", "rr", "-p", "300", "-M", "64"),
    ("-a", "-t", "[2001:db8::1]:80", "-r", "[2001:db8:2::11]:80", "-b"),
    ("-a", "-t", "[2001:db8::1]:80", "-r", "10.0.1.11:8080", "-b", "-w",
     "2"),
    ("-A", "-u", "[2001:db8::1]:53", "-s", "wrr"),
    ("-a", "-u", "[2001:db8::1]:53", "-r", "2001:db8:2::12", "-g"),
]
V6_NOT_YET = "IPv6 is not supported by this dpvs's load balancer yet"


def v6_services_supported(d):
    """False (with dpvs's words checked) while its ipvs layer is v4 only."""
    r = d.adm("-A", "-t", "[2001:db8::7]:80", check=False)
    if r.returncode == 0:
        d.adm("-D", "-t", "[2001:db8::7]:80")
        return True
    assert r.returncode == 1
    assert r.stderr == "dpvsadm: add-service: service: %s\n" % V6_NOT_YET
    return False


def test_v6_service_refusal_reads_cleanly(dpvs_factory):
    """Today's ipvs layer refuses IPv6 in words; the tool's own checks
    (brackets, -M, family pairs) refuse before connecting (exit 2)."""
    d = new_daemon(dpvs_factory)
    supported = v6_services_supported(d)
    for args, msg in [
            (("-A", "-t", "[2001:db8::1]:80", "-p", "-M", "255.0.0.0"),
             "-M on an IPv6 service is a prefix length (1..128), not "
             "'255.0.0.0'"),
            (("-a", "-t", "[2001:db8::1]:80", "-r", "10.0.1.11:80", "-g"),
             "mixed families: only FullNAT (-b) from an IPv6 service to "
             "IPv4 real servers (NAT64)"),
            (("-A", "-t", "2001:db8::1:80"), "Zero port specified")]:
        r = d.adm(*args, check=False)
        assert r.returncode == 2, (args, r.stderr)
        assert msg in r.stderr, (args, r.stderr)
    # A v6 server under a v4 service is no NAT64: refused too.
    d.adm("-A", "-t", "10.0.0.100:80")
    r = d.adm("-a", "-t", "10.0.0.100:80", "-r", "[2001:db8:2::11]:80", "-b",
              check=False)
    assert r.returncode == 2 and "mixed families" in r.stderr
    # A v4 table next to it is untouched and lists as before.
    assert "TCP  10.0.0.100:80 wlc" in d.adm("-L", "-n").stdout
    if not supported:
        assert "2001:db8" not in d.adm("-S").stdout


def test_v6_list_format_and_save_restore_round_trip(dpvs_factory):
    a = new_daemon(dpvs_factory)
    if not v6_services_supported(a):
        pytest.skip("dpvs's ipvs layer answers EAFNOSUPPORT for IPv6 "
                    "services (the v6 tables are not merged yet)")
    for cmd in TABLE + V6_TABLE:
        a.adm(*cmd)
    listing = a.adm("-L", "-n").stdout
    assert "TCP  [2001:db8::1]:80 rr persistent 300 mask 64" in listing
    assert "  -> [2001:db8:2::11]:80" in listing
    assert "  -> 10.0.1.11:8080" in listing            # NAT64
    saved = a.adm("-S").stdout
    lines = saved.splitlines()
    for want in ["-A -t [2001:db8::1]:80 -s rr -p 300 -M 64",
                 "-a -t [2001:db8::1]:80 -r [2001:db8:2::11]:80 -b -w 1",
                 "-a -t [2001:db8::1]:80 -r 10.0.1.11:8080 -b -w 2",
                 "-A -u [2001:db8::1]:53 -s wrr",
                 "-a -u [2001:db8::1]:53 -r [2001:db8:2::12]:53 -g -w 1"]:
        assert want in lines, (want, saved)
    # IPv4 services sort before IPv6 ones of the same protocol.
    tcp = [l.split()[2] for l in lines if l.startswith("-A -t ")]
    assert tcp[-1] == "[2001:db8::1]:80", tcp
    b = new_daemon(dpvs_factory)
    r = restore(b, saved)
    assert r.returncode == 0, r.stderr
    va, vb = views(a), views(b)
    for v in VIEWS:
        assert va[v] == vb[v], (v, va[v], vb[v])
