"""A test-owned net-snmp master agent (snmpd) and trap receiver (snmptrapd).

Each listens on 127.0.0.1 on a free UDP port and keeps its config, logs,
pid file and persistent state in a private folder; snmpd's AgentX master
socket is a private unix socket there too, so tests never meet the
system's snmpd.  stop() always kills what start() started.
"""
import os
import socket
import subprocess
import time
from waiting import terminate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIBDIR = os.path.join(ROOT, "build", "mibs")
RO_COMMUNITY = "public"
RW_COMMUNITY = "private"
# Only these modules: Debian lacks the IETF ones the default list names.
MIBS = os.environ.get("TEST_MIBS", "DPVS-MIB")


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _env(folder):
    env = dict(os.environ)
    env["SNMP_PERSISTENT_DIR"] = folder
    env["SNMPCONFPATH"] = folder
    return env


def _wait_pidfile(path, proc, log, what):
    for _ in range(100):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    text = open(log).read() if os.path.exists(log) else ""
    raise RuntimeError("%s did not start:\n%s" % (what, text))


class _Proc:
    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
        rc = terminate(self.proc, 10)
        self.proc = None
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        return rc

    def log_text(self):
        return open(self.log).read() if os.path.exists(self.log) else ""


class Snmpd(_Proc):
    """snmpd with `master agentx` on a private socket.  trap_port: where
    it sends the subagents' notifications (an SnmpTrapd's port)."""

    def __init__(self, folder, trap_port=None):
        self.dir = os.path.join(folder, "snmpd")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_udp_port()
        self.agentx = os.path.join(self.dir, "agentx.sock")
        self.log = os.path.join(self.dir, "snmpd.log")
        self.pidfile = os.path.join(self.dir, "snmpd.pid")
        self.trap_port = trap_port
        self.proc = None

    def start(self):
        conf = os.path.join(self.dir, "snmpd.conf")
        with open(conf, "w") as f:
            f.write("agentaddress udp:127.0.0.1:%d\n" % self.port)
            f.write("master agentx\nagentXSocket unix:%s\n" % self.agentx)
            f.write("agentXPerms 0600 0700\n")
            f.write("rocommunity %s 127.0.0.1\n" % RO_COMMUNITY)
            f.write("rwcommunity %s 127.0.0.1\n" % RW_COMMUNITY)
            if self.trap_port:
                f.write("trap2sink 127.0.0.1:%d %s\n" % (self.trap_port,
                                                         RO_COMMUNITY))
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        self.proc = subprocess.Popen(
            ["snmpd", "-f", "-C", "-c", conf, "-Lf", self.log,
             "-p", self.pidfile, "-M", "+" + MIBDIR],
            env=_env(self.dir), stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        _wait_pidfile(self.pidfile, self.proc, self.log, "snmpd")
        for _ in range(100):
            if os.path.exists(self.agentx):
                return self
            time.sleep(0.05)
        raise RuntimeError("snmpd made no agentx socket:\n" + self.log_text())

    def _cmd(self, tool, args, community=RO_COMMUNITY, timeout=20):
        argv = [tool, "-v2c", "-c", community, "-t", "3", "-r", "1",
                "-M", "+" + MIBDIR, "-m", MIBS,
                "127.0.0.1:%d" % self.port] + list(args)
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, env=_env(self.dir))

    def walk(self, oid, *opts):
        return self._cmd("snmpwalk", list(opts) + [oid], timeout=120)

    def get(self, *oids):
        return self._cmd("snmpget", list(oids))

    def set(self, oid, typ, value):
        return self._cmd("snmpset", [oid, typ, value], community=RW_COMMUNITY)

    def table(self, oid, *opts):
        return self._cmd("snmptable", list(opts) + [oid], timeout=120)


class SnmpTrapd(_Proc):
    """snmptrapd writing every notification it receives to its log."""

    def __init__(self, folder):
        self.dir = os.path.join(folder, "snmptrapd")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_udp_port()
        self.log = os.path.join(self.dir, "traps.log")
        self.pidfile = os.path.join(self.dir, "snmptrapd.pid")
        self.proc = None

    def start(self):
        conf = os.path.join(self.dir, "snmptrapd.conf")
        with open(conf, "w") as f:
            f.write("authCommunity log %s\n" % RO_COMMUNITY)
        self.proc = subprocess.Popen(
            ["snmptrapd", "-f", "-C", "-c", conf, "-Lf", self.log,
             "-p", self.pidfile, "-M", "+" + MIBDIR, "-m", MIBS,
             "udp:127.0.0.1:%d" % self.port],
            env=_env(self.dir), stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        _wait_pidfile(self.pidfile, self.proc, self.log, "snmptrapd")
        return self


class Subagent(_Proc):
    """build/dpvs-snmp in the foreground, logging to a file."""

    def __init__(self, folder, agentx, ipc, *extra):
        from dpvsd import BUILD
        self.dir = os.path.join(folder, "dpvs-snmp")
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "dpvs-snmp.log")
        self.pidfile = os.path.join(self.dir, "dpvs-snmp.pid")
        self.argv = [os.path.join(BUILD, "dpvs-snmp"), "-f", "-x", agentx,
                     "-c", ipc, "-p", self.pidfile] + list(extra)
        self.proc = None

    def start(self):
        self.logf = open(self.log, "a")
        self.proc = subprocess.Popen(self.argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        _wait_pidfile(self.pidfile, self.proc, self.log, "dpvs-snmp")
        return self


def parse_walk(text):
    """`snmpwalk -Os -OQ -Oe -Ot -Ob -OU` output -> {(column, index): value}."""
    out = {}
    for line in text.splitlines():
        if " = " not in line:
            continue
        name, value = line.split(" = ", 1)
        col, _, index = name.partition(".")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out[(col, index)] = value
    return out
