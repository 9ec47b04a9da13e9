// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-cgroup CPU time at sched_switch.
 *
 * At sched_switch the current task is still the one leaving the CPU, so
 * the time since this CPU's previous switch belongs to its cgroup.  Only
 * per-CPU maps are touched: no locks, no allocation beyond the bounded
 * hash; a cgroup that finds the hash full is counted in the overflow
 * bucket, never dropped.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sched.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PWRMIG_SCHED_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct pwrmig_sched_val);
} runtime SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pwrmig_sched_cpu);
} cpu_state SEC(".maps");

static __always_inline int account_switch(struct task_struct *next)
{
	struct pwrmig_sched_val zero = {}, *val;
	struct pwrmig_sched_cpu *cpu;
	__u32 key = 0;
	__u64 now, delta, cgid;

	cpu = bpf_map_lookup_elem(&cpu_state, &key);
	if (!cpu)
		return 0;
	now = bpf_ktime_get_ns();
	delta = cpu->last_ns ? now - cpu->last_ns : 0;
	cpu->last_ns = now;
	/* Who runs from now on: the reader charges that stretch as it goes. */
	cpu->cur_idle = BPF_CORE_READ(next, pid) == 0;
	cpu->cur_cgid = BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id);
	if (!delta)
		return 0;

	/* pid 0 is this CPU's idle task. */
	if ((__u32)bpf_get_current_pid_tgid() == 0) {
		cpu->idle_ns += delta;
		return 0;
	}

	cgid = bpf_get_current_cgroup_id();
	val = bpf_map_lookup_elem(&runtime, &cgid);
	if (!val) {
		bpf_map_update_elem(&runtime, &cgid, &zero, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&runtime, &cgid);
		if (!val) {
			cpu->overflow_ns += delta;
			cpu->overflow_switches++;
			return 0;
		}
	}
	val->runtime_ns += delta;
	val->switches++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return account_switch(next);
}

/* Fallback for kernels whose BTF lacks the tracepoint's prototype. */
SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return account_switch(next);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
