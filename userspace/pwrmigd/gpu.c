// SPDX-License-Identifier: GPL-2.0
/*
 * GPU energy per cgroup from NVML, loaded with dlopen() so that pwrmigd
 * needs nothing from NVIDIA to build or to run on machines without GPUs.
 *
 * Every sample: each device's total energy counter (mJ since the driver
 * loaded; a drop means a reload and is counted, not taken as negative
 * energy), less its idle power over the interval, is the active energy;
 * it is split over the processes using the device in proportion to their
 * SM utilisation samples (equally when the driver gives none), and each
 * process's share goes to its cgroup.  Where NVML has no utilisation
 * sample (processes in other PID namespaces, MIG, drivers without
 * accounting), NVML's running processes and the cgroups that the eBPF
 * gpu program saw issue ioctls on the device's node (/dev/nvidiaN:
 * gpu_device_major, NVML's minor number) share equally, each cgroup once.  The idle part, and active energy with no one to charge, stay
 * with the device.  The idle power is
 * configured (gpu_idle_mw) or learned as the lowest power seen with no
 * process on the device.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../kmod/attrib.h"
#include "pwrmig_bpf.h"
#include "pwrmigd.h"

#define MAX_DEV		16
#define MAX_PROCS	256

typedef int nvret;
typedef void *nvdev;

struct nv_util_sample {		/* nvmlProcessUtilizationSample_t */
	unsigned int pid;
	unsigned long long ts;
	unsigned int sm, mem, enc, dec;
};

struct nv_proc {		/* nvmlProcessInfo_v2_t / _v3_t */
	unsigned int pid;
	unsigned long long used_mem;
	unsigned int gi, ci;
};

#define NV_SUCCESS		0
#define NV_INSUFFICIENT_SIZE	7
#define NV_NOT_FOUND		6

struct nvml {
	void *so;
	nvret (*init)(void);
	nvret (*shutdown)(void);
	const char *(*error_string)(nvret);
	nvret (*count)(unsigned int *);
	nvret (*handle)(unsigned int, nvdev *);
	nvret (*name)(nvdev, char *, unsigned int);
	nvret (*energy)(nvdev, unsigned long long *);
	nvret (*power)(nvdev, unsigned int *);
	nvret (*util)(nvdev, struct nv_util_sample *, unsigned int *, unsigned long long);
	nvret (*procs)(nvdev, unsigned int *, struct nv_proc *);
	nvret (*minor)(nvdev, unsigned int *);	/* optional */
};

struct gdev {
	nvdev h;
	char name[96];
	unsigned long long last_mj;
	int primed;
	unsigned long long last_ts;	/* newest utilisation sample seen */
	uint64_t energy_uj, idle_uj, power_mw, resets;
	int64_t idle_mw;		/* learned or configured; -1 unknown */
	int minor;			/* of /dev/nvidiaN; -1 unknown */
};

/* A cgroup that issued ioctls on a GPU node since the last sample (eBPF gpu). */
struct use_row {
	uint64_t cgid;
	unsigned int minor;
};

struct pd_gpu {
	struct pd *pd;
	struct nvml nv;
	unsigned int ndev;
	struct gdev dev[MAX_DEV];
	uint64_t last_ns;
	struct pwrmig_gpu *use;		/* NULL: no eBPF device-use counts */
	struct use_row rows[MAX_PROCS];
	unsigned int nrows;
	uint64_t self_cgid;		/* pwrmigd's own cgroup (its NVML ioctls) */
};

static const char *nverr(struct pd_gpu *g, nvret r)
{
	return g->nv.error_string ? g->nv.error_string(r) : "NVML error";
}

#define SYM(field, name) do {						\
		*(void **)&nv->field = dlsym(nv->so, name);		\
		if (!nv->field) {					\
			fprintf(stderr, "pwrmigd: %s lacks %s\n", lib, name); \
			return -ENOENT;					\
		}							\
	} while (0)

