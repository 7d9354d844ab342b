"""A throwaway root to install packages into: an overlay over the
machine's own / in private mount, network and pid namespaces.  dpkg
writes into a tmpfs upper layer; /run and /tmp are fresh tmpfs; every
process started inside dies with the namespace's first process, and the
mounts vanish with the namespace.  The host's /usr, /etc and dpkg
database are never written."""
import os
import subprocess

# Runs in the new namespaces: build the root, copy FILES to its /tmp,
# run the script there as root with /bin/bash.
_OUTER = r"""
set -eu
top=$1 script=$2; shift 2
mount --make-rprivate /
mount -t tmpfs tmpfs "$top"
mkdir "$top/upper" "$top/work" "$top/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$top/upper,workdir=$top/work" "$top/root"
r=$top/root
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount --rbind /sys "$r/sys"
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
cp "$@" "$r/tmp/"
cp "$script" "$r/tmp/script.sh"
exec chroot "$r" /bin/bash /tmp/script.sh
"""


def run_in_throwaway_root(workdir, script, files, timeout=300):
    """Runs SCRIPT (bash source) in a throwaway root holding FILES in
    /tmp; returns the CompletedProcess (stdout and stderr as text)."""
    top = os.path.join(str(workdir), "debroot")
    os.makedirs(top, exist_ok=True)
    path = os.path.join(str(workdir), "debroot.sh")
    with open(path, "w") as f:
        f.write(script)
    cmd = ["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child",
           "bash", "-c", _OUTER, "outer", top, path] + list(files)
    try:
        return subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout)
    finally:
        # Empty once the namespace is gone: its tmpfs went with it.
        os.rmdir(top)

