#!/usr/bin/env python3
"""Checks that the files and folders the docs name exist.

Usage: docs/check-paths.py [FILE.md ...]   (default: README.md, docs/*.md
and every README.md below the top)

Looks at markdown links and at `code` spans that look like paths (contain
a slash, or end in .c/.h/.py/.sh/.md/.txt/.map/.sample).  A path is found
if it exists relative to the top of the tree, to dpvs/, to dpvs/src/, or
to the document's folder; a bare file name if a file of that name exists
anywhere in the tree.  A link's #anchor must match a heading of its
markdown target.  Names under build/, /usr, /var, /etc, /proc, /sys
and /run are products or system paths, not checked.  Prints each missing
name with its file and line; exits 1 if any is missing.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTS = ('.c', '.h', '.py', '.sh', '.md', '.txt', '.map', '.sample')
SKIP = ('build/', 'build-san/', '/usr', '/var', '/etc', '/proc', '/sys',
        '/run', '/tmp', 'http:', 'https:', 'mailto:', '#', '~')
# Names inside other trees (keepalived's and DPDK's sources), not ours.
EXTERNAL = {'libipvs.c', 'libipvs_dpvs.c', 'check/check_dpvs.c',
            'vrrp/vrrp_dpvs.c', 'check/dpvs_sync.c', 'vrrp/vrrp_dpvs_sync.c',
            'src/keepalived_2.2.7.orig.tar.gz', 'keepalived-2.2.7/',
            'keepalived/keepalived', 'doc/KEEPALIVED-MIB.txt',
            'app/test-pmd', 'drivers/', 'rte_os_shim.h',
            'check_parser.c', 'vrrp.c', 'ipwrapper.c', '.c'}
ADDR = re.compile(r'^([0-9.]*|[0-9a-fA-F.]*:[0-9a-fA-F:.]*)/[0-9]+$')  # v4 or v6 prefixes
LINK = re.compile(r'\]\(([^)\s]+)\)')
CODE = re.compile(r'`([^`\s]+)`')


def all_names():
    names = set()
    for root, dirs, files in os.walk(TOP):
        dirs[:] = [d for d in dirs if not d.startswith('.') and
                   d not in ('build', 'build-san')]
        names.update(files)
        names.update(dirs)
    return names


def slugs(path):
    """GitHub's anchors for the headings of a markdown file."""
    out = set()
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            m = re.match(r'#+ (.*)', line)
            if m:
                t = re.sub(r'[^\w\- ]', '', m.group(1).strip().lower())
                out.add(t.replace(' ', '-'))
    return out


def bad_anchor(link, docpath):
    """The link's #anchor, if its markdown target has no such heading."""
    if '#' not in link or link.startswith(('http:', 'https:')):
        return None
    target, anchor = link.split('#', 1)
    target = os.path.join(os.path.dirname(docpath), target) if target \
        else docpath
    if not target.endswith('.md') or not os.path.exists(target):
        return None
    return None if anchor in slugs(target) else link


def candidates(text):
    for m in LINK.finditer(text):
        yield m.group(1).split('#')[0], True
    for m in CODE.finditer(text):
        s = m.group(1).rstrip('.,:;')
        if s.endswith('/') or '/' in s or s.endswith(EXTS):
            yield s, False


def exists(path, docdir, names):
    if ADDR.match(path):
        return True
    path = path.split('::')[0]
    if ('*' in path or '<' in path or '$' in path or '=' in path
            or path.startswith(SKIP) or path.startswith('keepalived-2.2.7/')
            or path in EXTERNAL or ADDR.match(path)):
        return True
    if '/' not in path.rstrip('/') and path.rstrip('/') in names:
        return True
    for base in (TOP, os.path.join(TOP, 'dpvs'),
                 os.path.join(TOP, 'dpvs', 'src'), os.path.join(TOP, 'keepalived'),
                 os.path.join(TOP, 'keepalived', 'src', 'keepalived'), docdir):
        if os.path.exists(os.path.join(base, path)):
            return True
    return False


def main(argv):
    files = argv[1:]
    if not files:
        files = [os.path.join(TOP, 'README.md')]
        files += sorted(os.path.join(TOP, 'docs', f)
                        for f in os.listdir(os.path.join(TOP, 'docs'))
                        if f.endswith('.md'))
        for root, dirs, fs in os.walk(TOP):
            dirs[:] = [d for d in dirs if not d.startswith('.') and
                       d not in ('build', 'build-san', 'docs')]
            if root != TOP and 'README.md' in fs:
                files.append(os.path.join(root, 'README.md'))
    names = all_names()
    missing = 0
    for f in files:
        docdir = os.path.dirname(os.path.abspath(f))
        with open(f, encoding='utf-8') as fh:
            for n, line in enumerate(fh, 1):
                for path, _ in candidates(line):
                    if path and not exists(path, docdir, names):
                        print(f'{os.path.relpath(f, TOP)}:{n}: {path}')
                        missing += 1
                for m in LINK.finditer(line):
                    bad = bad_anchor(m.group(1), os.path.abspath(f))
                    if bad:
                        print(f'{os.path.relpath(f, TOP)}:{n}: {bad} '
                              '(no such heading)')
                        missing += 1
    print(f'check-paths: {len(files)} files, {missing} missing')
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
