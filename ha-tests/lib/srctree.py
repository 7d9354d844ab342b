"""Values the tests take from the source tree instead of repeating them:
a version a test expects comes from the VERSION file or the header the
daemon is built with, so bumping it there cannot leave a test checking
the old one."""
import glob
import os

from dpvsd import ROOT


def c_define(name):
    """The value of `#define NAME value` in a header under dpvs/, a
    string literal without its quotes."""
    pattern = os.path.join(ROOT, "dpvs", "**", "*.h")
    for path in sorted(glob.glob(pattern, recursive=True)):
        with open(path) as f:
            for line in f:
                words = line.split()
                if words[:2] == ["#define", name] and len(words) >= 3:
                    return words[2].strip('"')
    raise AssertionError("#define %s not found in dpvs/**/*.h" % name)


def version_file():
    """The project's one version number (the VERSION file)."""
    with open(os.path.join(ROOT, "VERSION")) as f:
        return f.read().strip()


DPVS_VERSION = version_file()
WIRE_VERSION = int(c_define("DPVS_WIRE_VERSION"))
