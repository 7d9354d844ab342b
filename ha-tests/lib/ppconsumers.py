"""Real consumers of the PROXY protocol for the FullNAT tests: nginx
(`listen ... proxy_protocol`, the client's address in its access log)
and HAProxy (`accept-proxy`) in front of a small sink that hashes what it
got and sends it back, so that long transfers both ways are checked."""
import hashlib
import signal
import subprocess

from netns import sh
from servers import PY
from waiting import wait_for

NGINX_CONF = """user root;
worker_processes 1;
daemon off;
error_log {d}/error.log info;
pid {d}/nginx.pid;
events {{ worker_connections 64; }}
http {{
  log_format pp '$proxy_protocol_addr $proxy_protocol_port $remote_addr $status $bytes_sent';
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen {addr}:{port} proxy_protocol;
    access_log {d}/access.log pp;
    root {d}/www;
  }}
}}
"""

HAPROXY_CONF = """global
  maxconn 64
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend f
  bind {addr}:{port} accept-proxy
  default_backend b
backend b
  server sink 127.0.0.1:{sink} send-proxy
"""

# HAProxy's backend: reads HAProxy's own PROXY v1 line (what it learnt
# from dpvs's header), an 8-byte length and that many bytes; answers the
# line, the bytes' sha256 and the bytes themselves.
SINK = (
    "import hashlib, socket, struct, threading\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', %d)); s.listen(16); print('ready', flush=True)\n"
    "def readn(f, n):\n"
    "    b = f.read(n)\n"
    "    if len(b) != n: raise EOFError\n"
    "    return b\n"
    "def serve(c):\n"
    "    f = c.makefile('rb')\n"
    "    try:\n"
    "        line = f.readline().strip()\n"
    "        data = readn(f, struct.unpack('!Q', readn(f, 8))[0])\n"
    "        c.sendall(line + b'\\n' + hashlib.sha256(data).hexdigest().encode() + b'\\n' + data)\n"
    "    except EOFError:\n"
    "        pass\n"
    "    c.close()\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")

# The client of the sink through the VIP: argv addr port size cport.
SINK_CLIENT = (
    "import hashlib, os, socket, struct, sys\n"
    "addr, port, size, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])\n"
    "data = os.urandom(size)\n"
    "src = '::' if ':' in addr else '0.0.0.0'\n"
    "s = socket.create_connection((addr, port), timeout=60, source_address=(src, cport))\n"
    "s.sendall(struct.pack('!Q', size) + data)\n"
    "f = s.makefile('rb')\n"
    "line = f.readline().decode().strip()\n"
    "sha = f.readline().decode().strip()\n"
    "back = f.read(size)\n"
    "print(line)\n"
    "print(sha == hashlib.sha256(data).hexdigest(), back == data)\n")


def _listening(ns, addr, port):
    return sh("bash", "-c", "exec 3<>/dev/tcp/%s/%d" % (addr, port), ns=ns,
              check=False).returncode == 0


class Nginx:
    """nginx on addr:port in ns, expecting a PROXY header (v1 or v2)."""

    def __init__(self, tmp, ns, addr, port=80):
        self.dir = tmp / ("nginx-%s-%d" % (addr, port))
        (self.dir / "www").mkdir(parents=True, exist_ok=True)
        conf = self.dir / "nginx.conf"
        host = "[%s]" % addr if ":" in addr else addr
        conf.write_text(NGINX_CONF.format(d=self.dir, addr=host, port=port))
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "nginx", "-c", str(conf), "-p",
             str(self.dir)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        # A plain connection, no header: nginx closes it, but it listens.
        assert wait_for(lambda: _listening(ns, addr, port)), self.errors()

    def put(self, name, data):
        (self.dir / "www" / name).write_bytes(data)

    def access(self):
        """Access log lines: (proxy addr, proxy port, peer, status)."""
        try:
            text = (self.dir / "access.log").read_text()
        except OSError:
            return []
        return [tuple(l.split()[:4]) for l in text.splitlines()]

    def errors(self):
        try:
            return (self.dir / "error.log").read_text()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Haproxy:
    """HAProxy on addr:port in ns with accept-proxy, over SINK."""

    def __init__(self, tmp, ns, addr, port=80, sink=9001):
        self.dir = tmp / ("haproxy-%s-%d" % (addr, port))
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "haproxy.cfg"
        conf.write_text(HAPROXY_CONF.format(addr=addr, port=port, sink=sink))
        self.sink = subprocess.Popen(["ip", "netns", "exec", ns, PY, "-c",
                                      SINK % sink], stdout=subprocess.PIPE,
                                     text=True)
        assert self.sink.stdout.readline().strip() == "ready"
        self.log = open(self.dir / "haproxy.log", "w")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "haproxy", "-db", "-f", str(conf)],
            stdout=self.log, stderr=subprocess.STDOUT)
        assert wait_for(lambda: _listening(ns, addr, port))

    def stop(self):
        for p in (self.proc, self.sink):
            if p.poll() is None:
                p.kill()
                p.wait()
        self.log.close()


def sink_roundtrip(ns, addr, port, size, cport, timeout=120):
    """Sends size random bytes to SINK through addr:port and reads them
    back: (HAProxy's PROXY line, sha256 matched, bytes matched)."""
    r = sh(PY, "-c", SINK_CLIENT, addr, str(port), str(size), str(cport),
           ns=ns, timeout=timeout)
    line, checks = r.stdout.splitlines()[:2]
    sha_ok, back_ok = checks.split()
    return line, sha_ok == "True", back_ok == "True"


def sha256(data):
    return hashlib.sha256(data).hexdigest()
