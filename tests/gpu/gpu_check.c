// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-gpu-check: pwrmigd's GPU sampler (userspace/pwrmigd/metering/gpu.c) on its
 * own, for a GPU host where the rest of pwrmig is not installed: sample
 * NVML for SECONDS and print each cgroup's share of the GPU energy next to
 * NVML's own total.  Needs only the C library (NVML is loaded at run time).
 * scripts/gpu-check runs it around two CUDA jobs.
 *
 *   pwrmig-gpu-check SECONDS [INTERVAL_MS [NVML_LIBRARY]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metering/metering.h"

#define MAX_CG 64

static struct {
	uint64_t cgid;
	uint64_t uj;
} cg[MAX_CG];
static unsigned int ncg;

static int report(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj)
{
	unsigned int i;

	for (i = 0; i < ncg && cg[i].cgid != cgid; i++)
		;
	if (i == ncg) {
		if (ncg == MAX_CG)
			return -1;	/* stays with the device's idle figure */
		cg[ncg++].cgid = cgid;
	}
	cg[i].uj += uj;
	return 0;
}

int main(int argc, char **argv)
{
	static struct pd pd;
	struct pd_snapshot snap = { 0 };
	struct timespec ts;
	struct pd_gpu *g;
	uint64_t sum = 0, total = 0, idle = 0;
	unsigned int i, secs, ms;
	char path[256];

	if (argc < 2 || !(secs = atoi(argv[1]))) {
		fprintf(stderr, "usage: pwrmig-gpu-check SECONDS [INTERVAL_MS [NVML_LIBRARY]]\n");
		return 2;
	}
	ms = argc > 2 ? atoi(argv[2]) : 200;
	if (!ms)
		ms = 200;
	pd_config_defaults(&pd.cfg);
	pd.cfg.gpu = PD_GPU_NVML;
	pd_log_init(1);
	if (argc > 3)
		snprintf(pd.cfg.nvml_library, sizeof(pd.cfg.nvml_library), "%s", argv[3]);
	if (pd_gpu_open(&pd, &g) || !g)
		return 1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000L;
	for (i = 0; i < secs * 1000 / ms; i++) {
		nanosleep(&ts, NULL);
		pd_gpu_sample(g, report, NULL);
	}
	pd_gpu_fill(g, &snap);
	for (i = 0; i < snap.ngpu; i++) {
		printf("device %u %s: NVML %.3f J, idle (not charged) %.3f J, %.1f W now\n",
		       snap.gpu[i].index, snap.gpu[i].name, snap.gpu[i].energy_uj / 1e6,
		       snap.gpu[i].idle_uj / 1e6, snap.gpu[i].power_mw / 1e3);
		total += snap.gpu[i].energy_uj;
		idle += snap.gpu[i].idle_uj;
	}
	for (i = 0; i < ncg; i++) {
		if (pd_cgroup_path(cg[i].cgid, path, sizeof(path)))
			snprintf(path, sizeof(path), "(gone)");
		printf("cgroup %s (id %llu): %.3f J\n", path, (unsigned long long)cg[i].cgid,
		       cg[i].uj / 1e6);
		sum += cg[i].uj;
	}
	printf("cgroups %.3f J + idle %.3f J = %.3f J; NVML total %.3f J; "
	       "cgroups / (NVML - idle) = %.4f\n", sum / 1e6, idle / 1e6, (sum + idle) / 1e6,
	       total / 1e6, total > idle ? (double)sum / (total - idle) : 0.0);
	pd_gpu_close(g);
	return 0;
}
