#!/usr/bin/python3
"""Prints deb-src lines made from this machine's own apt sources.

Reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.list and *.sources
(deb822) and turns every enabled "deb" entry into a "deb-src" one with the
same mirror, suites, components and keyring.  No mirror address is written
in the repository: the build uses whatever the machine is configured with.
"""
import glob
import re
import sys


def one_line_entries(path):
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)$", line)
        if m:
            yield (m.group(1) or "").strip(), m.group(2), m.group(3), m.group(4)


def deb822_entries(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        opts = "[signed-by=%s]" % fields["signed-by"] if "signed-by" in fields else ""
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield opts, uri, suite, fields.get("components", "main")


def main():
    out = []
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            out += ["deb-src %s %s %s %s" % e for e in one_line_entries(path)]
        except OSError:
            pass
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        out += ["deb-src %s %s %s %s" % e for e in deb822_entries(path)]
    if not out:
        sys.exit("debsrc: no enabled 'deb' entries in this machine's apt sources")
    print("\n".join(" ".join(l.split()) for l in out))


if __name__ == "__main__":
    main()
