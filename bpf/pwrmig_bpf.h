/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Userspace API of pwrmig's eBPF collectors (libpwrmig-bpf.a).
 */
#ifndef __PWRMIG_BPF_H
#define __PWRMIG_BPF_H

#include <stdint.h>

struct pwrmig_sched;

struct pwrmig_sched_totals {
	uint64_t overflow_ns;
	uint64_t overflow_switches;
};

/*
 * Load and attach the sched_switch collector tracking at most MAX_CGROUPS
 * cgroups (0: PWRMIG_SCHED_MAX_CGROUPS).  Returns 0 or a negative errno.
 */
int pwrmig_sched_open(struct pwrmig_sched **s, unsigned int max_cgroups);
void pwrmig_sched_close(struct pwrmig_sched *s);

/* "tp_btf" or "raw_tp": how it attached. */
const char *pwrmig_sched_attach_kind(const struct pwrmig_sched *s);

/*
 * Call FN for every tracked cgroup with its totals over all CPUs, the
 * runtime each CPU still holds for it included; not the stretch running
 * now (see pwrmig_sched_running()).
 */
int pwrmig_sched_for_each(struct pwrmig_sched *s,
			  int (*fn)(uint64_t cgid, uint64_t runtime_ns,
				    uint64_t switches, void *arg),
			  void *arg);

/*
 * Per CPU: what its current task has run since it came in (the scheduler's
 * count as of its last update, from /proc/PID/schedstat), not yet charged.
 */
struct pwrmig_sched_running {
	uint64_t running_ns;	/* 0: idle, unknown, or changing meanwhile */
	uint64_t cgid;
};

/*
 * Fill R (N entries, one per possible CPU) and return how many; read it
 * after pwrmig_sched_for_each() so that a switch in between makes time
 * late, never counted twice.
 */
int pwrmig_sched_running(struct pwrmig_sched *s, struct pwrmig_sched_running *r,
			 unsigned int n);
int pwrmig_sched_ncpus(const struct pwrmig_sched *s);

/* The overflow bucket summed over all CPUs. */
int pwrmig_sched_totals(struct pwrmig_sched *s, struct pwrmig_sched_totals *t);

/* ---- cgroup v2 lifecycle (cgroup.bpf.c) ------------------------------------ */

struct pwrmig_cgroup_events;

enum { PWRMIG_CGROUP_MKDIR = 1, PWRMIG_CGROUP_RMDIR, PWRMIG_CGROUP_ATTACH };

struct pwrmig_cgroup_event {
	int type;
	uint64_t cgid;
	uint32_t pid;		/* ATTACH: the task moved in */
	const char *path;	/* below the cgroup v2 root, e.g. "/job/a" */
};

/* Load and attach; FN gets each event from pwrmig_cgroup_events_poll(). */
int pwrmig_cgroup_events_open(struct pwrmig_cgroup_events **c,
			      int (*fn)(const struct pwrmig_cgroup_event *e, void *arg),
			      void *arg);
/* Deliver what is queued without waiting; returns how many, or -errno. */
int pwrmig_cgroup_events_poll(struct pwrmig_cgroup_events *c);
/* Events dropped because the ring was full (the caller should rescan). */
uint64_t pwrmig_cgroup_events_lost(struct pwrmig_cgroup_events *c);
void pwrmig_cgroup_events_close(struct pwrmig_cgroup_events *c);

#endif /* __PWRMIG_BPF_H */
