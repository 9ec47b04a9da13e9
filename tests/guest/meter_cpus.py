# SPDX-License-Identifier: GPL-2.0
"""Sampling must not disturb the CPUs it measures, nor count what they did
not do: an idle CPU gets (almost) no sampling IPIs, a CPU that was offline
is not counted idle for the time it was away, and a meter whose package
counter faults hands over to the power model."""
import errno
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import (DEBUGFS, NlError, Tap, dbg_read, dbg_write, load, sample,  # noqa: E402
                         unload, unload_test_meter, ynl)

t = Tap()
os.sched_setaffinity(0, {0})
load()
y = ynl()


def cal(cpu):
    """Function-call interrupts (smp_call_function IPIs) CPU has taken."""
    with open("/proc/interrupts") as f:
        ncpu = len(f.readline().split())
        for line in f:
            w = line.split()
            if w and w[0] == "CAL:":
                return int(w[1 + cpu])
    return None


def spared():
    """Harvests done without an IPI; -1 when the module does not count them."""
    try:
        return dbg_read("ipis_spared")
    except OSError:
        return -1


def pkg_uj(what="energy-uj"):
    m = y.do("meter-get", {})
    return sum(d[what] for d in m.get("domain", []) if d["domain"] == "pkg")


def cpu1_online(on):
    with open("/sys/devices/system/cpu/cpu1/online", "w") as f:
        f.write("1" if on else "0")


if os.cpu_count() < 2 or not os.path.exists("/sys/devices/system/cpu/cpu1/online"):
    t.skip("idle and offline CPUs", "the guest has one CPU or cpu1 cannot go offline")
    unload()
    t.done()

# An idle CPU: at 20 ms a sample, 3 s of sampling while cpu1 does nothing.
y.do("meter-set", {"interval-ms": 20})
time.sleep(0.2)
s0, c0, spared0 = y.do("info-get", {})["samples"], cal(1), spared()
time.sleep(3)
s1, c1, spared1 = y.do("info-get", {})["samples"], cal(1), spared()
samples = s1 - s0
t.note(f"{samples} samples: cpu1 took {c1 - c0} function-call IPIs, "
       f"{spared1 - spared0} harvests without one")
t.check(samples >= 20, "the sampler ran", samples)
t.check(c1 - c0 < samples / 4,
        "an idle CPU is not sent an IPI every sample", f"{c1 - c0} IPIs in {samples} samples")
t.check(spared1 - spared0 >= samples / 2, "idle CPUs are charged by the sampler itself",
        f"{spared1 - spared0} of {samples}")

# An offline CPU: with idle and active power equal, the model's idle
# energy is idle CPU time x power.  cpu1 away for 3 s must add no idle
# time for those 3 s: cpu0's idle alone is at most the wall time.  (Busy
# time follows the scheduler, which on an unstable TSC may charge a task
# part of the time a CPU was away: not counted here.)
y.do("meter-set", {"interval-ms": 10000, "model-idle-mw": 2000, "model-active-mw": 2000})
sample()
e0, w0 = pkg_uj("idle-uj"), time.monotonic()
cpu1_online(False)
time.sleep(3)
cpu1_online(True)
sample()
e1, w1 = pkg_uj("idle-uj"), time.monotonic()
one_cpu = 2.0 * (w1 - w0) * 1e6
t.note(f"idle energy {(e1 - e0) / 1e6:.2f} J in {w1 - w0:.2f} s; one idle CPU at 2 W is "
       f"{one_cpu / 1e6:.2f} J")
t.check(e1 - e0 < 1.2 * one_cpu, "the time a CPU was offline is not counted as idle",
        f"{(e1 - e0) / 1e6:.2f} J, one CPU: {one_cpu / 1e6:.2f} J")
t.check(e1 - e0 > 0.5 * one_cpu, "the CPU that stayed online is counted idle",
        f"{(e1 - e0) / 1e6:.2f} J")

# A meter whose package counter faults gives way to the model.
y.do("meter-set", {"kind": "external"})
t.eq("external", y.do("meter-get", {})["kind"], "the test rig's external meter in use")
dbg_write("fail", 1)
for _ in range(4):
    sample()
m = y.do("meter-get", {})
dbg_write("fail", 0)
t.check(m["kind"] == "model" and m.get("estimated"),
        "a meter that faults 3 samples in a row is replaced by the model", m["kind"])
log = os.popen("dmesg | tail -n 20").read()
t.check("unreadable for 3 samples; using the power model" in log,
        "the kernel log says why", log[-300:])

# The test meter is a module of its own: pwrmig.ko has no knob to write.
writable = [n for n in os.listdir(DEBUGFS)
            if os.stat(os.path.join(DEBUGFS, n)).st_mode & 0o222]
t.eq([], writable, "pwrmig.ko's debugfs files are all read-only")
# Its meter leaving while in use: the ledger goes back to its own.
y.do("meter-set", {"kind": "external"})
t.check(unload_test_meter(), "the test meter module unloads while its meter is in use")
m = y.do("meter-get", {})
t.check(m["kind"] in ("rapl", "model"), "the ledger is back on its own meter", m["kind"])
y.do("meter-set", {"interval-ms": 100})
before = y.do("info-get", {})["samples"]
time.sleep(1)
after = y.do("info-get", {})["samples"]
t.check(after > before, "and goes on sampling", f"{before} samples, 1 s later {after}")
try:
    y.do("meter-set", {"kind": "external"})
    t.fail("meter-set kind external without a registered meter is refused")
except NlError as e:
    msg = e.nl_msg.extack.get("msg", "") if e.nl_msg.extack else ""
    t.check(e.error == errno.ENODEV and "no module registered an external meter" in msg,
            "meter-set kind external without a registered meter: ENODEV, and why",
            f"errno {e.error}, extack '{msg}'")

del y
t.check(unload(), "module unloads")
t.done()
