/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ABI shared by gpu.bpf.c and its loader: per cgroup and character
 * device, how often it was opened and how many ioctls it was given.
 */
#ifndef __PWRMIG_GPU_H
#define __PWRMIG_GPU_H

/* Default bound on tracked (cgroup, device) pairs; the loader may set another. */
#define PWRMIG_GPU_MAX_ENTRIES	4096

/* Room for majors in the filter (gpu_majors[] in gpu.bpf.c). */
#define PWRMIG_GPU_MAX_MAJORS	8

/* Defaults: NVIDIA's fixed major (/dev/nvidia0.., /dev/nvidiactl) and DRM's. */
#define PWRMIG_GPU_MAJOR_NVIDIA	195
#define PWRMIG_GPU_MAJOR_DRM	226

struct pwrmig_gpu_key {
	__u64 cgid;		/* cgroup v2 id of the task that opened or called */
	__u32 major;
	__u32 minor;
};

/* Per CPU; the reader sums the counts and takes the latest time. */
struct pwrmig_gpu_val {
	__u64 opens;
	__u64 ioctls;
	__u64 last_ioctl_ns;	/* bpf_ktime_get_ns(), CLOCK_MONOTONIC; 0: none */
};

#endif /* __PWRMIG_GPU_H */