static int nvml_load(struct nvml *nv, const char *lib)
{
	nv->so = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!nv->so)
		return -ENOENT;
	SYM(init, "nvmlInit_v2");
	SYM(shutdown, "nvmlShutdown");
	SYM(error_string, "nvmlErrorString");
	SYM(count, "nvmlDeviceGetCount_v2");
	SYM(handle, "nvmlDeviceGetHandleByIndex_v2");
	SYM(name, "nvmlDeviceGetName");
	SYM(energy, "nvmlDeviceGetTotalEnergyConsumption");
	SYM(power, "nvmlDeviceGetPowerUsage");
	SYM(util, "nvmlDeviceGetProcessUtilization");
	SYM(procs, "nvmlDeviceGetComputeRunningProcesses_v3");
	*(void **)&nv->minor = dlsym(nv->so, "nvmlDeviceGetMinorNumber");
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The eBPF device-use counter on NVML's devices; without it, no harm. */
static void use_open(struct pd_gpu *g)
{
	unsigned int major = g->pd->cfg.gpu_device_major;
	struct pwrmig_gpu_opts o = { .majors = &major, .nmajors = 1 };
	char err[512];

	if (pwrmig_gpu_open(&g->use, &o, err, sizeof(err))) {
		g->use = NULL;
		pd_log(g->pd, 0, "no per-cgroup GPU device use (%s): without NVML utilisation samples, running processes share equally",
		       err);
		return;
	}
	pd_log(g->pd, 1, "gpu eBPF: ioctls on major %u counted per cgroup (%s)", major,
	       pwrmig_gpu_attach_kind(g->use));
}

int pd_gpu_open(struct pd *pd, struct pd_gpu **out)
{
	const char *lib = pd->cfg.nvml_library;
	struct pd_gpu *g;
	unsigned int i, n = 0;
	nvret r;

	*out = NULL;
	if (pd->cfg.gpu == PD_GPU_OFF)
		return 0;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->pd = pd;
	if (nvml_load(&g->nv, lib)) {
		if (g->nv.so)
			dlclose(g->nv.so);
		free(g);
		if (pd->cfg.gpu == PD_GPU_NVML) {
			fprintf(stderr, "pwrmigd: gpu = nvml but %s does not load: %s\n",
				lib, dlerror() ?: "missing symbols");
			return -ENOENT;
		}
		pd_log(pd, 1, "no NVML (%s): GPU energy off", lib);
		return 0;
	}
	r = g->nv.init();
	if (r == NV_SUCCESS)
		r = g->nv.count(&n);
	if (r != NV_SUCCESS || !n) {
		if (pd->cfg.gpu == PD_GPU_NVML)
			fprintf(stderr, "pwrmigd: NVML: %s\n",
				r != NV_SUCCESS ? nverr(g, r) : "no GPU");
		else
			pd_log(pd, 1, "NVML: %s: GPU energy off",
			       r != NV_SUCCESS ? nverr(g, r) : "no GPU");
		if (r == NV_SUCCESS)
			g->nv.shutdown();
		dlclose(g->nv.so);
		free(g);
		return pd->cfg.gpu == PD_GPU_NVML ? -ENODEV : 0;
	}
	for (i = 0; i < n && g->ndev < MAX_DEV; i++) {
		struct gdev *d = &g->dev[g->ndev];

		if (g->nv.handle(i, &d->h) != NV_SUCCESS)
			continue;
		if (g->nv.name(d->h, d->name, sizeof(d->name)) != NV_SUCCESS)
			snprintf(d->name, sizeof(d->name), "GPU %u", i);
		d->idle_mw = pd->cfg.gpu_idle_mw;
		d->minor = -1;
		if (g->nv.minor) {
			unsigned int m;

			if (g->nv.minor(d->h, &m) == NV_SUCCESS)
				d->minor = m;
		}
		g->ndev++;
	}
	g->last_ns = mono_ns();
	pd_log(pd, 1, "NVML: %u device(s)", g->ndev);
	g->self_cgid = pd_pid_cgroup(getpid());
	use_open(g);
	*out = g;
	return 0;
}

void pd_gpu_close(struct pd_gpu *g)
{
	if (!g)
		return;
	pwrmig_gpu_close(g->use);
	g->nv.shutdown();
	dlclose(g->nv.so);
	free(g);
}

static int use_cb(const struct pwrmig_gpu_use *u, void *arg)
{
	struct pd_gpu *g = arg;

	if (u->major == g->pd->cfg.gpu_device_major && u->ioctls &&
	    g->nrows < MAX_PROCS)
		g->rows[g->nrows++] = (struct use_row){
			.cgid = u->cgid, .minor = u->minor,
		};
	return 0;
}

struct owner {
	uint64_t cgid;
	uint64_t weight;
};

static void add_weight(struct owner *o, unsigned int *n, uint64_t cgid, uint64_t w)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (o[i].cgid == cgid) {
			o[i].weight += w;
			return;
		}
	if (*n < MAX_PROCS) {
		o[*n].cgid = cgid;
		o[*n].weight = w;
		(*n)++;
	}
}

static void add_once(struct owner *o, unsigned int *n, uint64_t cgid)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (o[i].cgid == cgid)
			return;
	add_weight(o, n, cgid, 1);
}

