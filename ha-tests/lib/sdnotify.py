"""The two sockets systemd gives a service, played by the test: a
NOTIFY_SOCKET that collects sd_notify(3) datagrams, and a journald
socket that decodes the journal's native protocol (sd_journal_send).

PID 1 on the development and CI machines is not systemd, so these are
how the daemon's side of both protocols is tested (docs/systemd.md).
"""
import os
import socket
import struct
import time


class NotifySocket:
    """An AF_UNIX datagram socket; each datagram is parsed into a dict."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.seen = []

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def recv(self, timeout):
        """The next datagram as a dict, or None after timeout seconds."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        msg = dict(l.split("=", 1) for l in data.decode().split("\n") if "=" in l)
        self.seen.append(msg)
        return msg

    def wait(self, key, value=None, timeout=30):
        """The first datagram setting key (to value, if given); every
        datagram read on the way stays in self.seen."""
        end = time.time() + timeout
        while time.time() < end:
            msg = self.recv(end - time.time())
            if msg and key in msg and (value is None or msg[key] == value):
                return msg
        raise AssertionError("no %s%s in %ds; got %r" % (
            key, "=" + value if value else "", timeout, self.seen))


def parse_journal(data):
    """The fields of one native-protocol datagram (systemd's
    JOURNAL_NATIVE_PROTOCOL): KEY=value lines, or KEY, a 64-bit
    little-endian length and the bytes for values holding a newline."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            n = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode()
    return fields


class FakeJournal:
    """A journald socket at DIR/journal/socket: bind-mount DIR on
    /run/systemd in a private mount namespace and sd_journal_send of a
    process in it comes here."""

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(os.path.join(self.root, "journal"), exist_ok=True)
        self.sock = NotifySocket(os.path.join(self.root, "journal", "socket"))
        self.entries = []

    def close(self):
        self.sock.close()

    def wrap(self, argv):
        """argv run with this socket as /run/systemd/journal/socket."""
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$0" /run/systemd && exec "$@"',
                self.root] + list(argv)

    def drain(self, timeout=0.2):
        s = self.sock.sock
        s.settimeout(timeout)
        while True:
            try:
                self.entries.append(parse_journal(s.recv(1 << 20)))
            except socket.timeout:
                return self.entries

    def wait(self, pred, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for e in self.drain():
                if pred(e):
                    return e
        raise AssertionError("no such journal entry in %ds: %r" % (
            timeout, self.entries[-10:]))
