# SPDX-License-Identifier: GPL-2.0
"""Helpers for the guest tests written in Python: TAP output, the module,
cgroups, the debugfs knobs, and the kernel's own YNL client bound to our
spec (tools/net/ynl from linux-source-6.12, extracted into build/ksrc)."""
import atexit
import os
import subprocess
import sys
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "../../.."))
sys.path.insert(0, os.path.join(TOP, "build/ksrc/tools/net/ynl"))
from lib import YnlFamily, NlError  # noqa: E402
import lib.ynl as ynl_lib  # noqa: E402

SPEC = os.path.join(TOP, "Documentation/netlink/specs/pwrmig.yaml")
SCHEMA = os.path.join(TOP, "build/ksrc/Documentation/netlink/genetlink.yaml")
DEBUGFS = "/sys/kernel/debug/pwrmig"              # pwrmig.ko's, read-only
TEST_DEBUGFS = "/sys/kernel/debug/pwrmig_test"    # pwrmig_test.ko's knobs
CGROOT = "/sys/fs/cgroup"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, name):
        self.n += 1
        print(f"ok {self.n} {name}", flush=True)

    def fail(self, name, why=""):
        self.n += 1
        self.failed += 1
        print(f"not ok {self.n} {name}", flush=True)
        for line in str(why).splitlines():
            print(f"#   {line}", flush=True)

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} {name} # SKIP {why}", flush=True)

    def check(self, cond, name, why=""):
        (self.ok if cond else self.fail)(name, *([] if cond else [why]))
        return cond

    def eq(self, want, got, name):
        return self.check(want == got, name, f"expected {want!r}, got {got!r}")

    def note(self, text):
        print(f"# {text}", flush=True)

    def done(self):
        sys.exit(1 if self.failed else 0)


def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True,
                          text=True)


def _unload_at_exit():
    """A test that dies leaves no module behind for the next one."""
    if os.path.isdir("/sys/module/pwrmig"):
        unload()


def load(params=""):
    """pwrmig.ko, then the test rig's meter module (pwrmig_test.ko), which
    registers an external meter (meter-set kind external) driven through
    TEST_DEBUGFS."""
    kodir = os.path.join(TOP, "build/kmod", os.uname().release)
    sh(f"insmod {kodir}/pwrmig.ko {params}")
    sh(f"insmod {kodir}/pwrmig_test.ko")
    atexit.register(_unload_at_exit)
    # YNL keeps the family ids it resolved once per process; a module
    # loaded again registers the family under a new id.
    ynl_lib.genl_family_name_to_id = None


def unload_test_meter():
    """pwrmig_test.ko goes; pwrmig.ko stays, back on its own meter."""
    return sh("rmmod pwrmig_test", check=False).returncode == 0 or \
        not os.path.isdir("/sys/module/pwrmig_test")


def unload():
    unload_test_meter()
    for _ in range(100):
        if sh("rmmod pwrmig", check=False).returncode == 0:
            return True
        time.sleep(0.05)
    return False


def ynl():
    # The spec is validated against the schema on the host (tests/host/
    # spec.sh); skipping it here saves seconds of emulated CPU per client.
    return YnlFamily(SPEC, "")


def dbg_write(name, value):
    """Set a knob of the test meter module."""
    with open(os.path.join(TEST_DEBUGFS, name), "w") as f:
        f.write(str(value))


def dbg_read(name):
    """Read one of pwrmig.ko's own (read-only) debugfs files."""
    with open(os.path.join(DEBUGFS, name)) as f:
        return int(f.read().strip())


def sample():
    """Make the module take one sample now."""
    dbg_write("sample", 1)


def cgroup(name, weight=None):
    path = os.path.join(CGROOT, name)
    with open(os.path.join(CGROOT, "cgroup.subtree_control"), "w") as f:
        f.write("+cpu")
    os.makedirs(path, exist_ok=True)
    if weight:
        with open(os.path.join(path, "cpu.weight"), "w") as f:
            f.write(str(weight))
    return path, os.stat(path).st_ino


def cpu_usage_us(path):
    with open(os.path.join(path, "cpu.stat")) as f:
        for line in f:
            k, v = line.split()
            if k == "usage_usec":
                return int(v)
    return None


def spinner(path, cpu=0):
    """A busy loop in cgroup PATH pinned to CPU."""
    def enter():
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        os.sched_setaffinity(0, {cpu})
    return subprocess.Popen(["sh", "-c", "while :; do :; done"],
                            preexec_fn=enter)


def ledger_totals(y):
    """(meter energy, sum of idle + other + cgroups) per domain, read
    between two samples (retried if a sample slips in)."""
    for _ in range(20):
        before = y.do("info-get", {})["samples"]
        meter = y.do("meter-get", {})
        cgs = y.dump("cgroup-get", {})
        if y.do("info-get", {})["samples"] == before:
            break
    out = {}
    for dom, key in (("pkg", "cpu-uj"), ("dram", "dram-uj")):
        ds = [d for d in meter.get("domain", []) if d["domain"] == dom]
        if not ds:
            continue
        total = sum(d["energy-uj"] for d in ds)
        parts = sum(d["idle-uj"] + d["other-uj"] for d in ds)
        parts += sum(c[key] for c in cgs)
        out[dom] = (total, parts)
    return out, {c["id"]: c for c in cgs}
