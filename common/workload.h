/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who runs in a cgroup, read off its cgroup v2 path, so that pwrmig's
 * figures join with the rest of a fleet's: a Kubernetes pod and
 * container (kubelet's systemd and cgroupfs drivers; containerd, CRI-O,
 * Docker), a Docker or Podman container, a Slurm job and step
 * (slurmstepd's cgroup v2 and v1 layouts), and the systemd unit.
 */
#ifndef _PWRMIG_WORKLOAD_H
#define _PWRMIG_WORKLOAD_H

struct pwrmig_workload_id {
	const char *kind;	/* "kubernetes", "container", "slurm", "systemd", or "" */
	char pod_uid[40];	/* Kubernetes pod UID, with its dashes */
	char container_id[72];	/* the runtime's container id (64 hex digits) */
	char unit[128];		/* the innermost systemd service or scope */
	char slurm_job[24];	/* Slurm job id */
	char slurm_step[24];	/* ... and step (a number, batch, extern, interactive) */
};

/* Fill W from PATH (below the cgroup v2 root); 1 when anything is known, else 0. */
int pwrmig_workload_of(const char *path, struct pwrmig_workload_id *w);

#endif
