# SPDX-License-Identifier: GPL-2.0
"""The ledger forgets removed cgroups.  Churned through a ledger of 32
entries (mkdir, run, rmdir, 150 times), it still charges a live cgroup and
takes its energy reports; removed cgroups stay, flagged gone, until
keep_removed_s has passed or their room is needed; info-get says how full
the ledger is.  A dump taken while entries are added never repeats one."""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import CGROOT, Tap, load, unload, ynl, cgroup, spinner, NlError  # noqa: E402

t = Tap()
PARAMS = "/sys/module/pwrmig/parameters"


def enter(path):
    def fn():
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    return fn


def wait_for(cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


# ---- bounds of max_cgroups ----------------------------------------------------------------
ko = os.path.join(os.path.dirname(__file__), "../../build/kmod", os.uname().release, "pwrmig.ko")
for bad in (0, 2000000):
    r = subprocess.run(["insmod", ko, f"max_cgroups={bad}"], capture_output=True, text=True)
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    t.check(r.returncode != 0 and f"max_cgroups={bad} is outside 1-1048576" in log,
            f"max_cgroups={bad} is refused at load, and the log says why")

# ---- churn through a small ledger ---------------------------------------------------------
load("max_cgroups=32")
y = ynl()
churned = set()
for i in range(150):
    path = os.path.join(CGROOT, f"pwrmig-churn{i}")
    os.mkdir(path)
    churned.add(os.stat(path).st_ino)
    subprocess.run(["sh", "-c", "i=0; while [ $i -lt 300 ]; do i=$((i+1)); done"],
                   preexec_fn=enter(path), check=True)
    os.rmdir(path)
time.sleep(1)		# the last ones are sampled

live_path, live_id = cgroup("pwrmig-live")
spin = spinner(live_path)


def runtime_of(cid):
    return next((c.get("runtime-ns", 0) for c in y.dump("cgroup-get", {}) if c["id"] == cid), 0)


charged = wait_for(lambda: runtime_of(live_id) > 0, 10)
t.check(charged, "after 150 cgroups churned through 32 entries, a live cgroup is charged")
spin.kill()
spin.wait()

fresh_path, fresh_id = cgroup("pwrmig-fresh")
try:
    y.do("energy-report", {"cgroup-id": fresh_id, "device": 0, "energy-uj": 5000})
    got = y.do("cgroup-get", {"id": fresh_id}).get("gpu-uj")
    t.eq(5000, got, "... and a new live cgroup takes a GPU energy report")
except NlError as e:
    t.fail("... and a new live cgroup takes a GPU energy report", str(e))

info = y.do("info-get", {})
t.note(f"info: {info}")
t.check(info.get("cgroups", 99) <= 32 and info.get("cgroups-max") == 32,
        f"info-get: {info.get('cgroups')} cgroups of at most {info.get('cgroups-max')}")
t.check(info.get("cgroups-freed", 0) > 0,
        f"info-get: entries of removed cgroups were freed ({info.get('cgroups-freed')})")
seen = [c for c in y.dump("cgroup-get", {}) if c["id"] in churned]
t.check(seen and all("gone" in c["flags"] for c in seen),
        f"the {len(seen)} churned cgroups still held are flagged gone")
t.eq(len(seen), info.get("cgroups-removed"), "info-get counts them as removed")

# ---- kept for keep_removed_s, then freed ------------------------------------------------------
with open(os.path.join(PARAMS, "keep_removed_s"), "w") as f:
    f.write("1")
freed0 = info["cgroups-freed"]
gone = wait_for(lambda: not any(c["id"] in churned for c in y.dump("cgroup-get", {})), 10)
t.check(gone, "keep_removed_s=1: removed cgroups leave the ledger")
info = y.do("info-get", {})
t.check(info["cgroups-freed"] > freed0 and info.get("cgroups-removed", 0) == 0,
        f"... counted as freed ({freed0} -> {info['cgroups-freed']})")
t.check(fresh_id in {c["id"] for c in y.dump("cgroup-get", {})},
        "... while a live cgroup's entry stays")
del y
t.check(unload(), "module unloads")
for p in (live_path, fresh_path):
    os.rmdir(p)

# ---- dumps while entries are added ---------------------------------------------------------
load("max_cgroups=4096")
y = ynl()
paths = []


def add(n, base):
    ya = ynl()
    for i in range(n):
        p, cid = cgroup(f"pwrmig-dump{base + i}")
        paths.append(p)
        ya.do("energy-report", {"cgroup-id": cid, "device": 0, "energy-uj": 1})


add(600, 0)
adder = threading.Thread(target=add, args=(300, 600))
adder.start()
repeats = []
dumps = 0
while adder.is_alive() or dumps < 3:
    ids = [c["id"] for c in y.dump("cgroup-get", {})]
    dumps += 1
    if len(ids) != len(set(ids)):
        repeats.append(len(ids) - len(set(ids)))
adder.join()
t.check(not repeats, f"{dumps} dumps while 300 entries were added: no entry twice", f"repeats: {repeats}")
ids = {c["id"] for c in y.dump("cgroup-get", {})}
t.check(len(ids) >= 900, f"a dump afterwards holds all {len(ids)} entries")
del y
t.check(unload(), "module unloads")
for p in paths:
    os.rmdir(p)
t.done()
