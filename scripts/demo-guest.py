#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The guest half of make demo: load pwrmig.ko, give it two sites and their
prices, run two training jobs in cgroups for a few seconds, and tell in
plain words what the ledger says they used and cost."""
import os
import subprocess
import sys
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "build/ksrc/tools/net/ynl"))
from lib import YnlFamily  # noqa: E402

SPEC = os.path.join(TOP, "Documentation/netlink/specs/pwrmig.yaml")
SCHEMA = os.path.join(TOP, "build/ksrc/Documentation/netlink/genetlink.yaml")
CTL = os.path.join(TOP, "build/bin/pwrmigctl")


def say(text=""):
    print(text, flush=True)


kver = os.uname().release
say(f"Guest is up: Debian kernel {kver}, {os.cpu_count()} CPUs.")
subprocess.run(["insmod", os.path.join(TOP, "build/kmod", kver, "pwrmig.ko")], check=True)
y = YnlFamily(SPEC, SCHEMA)
info = y.do("info-get", {})
say(f"pwrmig {info['version']} is loaded and answers on generic netlink (family "
    f"\"pwrmig\"); it follows every context switch on {info['cpus']} CPUs.")
if info["meter-kind"] == "model":
    say("This machine has no RAPL energy counters (it is a virtual machine), so CPU "
        "energy comes from the power model and is marked estimated.")
else:
    say(f"CPU energy is measured by the {info['meter-kind']} counters.")
say()
say("What 'pwrmigctl info' prints:")
say(subprocess.run([CTL, "info"], capture_output=True, text=True).stdout.rstrip()
    .replace("\n", "\n    ").join(["    ", ""]))
say()

# Zhejiang sharp-peak commercial tariff and Inner Mongolia west valley tariff.
y.do("site-set", {"name": "east", "local": True, "currency": "CNY",
                  "price-uunits-per-kwh": 1219500, "pue-milli": 1300})
y.do("site-set", {"name": "west", "currency": "CNY",
                  "price-uunits-per-kwh": 379300, "pue-milli": 1120})
say("Sites: 'east' (this node) pays 1.2195 CNY/kWh at sharp peak with PUE 1.30;")
say("       'west' pays 0.3793 CNY/kWh in the valley with PUE 1.12.")

jobs = {}
with open("/sys/fs/cgroup/cgroup.subtree_control", "w") as f:
    f.write("+cpu")
for name, weight in (("training-big", 300), ("training-small", 100)):
    path = f"/sys/fs/cgroup/{name}"
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "cpu.weight"), "w") as f:
        f.write(str(weight))
    jobs[name] = (path, os.stat(path).st_ino)
procs = []
for name, (path, _) in jobs.items():
    def enter(path=path):
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        os.sched_setaffinity(0, {0})
    procs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"], preexec_fn=enter))
say()
say("Running two training jobs on CPU 0 for 4 seconds, with CPU weights 300 and 100...")
time.sleep(4)
for p in procs:
    p.kill()
    p.wait()
time.sleep(0.3)

say()
for name, (_, cgid) in jobs.items():
    c = y.do("cgroup-get", {"id": cgid})
    joules = c["cpu-uj"] / 1e6
    est = " (estimated)" if "estimated" in c["flags"] else ""
    say(f"  {name:15s} ran {c['runtime-ns'] / 1e9:5.2f} s of CPU, used {joules:6.1f} J{est},"
        f" cost {c['cost-uunits']} micro-CNY at east's price x PUE")
m = y.do("meter-get", {})
total = sum(d["energy-uj"] for d in m["domain"] if d["domain"] == "pkg") / 1e6
idle = sum(d["idle-uj"] for d in m["domain"] if d["domain"] == "pkg") / 1e6
say(f"  The meter counted {total:.1f} J since load; {idle:.1f} J of it went to idle CPUs.")
say("  Every joule is charged to exactly one cgroup, to idle, or to 'other'.")
say()

big = jobs["training-big"][1]
y.do("cgroup-policy-set", {"id": big, "deferrable": 1, "migratable": 1, "priority": 5})
r = y.do("migrate-request", {"cgroup-id": big, "site": "west", "mode": "live",
                             "requester": "make demo", "timeout-s": 30})
say(f"training-big is marked migratable and a live move to 'west' is requested: "
    f"request {r['id']} is {r['state']}.")
say("A node daemon (pwrmigd) would claim it and move the job with CRIU; with none")
say("running, the request times out after 30 s and says so.")
y.do("migrate-cancel", {"id": r["id"]})
del y
subprocess.run(["rmmod", "pwrmig"], check=True)
say()
say("Module unloaded cleanly.")
