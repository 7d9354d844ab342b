"""The HA control surface (docs/ha.md, docs/dpvsctl.md): the lease held
by a control connection (`dpvsctl ha`, `ha hold`), `dpvsctl sync start`'s
checks of its arguments and key file, root only, and the HA address
flags through dpip."""
import hashlib
import os
import signal
import socket
import struct
import subprocess
import time

from dpvsd import DPVSCTL
from test_ctrl import STATUS, as_nobody, connect, frame, read_reply
from test_ctrl import open_dir  # noqa: F401 (a fixture)


def ha_show(d):
    r = d.ctl("ha", check=True)
    return r.stdout


def hold(d, *args):
    """`dpvsctl ha hold` in the background, once it says it holds."""
    p = subprocess.Popen([DPVSCTL, "-x", d.ipc, "ha", "hold"] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    assert line.startswith("lease: held"), (line, p.stderr.read())
    return p


def wait_for(fn, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.05)
    return fn()


def test_lease_held_by_one_connection(dpvs):
    assert "lease: not held" in ha_show(dpvs)
    p = hold(dpvs, "--ttl", "300")
    try:
        out = ha_show(dpvs)
        assert "lease: held" in out and "holder pid %d" % p.pid in out, out
        # Renewed every 100 ms: still held well past one ttl.
        time.sleep(0.8)
        assert "lease: held" in ha_show(dpvs)
        # A second holder is refused with the daemon's reason.
        r = dpvs.ctl("ha", "hold", "--for", "1", timeout=10)
        assert r.returncode == 1
        assert "held by another connection (pid %d" % p.pid in r.stderr, r.stderr
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
    out = ha_show(dpvs)
    assert "lease: not held" in out and "released 1" in out, out


def test_lease_ends_when_its_connection_closes(dpvs):
    p = hold(dpvs, "--ttl", "60000")
    p.kill()
    p.wait(timeout=10)
    # The close hook, not the 60 s ttl.
    assert wait_for(lambda: "lease: not held" in ha_show(dpvs), 2.0)
    assert "lost 1" in ha_show(dpvs)
    # --for ends by itself, releasing.
    r = dpvs.ctl("ha", "hold", "--ttl", "200", "--for", "1", timeout=10)
    assert r.returncode == 0 and "lease: released" in r.stdout, r.stderr
    assert "released 1" in ha_show(dpvs)


def key_file(tmp_path, data, mode=0o600, name="sync.key"):
    path = tmp_path / name
    path.write_bytes(data)
    os.chmod(path, mode)
    return str(path)


START = ["sync", "start", "--role", "backup", "--iface", "lo",
         "--syncid", "51"]


BAD_KEY_FILES = [
    (b"k" * 32, 0o644, "lets group or others at it"),
    (b"k" * 32, 0o640, "lets group or others at it"),
    (b"k" * 31, 0o600, "31 bytes"),
    (b"k" * 65, 0o600, "65 bytes"),
    (b"ab" * 31 + b"\n", 0o600, "62 hex digits"),
    (b"a" * 65, 0o600, "65 hex digits"),
    (b"ab" * 65, 0o600, "130 hex digits"),
]

BAD_ARGS = [
    (["--role", "slave"], "--role slave"),
    (["--syncid", "256"], "--syncid 256"),
    (["--port", "0"], "--port 0"),
    (["--ttl", "0"], "--ttl 0"),
    (["--maxlen", "103"], "--maxlen 103"),
    (["--maxlen", "10273"], "--maxlen 10273"),
    (["--group", "10.0.0.1"], "not a multicast address"),
    (["--peer", "224.0.0.81"], "not a unicast address"),
    (["--iface", "a-very-long-ifname"], "1 to 15 bytes"),
    (["--group", "224.0.0.81", "--peer", "10.0.0.12"], "not both"),
    (["--bogus", "1"], "unknown option"),
]


def test_sync_start_refuses_bad_key_files_and_arguments(dpvs, tmp_path):
    """Each refused with its reason (exit 2), before dpvs hears of it."""
    for i, (data, mode, why) in enumerate(BAD_KEY_FILES):
        path = key_file(tmp_path, data, mode, "k%d" % i)
        r = dpvs.ctl(*START, "--key-file", path)
        assert r.returncode == 2 and why in r.stderr, (why, r.stderr)
    key = key_file(tmp_path, os.urandom(32))
    for args, why in BAD_ARGS:
        r = dpvs.ctl(*START, "--key-file", key, *args)
        assert r.returncode == 2 and why in r.stderr, (args, r.stderr)
    assert "role: none" in dpvs.ctl("sync", check=True).stdout


def test_sync_start_needs_a_key(dpvs):
    r = dpvs.ctl(*START)
    assert r.returncode == 2 and "--key-file is needed" in r.stderr


def test_sync_start_hex_key_shows_its_fingerprint(dpvs, tmp_path):
    key = os.urandom(48)
    path = key_file(tmp_path, key.hex().encode()[:48] + b"\n  " +
                    key.hex().encode()[48:] + b"\n")
    r = dpvs.ctl(*START, "--key-file", path, "--peer", "10.0.0.12",
                 "--port", "8849", "--maxlen", "1400")
    assert r.returncode == 0, r.stderr
    try:
        out = dpvs.ctl("sync", check=True).stdout
        fp = hashlib.sha256(key).hexdigest()[:8]
        assert "role: BACKUP  syncid 51  iface lo  peer 10.0.0.12:8849" in out
        assert "maxlen 1400  key %s" % fp in out, out
        # The key itself never comes back.
        assert key.hex()[:16] not in out
    finally:
        dpvs.ctl("sync", "stop", "all", check=True)
    assert "role: none" in dpvs.ctl("sync", check=True).stdout


def test_sync_start_root_only(dpvs_factory, open_dir, tmp_path):  # noqa: F811
    d = dpvs_factory(workdir=open_dir,
                     devices=[("dpdk0", "net_null0,no-rx=1", 1, 1)],
                     sections={"ctrl": ['group = "nogroup";']}).start()
    os.chmod(d.dir, 0o755)
    keydir = os.path.join(open_dir, "keys")
    os.mkdir(keydir, 0o755)
    path = os.path.join(keydir, "sync.key")
    with open(path, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(path, 0o600)
    os.chown(path, 65534, 65534)
    r = as_nobody([DPVSCTL, "-x", d.ipc] + START + ["--key-file", path])
    assert r.returncode == 1, r.stderr
    assert "only root may start sync" in r.stderr, r.stderr
    # What a group member may do: read the state, hold the lease.
    assert as_nobody([DPVSCTL, "-x", d.ipc, "sync"]).returncode == 0
    r = as_nobody([DPVSCTL, "-x", d.ipc, "ha", "hold", "--ttl", "100",
                   "--for", "1"])
    assert r.returncode == 0, r.stderr


def test_usage_errors_before_connecting(tmp_path):
    nowhere = str(tmp_path / "none.ipc")
    for args in (["sync", "stop"], ["sync", "stop", "both"],
                 ["sync", "frobnicate"], ["ha", "hold", "--ttl", "10"],
                 ["ha", "hold", "--for", "0"], ["ha", "take"]):
        r = subprocess.run([DPVSCTL, "-x", nowhere] + args,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (args, r.stderr)
        assert "cannot connect" not in r.stderr


def test_ha_address_flags(dpvs):
    dpvs.dpip("addr", "add", "10.0.1.110/32", "dev", "dpdk0", "sapool", "ha")
    dpvs.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0", "leased")
    out = dpvs.dpip("addr", "show").stdout
    assert "dpdk0: inet 10.0.1.110/32 sapool ha inactive\n" in out, out
    assert "dpdk0: inet 10.0.0.100/32 leased\n" in out, out
    assert "ha addresses: 1 (inactive)  leased addresses: 1" in ha_show(dpvs)
    p = hold(dpvs, "--ttl", "1000")
    try:
        out = dpvs.dpip("addr", "show").stdout
        assert "dpdk0: inet 10.0.1.110/32 sapool ha\n" in out, out
        assert "ha addresses: 1 (active)" in ha_show(dpvs)
    finally:
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=10) == 0
    out = dpvs.dpip("addr", "show").stdout
    assert "dpdk0: inet 10.0.1.110/32 sapool ha inactive\n" in out, out


OP_SYNC_START, OP_SYNC_STOP, OP_HA_LEASE = 0x0600, 0x0601, 0x0610
CONF = struct.Struct(">IBBHHH32sIII64s")


def conf(roles=2, syncid=51, ttl=1, port=0, maxlen=0, ifname=b"lo",
         group=0, peer=0, key_len=32):
    return CONF.pack(roles, syncid, ttl, port, maxlen, 0, ifname, group,
                     peer, key_len, b"\x5c" * 64)


def ip(a):
    return struct.unpack(">I", socket.inet_aton(a))[0]


BAD_REQUESTS = [
    (OP_SYNC_START, conf(roles=0), "roles 0x0"),
    (OP_SYNC_START, conf(roles=4), "roles 0x4"),
    (OP_SYNC_START, conf(key_len=0), "no key: refusing to sync unauthenticated"),
    (OP_SYNC_START, conf(key_len=31), "key of 31 bytes"),
    (OP_SYNC_START, conf(key_len=65), "malformed configuration record"),
    (OP_SYNC_START, conf(ifname=b""), "interface name of 0 bytes"),
    (OP_SYNC_START, conf(ifname=b"e" * 16), "interface name of 16 bytes"),
    (OP_SYNC_START, conf(ifname=b"e" * 32), "malformed configuration record"),
    (OP_SYNC_START, conf(maxlen=103), "maxlen 103"),
    (OP_SYNC_START, conf(maxlen=10273), "maxlen 10273"),
    (OP_SYNC_START, conf(group=ip("10.0.0.1")), "10.0.0.1 is not a multicast"),
    (OP_SYNC_START, conf(peer=ip("224.0.0.81")), "224.0.0.81 is not a unicast"),
    (OP_SYNC_START, conf(peer=ip("255.255.255.255")), "not a unicast"),
    (OP_SYNC_START, conf()[:-1], "payload of 119 bytes"),
    (OP_SYNC_STOP, struct.pack(">I", 0), "roles 0x0"),
    (OP_SYNC_STOP, struct.pack(">I", 7), "roles 0x7"),
    (OP_SYNC_STOP, b"\0\0\2", "payload of 3 bytes"),
    (OP_HA_LEASE, struct.pack(">I", 0), "ttl of 0 ms"),
    (OP_HA_LEASE, b"\0\0\1\0\0", "payload of 5 bytes"),
]


def test_handlers_refuse_bad_requests(dpvs):
    """What the tools never send: each bad field gets EINVAL and its
    reason on one connection, which, like the daemon, keeps serving."""
    s = connect(dpvs)
    try:
        for seq, (op, payload, why) in enumerate(BAD_REQUESTS, 10):
            s.sendall(frame(op, payload, seq=seq))
            _, rop, rseq, st, msg = read_reply(s)
            assert (rop, rseq, st) == (op, seq, STATUS["EINVAL"]), (why, msg)
            assert why.encode() in msg, (why, msg)
        s.sendall(frame(0x0100, seq=8))
        assert read_reply(s)[3] == 0
    finally:
        s.close()
    out = dpvs.ctl("sync", check=True).stdout
    assert "role: none" in out
    assert "lease: not held" in ha_show(dpvs)


def test_sync_conns_lists_only_synced(dpvs):
    """No peer here, so nothing is synced: the listing is empty however
    many conns the table holds (the count line is what tests wait on)."""
    out = dpvs.ctl("sync", "conns", check=True).stdout.splitlines()
    assert out[0].split()[:3] == ["pro", "expire", "state"]
    assert out[-1] == "0 synced connections" and len(out) == 2
