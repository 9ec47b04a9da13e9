// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for NVIDIA's libnvidia-ml.so.1 with the same ABI for the
 * calls pwrmigd makes, driven by a text file so that tests can play GPUs
 * on machines without one.  $PWRMIG_NVML_DOUBLE names the file, read at
 * every call:
 *
 *   device NAME BASE_MJ POWER_MW [MINOR]
 *                                   a GPU; its energy counter reads
 *                                   BASE_MJ + POWER_MW x seconds since
 *                                   nvmlInit (so a lower BASE_MJ written
 *                                   later plays a driver reload); MINOR
 *                                   is its device minor (default: index)
 *   process DEV PID SM             PID runs on device DEV at SM percent
 *                                   (0: listed, but no utilisation sample)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
typedef struct dev *nvmlDevice_t;

#define NVML_SUCCESS			0
#define NVML_ERROR_UNINITIALIZED	1
#define NVML_ERROR_INVALID_ARGUMENT	2
#define NVML_ERROR_NOT_FOUND		6
#define NVML_ERROR_INSUFFICIENT_SIZE	7
#define NVML_ERROR_UNKNOWN		999

typedef struct {
	unsigned int pid;
	unsigned long long timeStamp;
	unsigned int smUtil, memUtil, encUtil, decUtil;
} nvmlProcessUtilizationSample_t;

typedef struct {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

#define MAXD 8
#define MAXP 64

struct dev {
	char name[64];
	unsigned long long base_mj;
	unsigned int power_mw;
	unsigned int minor;
	unsigned int nproc;
	unsigned int pid[MAXP], sm[MAXP];
};

static struct dev devs[MAXD];
static unsigned int ndev;
static int inited;
static struct timespec t0;

static double since_init(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

static int load(void)
{
	const char *path = getenv("PWRMIG_NVML_DOUBLE");
	char line[256], name[64];
	unsigned long long a;
	unsigned int b, c, d;
	FILE *f;

	if (!path || !(f = fopen(path, "r")))
		return -1;
	ndev = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "device %63s %llu %u", name, &a, &b) == 3 && ndev < MAXD) {
			struct dev *x = &devs[ndev];

			snprintf(x->name, sizeof(x->name), "%s", name);
			x->base_mj = a;
			x->power_mw = b;
			if (sscanf(line, "device %*s %*u %*u %u", &x->minor) != 1)
				x->minor = ndev;
			x->nproc = 0;
			ndev++;
		} else if (sscanf(line, "process %u %u %u", &b, &c, &d) == 3 && b < ndev &&
			   devs[b].nproc < MAXP) {
			devs[b].pid[devs[b].nproc] = c;
			devs[b].sm[devs[b].nproc++] = d;
		}
	}
	fclose(f);
	return 0;
}

static struct dev *check(nvmlDevice_t d)
{
	if (!inited || load() || d < devs || d >= devs + ndev)
		return NULL;
	return d;
}

nvmlReturn_t nvmlInit_v2(void)
{
	if (load())
		return NVML_ERROR_UNKNOWN;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	inited = 1;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
	inited = 0;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
	return r == NVML_ERROR_UNKNOWN ? "Unknown Error (test double: no state file)" :
	       r == NVML_ERROR_UNINITIALIZED ? "Uninitialized" : "test double error";
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n)
{
	if (!inited || load())
		return NVML_ERROR_UNINITIALIZED;
	*n = ndev;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d)
{
	if (!inited || load() || i >= ndev)
		return NVML_ERROR_INVALID_ARGUMENT;
	*d = &devs[i];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int len)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	snprintf(name, len, "%s", d->name);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *mj)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	*mj = d->base_mj + (unsigned long long)(d->power_mw * since_init());
	return NVML_SUCCESS;
}

/* Device I's UUID and bus id, as NVML spells them: GPU-...000I, 00000000:I+1:00.0. */
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int len)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	snprintf(uuid, len, "GPU-00000000-0000-0000-0000-%012u", (unsigned int)(d - devs));
	return NVML_SUCCESS;
}

typedef struct {
	char busIdLegacy[16];
	unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
	char busId[32];
} nvmlPciInfo_t;

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *pci)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	memset(pci, 0, sizeof(*pci));
	pci->bus = (unsigned int)(d - devs) + 1;
	snprintf(pci->busId, sizeof(pci->busId), "00000000:%02X:00.0", pci->bus);
	snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "0000:%02X:00.0", pci->bus);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t d, unsigned int *minor)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	*minor = d->minor;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw)
{
	if (!check(d))
		return NVML_ERROR_INVALID_ARGUMENT;
	*mw = d->power_mw;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t d,
					     nvmlProcessUtilizationSample_t *u,
					     unsigned int *count,
					     unsigned long long last_seen)
{
	unsigned int i, n = 0;
	struct timespec t;

	if (!check(d) || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (i = 0; i < d->nproc; i++)
		n += d->sm[i] > 0;
	if (!n)
		return NVML_ERROR_NOT_FOUND;
	if (!u || *count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	clock_gettime(CLOCK_REALTIME, &t);
	for (i = 0, n = 0; i < d->nproc; i++) {
		if (!d->sm[i])
			continue;
		memset(&u[n], 0, sizeof(u[n]));
		u[n].pid = d->pid[i];
		u[n].timeStamp = t.tv_sec * 1000000ULL + t.tv_nsec / 1000;
		u[n].smUtil = d->sm[i];
		n++;
	}
	*count = n;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *count,
						     nvmlProcessInfo_t *p)
{
	unsigned int i;

	if (!check(d) || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (*count < d->nproc) {
		*count = d->nproc;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (i = 0; i < d->nproc; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].pid = d->pid[i];
	}
	*count = d->nproc;
	return NVML_SUCCESS;
}
