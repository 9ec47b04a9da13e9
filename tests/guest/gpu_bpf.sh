#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The eBPF GPU device-use counter on the guest kernels: the host-built
# object loads there (CO-RE) and counts, with every way in the kernel
# allows (fentry and kprobe on the Debian kernels, which the host test
# can only skip on a host without them), and counts DRM_IOCTL_VERSION
# calls on vgem's card exactly.  Both programs' TAP lines count as this
# test's.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
cleanup() { modprobe -r vgem 2>/dev/null; }
trap cleanup EXIT

run_tap() {
	local name=$1
	shift
	"$@" 2>&1 | sed -e "s/^ok \([0-9]*\) /ok \1 $name: /" \
		-e "s/^not ok \([0-9]*\) /not ok \1 $name: /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || T_FAILED=$((T_FAILED + 1))
}

# The Debian kernels have fentry and kprobes: no hook may skip here.
PWRMIG_TEST_ALL_HOOKS=1 run_tap bpf_gpu build/tests/host/bpf_gpu
if modprobe vgem; then
	t_ok "modprobe vgem"
	run_tap gpu_vgem build/tests/guest/gpu_vgem
else
	t_fail "modprobe vgem"
fi
t_done
