// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-gpu-check runs on GPU hosts that may lack libbpf: it measures
 * NVML's per-process split only, so the eBPF device-use counter is
 * reported absent here and the sampler goes on without it.
 */
#include <errno.h>
#include <stdio.h>

#include "pwrmig_bpf.h"

int pwrmig_gpu_open(struct pwrmig_gpu **g, const struct pwrmig_gpu_opts *opts,
		    char *err, size_t errlen)
{
	(void)opts;
	*g = NULL;
	if (err)
		snprintf(err, errlen, "not built into pwrmig-gpu-check");
	return -ENOSYS;
}

void pwrmig_gpu_close(struct pwrmig_gpu *g)
{
	(void)g;
}

const char *pwrmig_gpu_attach_kind(const struct pwrmig_gpu *g)
{
	(void)g;
	return "none";
}

int pwrmig_gpu_read(struct pwrmig_gpu *g,
		    int (*fn)(const struct pwrmig_gpu_use *u, void *arg), void *arg)
{
	(void)g;
	(void)fn;
	(void)arg;
	return -ENOSYS;
}
