/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI shared by sched.bpf.c and its loader: per-cgroup on-CPU time
 * measured at every context switch.
 */
#ifndef __PWRMIG_SCHED_H
#define __PWRMIG_SCHED_H

/* Default bound on tracked cgroups; the loader may set another. */
#define PWRMIG_SCHED_MAX_CGROUPS	4096

/* Per CPU, per cgroup v2 id: time on CPU and context switches out. */
struct pwrmig_sched_val {
	__u64 runtime_ns;
	__u64 switches;
};

/*
 * Per CPU bookkeeping and the bucket that is not a cgroup.  The program
 * bumps seq_begin (the last field) before it writes and copies it to
 * seq_end (the first) after: a reader whose copy has them unequal saw a
 * write in progress on that CPU (copies run from low addresses up).
 */
struct pwrmig_sched_cpu {
	__u64 seq_end;
	/*
	 * The task switched in last: its pid, its cgroup and its
	 * se.sum_exec_runtime then.  The scheduler's own runtime count is
	 * charged, as the module does: no clock is read here.
	 */
	__u64 in_pid;
	__u64 in_cgid;
	__u64 in_sum;
	__u64 overflow_ns;		/* time of cgroups the map had no room for */
	__u64 overflow_switches;
	/*
	 * Runtime of one cgroup not yet added to the hash: consecutive
	 * charges to the same cgroup on a CPU (a task and the idle task, or
	 * tasks of one container, taking turns) skip the hash lookup.
	 */
	__u64 pend_cgid;
	__u64 pend_ns;
	__u64 pend_switches;
	__u64 seq_begin;
};

#endif /* __PWRMIG_SCHED_H */
