#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Add the attribute "dummy-probe" (u32) to the cgroup set of a copy of the
# spec, as a request attribute of cgroup-policy-set and a reply attribute
# of cgroup-get; print its value.
#
#   edit.py SPEC.yaml
import sys

import yaml

path = sys.argv[1]
text = open(path).read()
spec = yaml.safe_load(text)
for s in spec["attribute-sets"]:
    if s["name"] == "cgroup":
        s["attributes"].append({"name": "dummy-probe", "type": "u32",
                                "doc": "An attribute only the spec has."})
        value = len(s["attributes"])
for o in spec["operations"]["list"]:
    if o["name"] == "cgroup-policy-set":
        o["do"]["request"]["attributes"].append("dummy-probe")
    if o["name"] == "cgroup-get":
        o["do"]["reply"]["attributes"].append("dummy-probe")
with open(path, "w") as f:
    # The license line first, as ynl-gen-c.py wants it.
    f.write(text.splitlines()[0] + "\n")
    yaml.safe_dump(spec, f, sort_keys=False)
print(value)
