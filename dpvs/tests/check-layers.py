#!/usr/bin/env python3
"""Checks the source tree's boundaries (docs/architecture.md, "Boundaries").

Each folder of dpvs/src may include only the folders below it, the data
plane (core, net, ipvs) none of the client library's headers, and no C
source file in the project is longer than MAX_LINES.  Prints every
violation with its file and line; exit 1 if there is any.
"""
import os
import re
import sys

MAX_LINES = 1000
SRC = 'dpvs/src'
LIB_HEADERS = {'libdpvs.h', 'wire.h', 'dpvs_ops.h'}
# folder -> the folders its files may include (besides their own)
ALLOWED = {
    'core': set(),
    'net': {'core'},
    'ipvs': {'core', 'net'},
    'ipvs/sched': set(),
    'ha': {'core', 'net', 'ipvs'},
    'ctrl': {'core', 'net', 'ipvs', 'ipvs/sched', 'ha', 'ctrl'},
    'ctrl/handlers': {'core', 'net', 'ipvs', 'ipvs/sched', 'ha', 'ctrl'},
    '.': {'core', 'net', 'ipvs', 'ipvs/sched', 'ha', 'ctrl', 'ctrl/handlers'},
}
# the folders that may speak the wire format
WIRE_OK = {'ctrl', 'ctrl/handlers', '.'}
INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def folder_of(path):
    return os.path.dirname(os.path.relpath(path, SRC)) or '.'


def target_folder(path, name):
    """The folder of dpvs/src that `#include "name"` in path resolves to,
    as the compiler looks: the including file's folder, then -iquote
    dpvs/src (so a bare "daemon.h" from net/ is the top level's)."""
    for base in (os.path.dirname(path), SRC):
        full = os.path.normpath(os.path.join(base, name))
        if os.path.exists(full):
            rel = os.path.relpath(full, SRC)
            return None if rel.startswith('..') else (os.path.dirname(rel) or '.')
    return None


def check_includes(path, problems):
    mine = folder_of(path)
    allowed = ALLOWED.get(mine)
    if allowed is None:
        problems.append(f'{path}: folder {mine} has no rule in {sys.argv[0]}')
        return
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        name = m.group(1)
        if name in LIB_HEADERS:
            if mine not in WIRE_OK:
                problems.append(f'{path}:{n}: {mine}/ includes the client '
                                f'library\'s {name}')
            continue
        target = target_folder(path, name)
        if target is None:
            continue  # a system or generated header
        if target != mine and target not in allowed and not (
                target.startswith(mine + '/')):
            problems.append(f'{path}:{n}: {mine}/ may not include {name}')


def sources(top):
    for d, _, files in os.walk(top):
        for f in files:
            if f.endswith(('.c', '.h')):
                yield os.path.join(d, f)


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    problems = []
    for path in sorted(sources(SRC)):
        check_includes(path, problems)
    for top in ('dpvs', 'snmp', 'exporter'):
        for path in sorted(sources(top)):
            lines = sum(1 for _ in open(path, encoding='utf-8'))
            if lines > MAX_LINES:
                problems.append(f'{path}: {lines} lines (the limit is '
                                f'{MAX_LINES}: split it by job)')
    for p in problems:
        print(p)
    print(f'layers: {len(problems)} problem(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
