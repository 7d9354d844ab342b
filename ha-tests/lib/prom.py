"""A test-owned dpvs-exporter and Prometheus server.

Both listen on 127.0.0.1 on a free TCP port and keep their config, logs
and storage in a private folder, so tests never meet a system
Prometheus.  stop() always kills what start() started.
"""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from waiting import terminate, wait_for


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(url, timeout=10):
    """(status, body text, headers) of a GET; 4xx/5xx do not raise."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


def parse_metrics(text):
    """Exposition text -> {(name, frozenset(labels.items())): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, rest = series.partition("{")
        labels = {}
        if rest:
            for pair in _split_labels(rest[:-1]):
                k, _, v = pair.partition("=")
                labels[k] = v[1:-1].encode().decode("unicode_escape")
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def _split_labels(text):
    parts, cur, quoted, esc = [], "", False, False
    for ch in text:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            cur, esc = cur + ch, True
        elif ch == '"':
            cur, quoted = cur + ch, not quoted
        elif ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + ([cur] if cur else [])


class _Proc:
    def stop(self):
        """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
        rc = terminate(self.proc, 10) if self.proc else None
        self.proc = None
        if self.logf:
            self.logf.close()
            self.logf = None
        return rc

    def log_text(self):
        return open(self.log).read() if os.path.exists(self.log) else ""


class Exporter(_Proc):
    """build/dpvs-exporter on 127.0.0.1:<free port>, logging to a file."""

    def __init__(self, folder, ipc, *extra, name="dpvs-exporter", env=None):
        from dpvsd import BUILD
        self.dir = os.path.join(folder, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_tcp_port()
        self.log = os.path.join(self.dir, "exporter.log")
        self.argv = [os.path.join(BUILD, "dpvs-exporter"), "--listen",
                     "127.0.0.1:%d" % self.port, "--ipc-file", ipc] + list(extra)
        self.env = env
        self.proc = self.logf = None
        self.url = "http://127.0.0.1:%d" % self.port

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=self.env)
        if not wait_for(lambda: "serving /metrics" in self.log_text()
                        or self.proc.poll() is not None, timeout=10):
            raise RuntimeError("dpvs-exporter did not start:\n" + self.log_text())
        if self.proc.poll() is not None:
            raise RuntimeError("dpvs-exporter exited:\n" + self.log_text())
        return self

    def scrape(self, path="/metrics"):
        return http_get(self.url + path)

    def metrics(self):
        status, body, _ = self.scrape()
        assert status == 200, (status, body)
        return parse_metrics(body)


class Prometheus(_Proc):
    """A Prometheus server scraping targets every second, with rule files."""

    def __init__(self, folder, targets, rule_files=()):
        self.dir = os.path.join(folder, "prometheus")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_tcp_port()
        self.log = os.path.join(self.dir, "prometheus.log")
        self.url = "http://127.0.0.1:%d" % self.port
        self.targets = targets
        self.rule_files = list(rule_files)
        self.proc = self.logf = None

    def _config(self):
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\n")
            if self.rule_files:
                f.write("rule_files:\n")
                for r in self.rule_files:
                    f.write("  - %s\n" % json.dumps(r))
            f.write("scrape_configs:\n  - job_name: dpvs\n"
                    "    static_configs:\n      - targets: %s\n"
                    % json.dumps(self.targets))
        return conf

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file", self._config(),
             "--storage.tsdb.path", os.path.join(self.dir, "data"),
             "--web.listen-address", "127.0.0.1:%d" % self.port,
             "--log.level", "warn"],
            stdout=self.logf, stderr=subprocess.STDOUT, cwd=self.dir)
        ok = wait_for(lambda: self._ready() or self.proc.poll() is not None,
                      timeout=30, step=0.2)
        if not ok or self.proc.poll() is not None:
            raise RuntimeError("prometheus did not start:\n" + self.log_text())
        return self

    def _ready(self):
        try:
            return http_get(self.url + "/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def api(self, path, **params):
        status, body, _ = http_get("%s/api/v1/%s?%s" % (
            self.url, path, urllib.parse.urlencode(params)))
        data = json.loads(body)
        assert status == 200 and data["status"] == "success", body
        return data["data"]

    def query(self, expr):
        """An instant query -> {frozenset(labels without __name__,
        instance, job): value}."""
        out = {}
        for r in self.api("query", query=expr, time="%.3f" % time.time())["result"]:
            labels = {k: v for k, v in r["metric"].items()
                      if k not in ("__name__", "instance", "job")}
            out[frozenset(labels.items())] = float(r["value"][1])
        return out
