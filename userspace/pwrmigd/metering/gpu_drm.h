/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GPUs that the kernel meters through hwmon (amdgpu; i915 and xe with an
 * energy counter), and who uses them: DRM clients' fdinfo and AMD's KFD
 * (ROCm) processes.  gpu.c turns this into per-cgroup energy.
 */
#ifndef _PWRMIGD_GPU_DRM_H
#define _PWRMIGD_GPU_DRM_H

#include <limits.h>
#include <stdint.h>

#define PD_DRM_MAJOR		226	/* Linux's DRM character major */
#define PD_DRM_MAX_DEV		16
#define PD_DRM_MAX_CLIENTS	512
#define PD_DRM_MAX_KFD		256

/* What hwmon offers, best first. */
enum pd_drm_meter {
	PD_DRM_ENERGY,		/* energy1_input, uJ counter */
	PD_DRM_POWER_AVG,	/* power1_average, uW: integrated */
	PD_DRM_POWER_INPUT,	/* power1_input, uW: integrated */
};

struct pd_drm_dev {
	char pdev[32];			/* PCI address, as fdinfo's drm-pdev */
	char name[96];			/* "amdgpu 0000:03:00.0" */
	char meter_path[PATH_MAX];	/* the hwmon file read */
	enum pd_drm_meter meter;
	unsigned int minor[2];		/* cardN, renderDN */
	unsigned int nminor;
	int kfd_gpu_id;			/* KFD's gpu_id, -1: not a KFD device */
	unsigned int kfd_cus;		/* its compute units, 0: unknown */
	int apu;			/* shares a package with CPU cores (KFD) */
	int primed;
	uint64_t last;			/* last reading: uJ or uW */
	uint64_t unread_ns;		/* counter: time since the last good read */
	uint64_t power_mw;
	uint64_t read_errors;
	uint64_t resets;
};

/* One DRM client (a struct drm_file) on one of our devices. */
struct pd_drm_client {
	unsigned int dev;
	uint64_t client_id;
	int pid, fd;			/* where its fdinfo was found */
	uint64_t busy_ns;		/* largest engine-time sum seen */
	uint64_t delta_ns;		/* since the previous sample */
	int engines;			/* its fdinfo has drm-engine-* keys */
	unsigned int gen;
	uint64_t cgid;			/* gpu.c's: of PID, this sample */
};

/* A KFD (ROCm) process on one of our devices, this sample. */
struct pd_drm_kfd {
	unsigned int dev;
	int pid;
	unsigned int cus;		/* compute units its waves occupy now */
	uint64_t cgid;			/* gpu.c's: of PID, this sample */
};
#define PD_DRM_CU_UNKNOWN	(~0U)	/* no cu_occupancy (older GPUs) */

struct pd_drm {
	char sysfs[256], proc[256];
	unsigned int ndev;
	struct pd_drm_dev dev[PD_DRM_MAX_DEV];
	unsigned int kfd_major;		/* of /dev/kfd, 0: none */
	struct pd_drm_client client[PD_DRM_MAX_CLIENTS];
	unsigned int nclient;
	struct pd_drm_kfd kfd[PD_DRM_MAX_KFD];
	unsigned int nkfd;
	unsigned int gen;
	uint64_t last_scan_ns;		/* the last walk of every fd */
	uint64_t last_usage_ns;		/* the last pd_drm_usage() */
	uint64_t window_ns;		/* a client new now began within this */
	uint64_t fdinfo_errors;		/* DRM fdinfo we could not parse */
};

/*
 * A GPU energy counter's reading V (NVML's, hwmon's): its rise since
 * LAST into *DELTA.  -EAGAIN on the first reading, and when it went back
 * (a driver reload restarted it: counted in *RESETS, never negative).
 */
int pd_gpu_counter_step(int *primed, uint64_t *last, uint64_t *resets, uint64_t v,
			uint64_t *delta);

/* Find hwmon-metered DRM devices under SYSFS; the number found. */
unsigned int pd_drm_find(struct pd_drm *d, const char *sysfs, const char *proc);

/*
 * Energy of device I over the ELAPSED_NS since the last call, in *UJ.
 * 0: measured; -EAGAIN: first reading (or the counter restarted), nothing
 * yet; -EIO: unreadable now (a runtime-suspended GPU), taken as 0 W.
 */
int pd_drm_energy(struct pd_drm *d, unsigned int i, uint64_t elapsed_ns, uint64_t *uj);

/*
 * Refresh the clients' engine time and the KFD processes.  Every fd of
 * every process is scanned when RESCAN is set or a few seconds have
 * passed; otherwise only the fds found before are read again.
 */
void pd_drm_usage(struct pd_drm *d, uint64_t now_ns, int rescan);

/* Is MAJOR:MINOR a node of device I (card, render node, or /dev/kfd)? */
int pd_drm_node_of(const struct pd_drm *d, unsigned int i, unsigned int major,
		   unsigned int minor);

const char *pd_drm_meter_name(const struct pd_drm_dev *dev);

#endif
