#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Scrape pwrmigd's /metrics and answer questions about it, for the shell
# tests.  Values are read as exact integers of micro-units (the exporter
# prints six decimals), so sums can be compared exactly.
#
#   metrics.py URL save FILE            the raw text into FILE
#   metrics.py FILE get NAME [LABEL=VALUE...]   one sample, in micro-units
#   metrics.py FILE get0 NAME [LABEL=VALUE...]  the same, 0 when absent
#   metrics.py FILE sum NAME [LABEL=VALUE...]   sum of matching samples

import re
import sys
import urllib.request

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def micro(v):
    whole, _, frac = v.partition(".")
    frac = (frac + "000000")[:6] if len(frac) <= 6 else None
    if frac is None:                     # more precise than micro-units
        return round(float(v) * 1e6)
    return int(whole) * 1000000 + int(frac)


def samples(text):
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            sys.exit("metrics.py: cannot parse line: " + line)
        yield m.group(1), dict(LABEL.findall(m.group(2) or "")), m.group(3)


def main():
    if len(sys.argv) >= 4 and sys.argv[2] == "save":
        with urllib.request.urlopen(sys.argv[1], timeout=10) as r, \
                open(sys.argv[3], "w") as f:
            f.write(r.read().decode())
        return
    if len(sys.argv) < 4 or sys.argv[2] not in ("get", "get0", "sum"):
        sys.exit(__doc__ if __doc__ else "usage: see the head of metrics.py")
    with open(sys.argv[1]) as f:
        text = f.read()
    name = sys.argv[3]
    want = dict(a.split("=", 1) for a in sys.argv[4:])
    vals = [micro(v) for n, labels, v in samples(text)
            if n == name and all(labels.get(k) == w for k, w in want.items())]
    if sys.argv[2] == "get0" and not vals:
        print(0)
    elif sys.argv[2] in ("get", "get0"):
        if len(vals) != 1:
            sys.exit("metrics.py: %d samples of %s %s" % (len(vals), name, want))
        print(vals[0])
    else:
        print(sum(vals))


if __name__ == "__main__":
    main()
