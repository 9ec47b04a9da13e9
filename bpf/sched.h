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

/* Per CPU bookkeeping and the buckets that are not a cgroup. */
struct pwrmig_sched_cpu {
	__u64 last_ns;			/* time of this CPU's last switch */
	__u64 idle_ns;			/* time the idle task ran */
	__u64 overflow_ns;		/* time of cgroups the map had no room for */
	__u64 overflow_switches;
	/* What runs since last_ns, for readers that charge the running stretch. */
	__u64 cur_cgid;
	__u64 cur_idle;
};

#endif /* __PWRMIG_SCHED_H */
