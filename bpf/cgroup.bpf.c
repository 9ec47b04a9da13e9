// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup v2 lifecycle: mkdir, rmdir and task attach on the default
 * hierarchy, to a ring buffer, so that the module-less ledger names new
 * cgroups at once and keeps a removed cgroup's figures instead of losing
 * them.  Events that find the ring full are counted, not silently lost.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "cgroup.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline int emit(__u32 type, struct cgroup *cgrp, const char *path,
				__u32 pid)
{
	struct pwrmig_cgev *e;
	__u32 key = 0;
	__u64 *n;

	/* The default (v2) hierarchy has id 0; v1 hierarchies are not ours. */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		n = bpf_map_lookup_elem(&lost, &key);
		if (n)
			(*n)++;
		return 0;
	}
	e->type = type;
	e->pid = pid;
	e->cgid = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), path) < 0)
		e->path[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return emit(PWRMIG_CGEV_MKDIR, cgrp, path, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return emit(PWRMIG_CGEV_RMDIR, cgrp, path, 0);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach_task, struct cgroup *cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	return emit(PWRMIG_CGEV_ATTACH, cgrp, path, BPF_CORE_READ(task, pid));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
