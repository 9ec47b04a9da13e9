// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-cgroup CPU time at sched_switch.
 *
 * At sched_switch the scheduler has just brought the outgoing task's
 * se.sum_exec_runtime up to date: what it grew by since the task came in
 * on this CPU is charged to its cgroup, the same count the module and
 * cpu.stat use.  Only per-CPU maps are touched: no locks, no allocation
 * beyond the bounded hash; a cgroup that finds the hash full is counted
 * in the overflow bucket, never dropped.
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

/* Add the pending runtime to its cgroup's hash entry. */
static __always_inline void flush(struct pwrmig_sched_cpu *cpu)
{
	struct pwrmig_sched_val zero = {}, *val;
	__u64 cgid = cpu->pend_cgid;

	if (!cpu->pend_ns)
		return;
	val = bpf_map_lookup_elem(&runtime, &cgid);
	if (!val) {
		bpf_map_update_elem(&runtime, &cgid, &zero, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&runtime, &cgid);
	}
	if (val) {
		val->runtime_ns += cpu->pend_ns;
		val->switches += cpu->pend_switches;
	} else {
		cpu->overflow_ns += cpu->pend_ns;
		cpu->overflow_switches += cpu->pend_switches;
	}
	cpu->pend_ns = 0;
	cpu->pend_switches = 0;
}

static __always_inline int account_switch(__u64 prev_pid, __u64 prev_sum, __u64 cgid,
					  __u64 next_pid, __u64 next_sum, __u64 next_cgid)
{
	struct pwrmig_sched_cpu *cpu;
	__u32 key = 0;
	__u64 seq;

	cpu = bpf_map_lookup_elem(&cpu_state, &key);
	if (!cpu)
		return 0;
	seq = cpu->seq_begin + 1;
	cpu->seq_begin = seq;
	barrier();

	/*
	 * The scheduler has just updated prev's runtime.  Only a baseline
	 * taken when this same task came in counts (not the first switch
	 * after attaching); pid 0 is the idle task, whose time is the
	 * reader's wall clock less the tasks' time.
	 */
	if (prev_pid && prev_pid == cpu->in_pid && prev_sum > cpu->in_sum) {
		if (cgid != cpu->pend_cgid) {
			flush(cpu);
			cpu->pend_cgid = cgid;
		}
		cpu->pend_ns += prev_sum - cpu->in_sum;
		cpu->pend_switches++;
	}
	cpu->in_pid = next_pid;
	cpu->in_cgid = next_cgid;
	cpu->in_sum = next_sum;

	barrier();
	cpu->seq_end = seq;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	/* BTF-typed pointers: plain loads, relocated by CO-RE. */
	return account_switch(prev->pid, prev->se.sum_exec_runtime,
			      prev->cgroups->dfl_cgrp->kn->id,
			      next->pid, next->se.sum_exec_runtime,
			      next->cgroups->dfl_cgrp->kn->id);
}

/* Fallback for kernels whose BTF lacks the tracepoint's prototype. */
SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	return account_switch(BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, se.sum_exec_runtime),
			      BPF_CORE_READ(prev, cgroups, dfl_cgrp, kn, id),
			      BPF_CORE_READ(next, pid), BPF_CORE_READ(next, se.sum_exec_runtime),
			      BPF_CORE_READ(next, cgroups, dfl_cgrp, kn, id));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