/* Who used device D since the last sample, by cgroup, with what weight. */
static unsigned int owners(struct pd_gpu *g, struct gdev *d, struct owner *o)
{
	static struct nv_util_sample us[MAX_PROCS];
	static struct nv_proc ps[MAX_PROCS];
	unsigned int n = 0, nu = MAX_PROCS, np = MAX_PROCS, i;
	unsigned long long newest = d->last_ts;
	uint64_t cg;

	if (g->nv.util(d->h, us, &nu, d->last_ts) == NV_SUCCESS) {
		for (i = 0; i < nu; i++) {
			if (us[i].ts > newest)
				newest = us[i].ts;
			if (!us[i].sm || !(cg = pd_pid_cgroup(us[i].pid)))
				continue;
			add_weight(o, &n, cg, us[i].sm);
		}
		d->last_ts = newest;
	}
	if (n)
		return n;
	/*
	 * No utilisation samples: NVML's running processes and the cgroups
	 * that issued ioctls on its node share equally, each cgroup once.
	 * Ioctls show use, not how much (CUDA submits most work through
	 * mapped memory), and add cgroups NVML cannot name (other PID
	 * namespaces).  pwrmigd's own NVML calls are not use.
	 */
	if (g->nv.procs(d->h, &np, ps) == NV_SUCCESS)
		for (i = 0; i < np; i++)
			if ((cg = pd_pid_cgroup(ps[i].pid)))
				add_once(o, &n, cg);
	for (i = 0; d->minor >= 0 && i < g->nrows; i++)
		if (g->rows[i].minor == (unsigned int)d->minor && g->rows[i].cgid != g->self_cgid)
			add_once(o, &n, g->rows[i].cgid);
	return n;
}

int pd_gpu_sample(struct pd_gpu *g,
		  int (*report)(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj),
		  void *arg)
{
	static struct pwrmig_share sh[MAX_PROCS + 1];
	static struct owner o[MAX_PROCS];
	uint64_t now = mono_ns(), elapsed = now - g->last_ns, uj, idle;
	unsigned long long mj;
	unsigned int i, k, n;
	unsigned int mw;

	g->last_ns = now;
	g->nrows = 0;
	if (g->use && pwrmig_gpu_read(g->use, use_cb, g))
		pd_log(g->pd, 1, "gpu eBPF: reading the device-use counts failed");
	for (i = 0; i < g->ndev; i++) {
		struct gdev *d = &g->dev[i];

		if (g->nv.power(d->h, &mw) == NV_SUCCESS)
			d->power_mw = mw;
		if (g->nv.energy(d->h, &mj) != NV_SUCCESS)
			continue;
		if (!d->primed || mj < d->last_mj) {
			/* First read, or the driver reloaded and the count restarted. */
			if (d->primed)
				d->resets++;
			d->primed = 1;
			d->last_mj = mj;
			owners(g, d, o);	/* skip samples before now */
			continue;
		}
		uj = (mj - d->last_mj) * 1000;
		d->last_mj = mj;
		d->energy_uj += uj;
		n = owners(g, d, o);
		if (!n && elapsed) {
			/* Nobody on it: what it draws now is its idle power. */
			uint64_t p = uj * 1000000ULL / elapsed;

			if (g->pd->cfg.gpu_idle_mw < 0 && (d->idle_mw < 0 || (int64_t)p < d->idle_mw))
				d->idle_mw = p;
		}
		idle = d->idle_mw > 0 ? pwrmig_mul_div(d->idle_mw, elapsed, 1000000ULL) : 0;
		if (idle > uj)
			idle = uj;
		sh[0] = (struct pwrmig_share){ 0 };
		for (k = 0; k < n; k++)
			sh[k + 1] = (struct pwrmig_share){ .weight = o[k].weight };
		pwrmig_split(uj - idle, sh, n + 1);
		d->idle_uj += idle + sh[0].out;
		for (k = 0; k < n; k++)
			if (sh[k + 1].out && report(arg, o[k].cgid, i, sh[k + 1].out))
				d->idle_uj += sh[k + 1].out;	/* refused: kept here */
	}
	return 0;
}

void pd_gpu_fill(struct pd_gpu *g, struct pd_snapshot *s)
{
	unsigned int i;

	s->ngpu = 0;
	s->total_uj[PD_DOM_GPU] = 0;
	for (i = 0; g && i < g->ndev && i < sizeof(s->gpu) / sizeof(s->gpu[0]); i++) {
		struct pd_gpu_dev *o = &s->gpu[s->ngpu++];

		o->index = i;
		snprintf(o->name, sizeof(o->name), "%s", g->dev[i].name);
		o->energy_uj = g->dev[i].energy_uj;
		o->idle_uj = g->dev[i].idle_uj;
		o->power_mw = g->dev[i].power_mw;
		o->resets = g->dev[i].resets;
		s->total_uj[PD_DOM_GPU] += o->energy_uj;
	}
}
