# SPDX-License-Identifier: GPL-2.0
"""Attribution at sched_switch: two busy cgroups with cpu.weight 300:100
pinned to one CPU.  Their CPU energy splits like their runtime (within
2 %), their runtime matches the kernel's cpu.stat, and after every sample
cgroups + idle + other equal what the meter counted, exactly, with the
test meter and with the power model."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import (Tap, load, unload, ynl, dbg_write, sample, cgroup,  # noqa: E402
                         cpu_usage_us, spinner, ledger_totals)

t = Tap()
load()
y = ynl()
a_path, a_id = cgroup("pwrmig-a", 300)
b_path, b_id = cgroup("pwrmig-b", 100)
# Manual samples only: a 10 s interval never fires during a phase.
dbg_write("bits", 32)
dbg_write("unit_uj", 1)
y.do("meter-set", {"kind": "external", "interval-ms": 10000})
procs = [spinner(a_path), spinner(b_path)]


def phase(name, inject):
    """Run ~5 s in 10 samples; check conservation after each.  cpu.stat
    is read right after a sample at both ends, so that it and the ledger
    cover the same window however slowly the ledger is read."""
    sample()
    use0 = {i: cpu_usage_us(p) for i, p in ((a_id, a_path), (b_id, b_path))}
    first, cgs = ledger_totals(y)
    start = {i: (cgs.get(i, {}).get("cpu-uj", 0), cgs.get(i, {}).get("runtime-ns", 0))
             for i in (a_id, b_id)}
    bad = []
    for n in range(10):
        time.sleep(0.5)
        inject(n)
        sample()
        use1 = {i: cpu_usage_us(p) for i, p in ((a_id, a_path), (b_id, b_path))}
        totals, cgs = ledger_totals(y)
        for dom, (meter, parts) in totals.items():
            if meter != parts:
                bad.append(f"sample {n} {dom}: meter {meter} uJ, idle+other+cgroups {parts} uJ")
    t.check(not bad, f"{name}: cgroups + idle + other == meter after each of 10 samples",
            "\n".join(bad))
    grew = totals["pkg"][0] - first["pkg"][0]
    t.check(grew > 0, f"{name}: the meter counted energy ({grew} uJ)")

    e = {i: cgs[i]["cpu-uj"] - start[i][0] for i in (a_id, b_id)}
    r = {i: cgs[i]["runtime-ns"] - start[i][1] for i in (a_id, b_id)}
    u = {i: (use1[i] - use0[i]) * 1000 for i in (a_id, b_id)}
    t.note(f"{name}: energy A {e[a_id]} uJ B {e[b_id]} uJ, runtime A {r[a_id]} ns "
           f"B {r[b_id]} ns, cpu.stat A {u[a_id]} ns B {u[b_id]} ns")
    if min(e.values()) <= 0 or min(r.values()) <= 0:
        t.fail(f"{name}: both cgroups charged", f"energy {e}, runtime {r}")
        return
    ratio_e = e[a_id] / e[b_id]
    ratio_r = r[a_id] / r[b_id]
    t.check(abs(ratio_e / ratio_r - 1) <= 0.02,
            f"{name}: energy ratio {ratio_e:.3f} within 2 % of runtime ratio {ratio_r:.3f}")
    t.check(2.7 <= ratio_r <= 3.3,
            f"{name}: cpu.weight 300:100 shows as runtime ratio {ratio_r:.2f}")
    for i, label in ((a_id, "A"), (b_id, "B")):
        t.check(abs(r[i] / u[i] - 1) <= 0.02,
                f"{name}: runtime of {label} within 2 % of cpu.stat ({r[i] / u[i]:.4f})")


# Test meter: inject deltas of odd sizes into both domains.
raw = {"pkg": 1000, "dram": 77}
dbg_write("pkg0_pkg", raw["pkg"])
dbg_write("pkg0_dram", raw["dram"])
sample()


def inject(n):
    raw["pkg"] += 1000003 + 7919 * n
    raw["dram"] += 333331
    dbg_write("pkg0_pkg", raw["pkg"])
    dbg_write("pkg0_dram", raw["dram"])


phase("test meter", inject)
m = y.do("meter-get", {})
t.check("estimated" not in m, "test meter figures are not flagged estimated")

# Power model: 3 W idle, 12 W busy per CPU.
y.do("meter-set", {"kind": "model", "model-idle-mw": 3000, "model-active-mw": 12000})
sample()
phase("model meter", lambda n: None)
m = y.do("meter-get", {})
t.check("estimated" in m, "model meter figures are flagged estimated")
c = y.do("cgroup-get", {"id": a_id})
t.check("estimated" in c["flags"], "a cgroup charged by the model is flagged estimated")

for p in procs:
    p.kill()
    p.wait()
t.check(unload(), "module unloads")
t.done()
