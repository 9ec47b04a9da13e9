# SPDX-License-Identifier: GPL-2.0
"""Cgroups churned far past the ledger's size: PWRMIG_CHURN_COUNT cgroups
(default 3 000) made, charged and removed one after another through a
ledger of PWRMIG_CHURN_MAX entries (default 1 024); tests/fuzz/run churns
200 000 through the default 65 536.  Meanwhile a live cgroup is still
charged and dumps never repeat an entry; afterwards the ledger is within
its size, nearly every churned cgroup had an entry and all but those it
still holds were freed, and a new cgroup takes a report."""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import CGROOT, TOP, Tap, load, unload, ynl, cgroup, spinner, NlError  # noqa: E402

t = Tap()
count = int(os.environ.get("PWRMIG_CHURN_COUNT", "3000"))
size = int(os.environ.get("PWRMIG_CHURN_MAX", "1024"))
churner = os.path.join(TOP, "build/tests/guest/cgroup_churn")

load(f"max_cgroups={size}")
y = ynl()
live_path, live_id = cgroup("pwrmig-churn-live")
spin = spinner(live_path, cpu=0)


def runtime_of(yy, cid):
    c = yy.do("cgroup-get", {"id": cid})
    return c.get("runtime-ns", 0)


time.sleep(1)
rt0 = runtime_of(y, live_id)

# Dumps all along the churn.
stop = threading.Event()
dumps = {"n": 0, "repeats": [], "most": 0, "errors": []}


def dumper():
    yd = ynl()
    while not stop.is_set():
        try:
            ids = [c["id"] for c in yd.dump("cgroup-get", {})]
        except NlError as e:
            dumps["errors"].append(str(e))
            continue
        dumps["n"] += 1
        dumps["most"] = max(dumps["most"], len(ids))
        if len(ids) != len(set(ids)):
            dumps["repeats"].append(len(ids) - len(set(ids)))


th = threading.Thread(target=dumper)
th.start()
r = subprocess.Popen(["taskset", "-c", "1", churner, os.path.join(CGROOT, "pwrmig-churn"), str(count)],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
errors = []
for line in r.stderr:		# progress as it comes: a long churn shows it is alive
    t.note(line.rstrip())
    errors.append(line.rstrip())
out = r.stdout.read().strip()
r.wait()
stop.set()
th.join()
t.check(r.returncode == 0, f"{count} cgroups made, charged and removed: {out}", errors[-1] if errors else "")
time.sleep(1)		# the last rounds are sampled
rt1 = runtime_of(y, live_id)
t.check(rt1 > rt0, f"the live cgroup was charged all along ({rt0} -> {rt1} ns)")
t.check(dumps["n"] > 0 and not dumps["repeats"] and not dumps["errors"],
        f"{dumps['n']} dumps during the churn, none repeating an entry (up to {dumps['most']})",
        f"repeats {dumps['repeats'][:5]}, errors {dumps['errors'][:3]}")
spin.kill()
spin.wait()

info = y.do("info-get", {})
t.note(f"info: {info}")
t.check(info.get("cgroups", size + 1) <= size and info.get("cgroups-max") == size,
        f"info-get: {info.get('cgroups')} cgroups of at most {info.get('cgroups-max')}")
# Each churned cgroup is charged, so it gets an entry, unless its CPU's
# table was full at the time (then its time went to the counted "other"
# bucket): nearly all of them came, and all but the ledger's size went.
made = info.get("cgroups-freed", 0) + info.get("cgroups", 0)
t.check(made >= count * 9 // 10,
        f"info-get: {info.get('cgroups-freed')} entries of removed cgroups freed and "
        f"{info.get('cgroups')} held, for {count} cgroups churned")
fresh_path, fresh_id = cgroup("pwrmig-churn-fresh")
try:
    y.do("energy-report", {"cgroup-id": fresh_id, "device": 0, "energy-uj": 7000})
    t.eq(7000, y.do("cgroup-get", {"id": fresh_id}).get("gpu-uj"),
         "a new cgroup takes a GPU energy report after the churn")
except NlError as e:
    t.fail("a new cgroup takes a GPU energy report after the churn", str(e))
del y
t.check(unload(), "module unloads")
for p in (live_path, fresh_path):
    os.rmdir(p)
t.done()
