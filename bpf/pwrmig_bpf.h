/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Userspace API of pwrmig's eBPF collectors (libpwrmig-bpf.a).
 */
#ifndef __PWRMIG_BPF_H
#define __PWRMIG_BPF_H

#include <stddef.h>
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

/* ---- GPU device use per cgroup (gpu.bpf.c) --------------------------------- */

struct pwrmig_gpu;

struct pwrmig_gpu_opts {
	const unsigned int *majors;	/* character device majors; NULL: NVIDIA 195, DRM 226 */
	unsigned int nmajors;		/* 1..PWRMIG_GPU_MAX_MAJORS (8) when majors is set */
	unsigned int max_entries;	/* (cgroup, device) pairs; 0: PWRMIG_GPU_MAX_ENTRIES */
};

/* One cgroup's use of one device since the previous pwrmig_gpu_read(). */
struct pwrmig_gpu_use {
	uint64_t cgid;
	unsigned int major, minor;
	uint64_t opens;
	uint64_t ioctls;
	uint64_t last_ioctl_ns;	/* CLOCK_MONOTONIC of the latest ioctl; 0: none */
};

struct pwrmig_gpu_totals {
	uint64_t overflow_opens;	/* since load, of pairs the map had no room for */
	uint64_t overflow_ioctls;
};

/*
 * Load and attach the device-use counter (OPTS may be NULL).  Returns 0 or
 * a negative errno; on failure ERR (ERRLEN bytes, may be NULL) says what
 * failed.
 */
int pwrmig_gpu_open(struct pwrmig_gpu **g, const struct pwrmig_gpu_opts *opts,
		    char *err, size_t errlen);
void pwrmig_gpu_close(struct pwrmig_gpu *g);

/*
 * "fentry", "kprobe" or "syscall_tp" (raw syscall tracepoints, which do
 * not see failed opens): how it attached, and why the ones before it were
 * not taken ("" when none was passed over).
 */
const char *pwrmig_gpu_attach_kind(const struct pwrmig_gpu *g);
const char *pwrmig_gpu_fallback_why(const struct pwrmig_gpu *g);

/*
 * Call FN for every (cgroup, device) pair used since the previous call
 * (the first: since load) with the opens and ioctls in between.  A pair
 * unused for a whole interval is removed from the map, so that removed
 * cgroups do not hold its slots; a later use adds it back.  The deltas are
 * consumed even when FN returns non-zero (which is returned).
 */
int pwrmig_gpu_read(struct pwrmig_gpu *g,
		    int (*fn)(const struct pwrmig_gpu_use *u, void *arg), void *arg);

/* The overflow bucket summed over all CPUs. */
int pwrmig_gpu_totals(struct pwrmig_gpu *g, struct pwrmig_gpu_totals *t);

#endif /* __PWRMIG_BPF_H */
