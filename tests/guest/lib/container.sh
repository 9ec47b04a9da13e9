# SPDX-License-Identifier: GPL-2.0
#
# OCI bundles for runc in the guests, sourced by shell tests: a rootfs of
# busybox-static (every applet a link) and runc's default config with
# the given command, no terminal and a writable root.
#
#   make_bundle DIR CMD [ARG...]

make_bundle() {
	local dir=$1 a
	shift
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" \
		"$dir/rootfs/sys" "$dir/rootfs/tmp" || return 1
	cp /bin/busybox "$dir/rootfs/bin/busybox" || return 1
	for a in sh sleep cat echo; do ln -sf busybox "$dir/rootfs/bin/$a"; done
	(cd "$dir" && rm -f config.json && runc spec) || return 1
	python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args
c["root"]["readonly"] = False
json.dump(c, open(path, "w"), indent=1)
PY
}
