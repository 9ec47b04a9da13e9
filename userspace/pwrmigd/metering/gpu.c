// SPDX-License-Identifier: GPL-2.0
/*
 * GPU energy per cgroup, from two kinds of device:
 *  - NVIDIA, through NVML, loaded with dlopen() so that pwrmigd needs
 *    nothing from NVIDIA to build or to run on machines without GPUs;
 *  - DRM devices metered through hwmon (AMD's amdgpu; i915, xe):
 *    gpu_drm.c.
 *
 * Every sample: each device's energy over the interval (NVML's counter,
 * mJ since the driver loaded, a drop meaning a reload; or hwmon's),
 * less its idle power over the interval, is the active energy.  It is
 * split over the cgroups using the device in proportion to:
 *  - NVML: the processes' SM utilisation samples;
 *  - DRM: the engine time of each client (fdinfo), and for KFD (ROCm)
 *    processes the interval times the share of compute units their
 *    waves occupy.
 * Where a device gives no such figure (NVML: processes in other PID
 * namespaces, MIG, drivers without accounting; DRM: drivers without
 * engine times, GPUs without cu_occupancy), the processes on the device
 * and the cgroups that the eBPF gpu program saw issue ioctls on its nodes
 * (/dev/nvidiaN: gpu_device_major and NVML's minor; /dev/dri/cardN and
 * renderDN; /dev/kfd) share equally, each cgroup once.  The idle part,
 * and active energy with no one to charge, stay with the device.  The
 * idle power is configured (gpu_idle_mw) or learned as the lowest power
 * seen with no one on the device.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "gpu_drm.h"
#include "pwrmig_bpf.h"
#include "metering.h"

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

/* nvmlPciInfo_t */
struct nv_pci {
	char bus_id_legacy[16];
	unsigned int domain, bus, device, device_id, subsystem_id;
	char bus_id[32];
};

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
	nvret (*uuid)(nvdev, char *, unsigned int);	/* optional */
	nvret (*pci)(nvdev, struct nv_pci *);		/* optional */
};

struct gdev {
	int drm;			/* index in pd_drm, -1: NVML's */
	nvdev h;
	char name[96];
	char uuid[80], pci_bus_id[32];	/* "" unknown */
	uint64_t last_mj;
	int primed;
	unsigned long long last_ts;	/* newest utilisation sample seen */
	uint64_t energy_uj, idle_uj, power_mw, resets;
	int64_t idle_mw;		/* learned or configured; -1 unknown */
	int minor;			/* of /dev/nvidiaN; -1 unknown */
	uint64_t read_errors;
};

/* A cgroup that issued ioctls on a GPU node since the last sample (eBPF gpu). */
struct use_row {
	uint64_t cgid;
	unsigned int major, minor;
};

struct pd_gpu {
	struct pd *pd;
	struct nvml nv;
	unsigned int ndev;
	struct gdev dev[MAX_DEV];
	uint64_t last_ns;
	struct pd_drm *drm;		/* NULL: no hwmon-metered DRM device */
	unsigned int nnvml;		/* NVML's devices come first */
	int nv_up;			/* nvmlInit succeeded: shut it down */
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
	*(void **)&nv->uuid = dlsym(nv->so, "nvmlDeviceGetUUID");
	*(void **)&nv->pci = dlsym(nv->so, "nvmlDeviceGetPciInfo_v3");
	return 0;
}

int pd_nvml_check(const char *lib, char *err, size_t len)
{
	struct nvml nv = { 0 };
	unsigned int n = 0;
	nvret r;

	if (nvml_load(&nv, lib)) {
		snprintf(err, len, "gpu = nvml but nvml_library %s does not load: %s", lib,
			 nv.so ? "symbols missing (above)" : dlerror());
		if (nv.so)
			dlclose(nv.so);
		return -1;
	}
	r = nv.init();
	if (r == NV_SUCCESS) {
		r = nv.count(&n);
		nv.shutdown();
	}
	if (r != NV_SUCCESS || !n)
		snprintf(err, len, "gpu = nvml but NVML (%s) finds no GPU: %s", lib,
			 r != NV_SUCCESS ? nv.error_string(r) : "0 devices");
	dlclose(nv.so);
	return r != NV_SUCCESS || !n ? -1 : 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The eBPF device-use counter on the devices' nodes; without it, no harm. */
static void use_open(struct pd_gpu *g)
{
	struct pwrmig_gpu_opts o = { 0 };
	unsigned int majors[3], n = 0;
	char err[512];

	if (g->nnvml)
		majors[n++] = g->pd->cfg.gpu_device_major;
	if (g->drm) {
		majors[n++] = PD_DRM_MAJOR;
		if (g->drm->kfd_major)
			majors[n++] = g->drm->kfd_major;
	}
	o.majors = majors;
	o.nmajors = n;
	if (pwrmig_gpu_open(&g->use, &o, err, sizeof(err))) {
		g->use = NULL;
		pd_log(0, "no per-cgroup GPU device use (%s): where a device gives no per-process figure, its processes share equally",
		       err);
		return;
	}
	pd_log(1, "gpu eBPF: ioctls on %u device major(s) counted per cgroup (%s)", n,
	       pwrmig_gpu_attach_kind(g->use));
}

/* The UUID and PCI bus id that dcgm-exporter labels the device with. */
static void nvml_ids(struct pd_gpu *g, struct gdev *d)
{
	struct nv_pci pci;

	if (!g->nv.uuid || g->nv.uuid(d->h, d->uuid, sizeof(d->uuid)) != NV_SUCCESS)
		d->uuid[0] = 0;
	if (g->nv.pci && g->nv.pci(d->h, &pci) == NV_SUCCESS) {
		pci.bus_id[sizeof(pci.bus_id) - 1] = 0;
		snprintf(d->pci_bus_id, sizeof(d->pci_bus_id), "%s", pci.bus_id);
	}
}

/* NVML's devices; -errno only where gpu = nvml asks for them. */
static int nvml_open(struct pd_gpu *g)
{
	struct pd *pd = g->pd;
	const char *lib = pd->cfg.nvml_library;
	int need = pd->cfg.gpu == PD_GPU_NVML;
	unsigned int i, n = 0;
	nvret r;

	if (nvml_load(&g->nv, lib)) {
		if (g->nv.so)
			dlclose(g->nv.so);
		g->nv.so = NULL;
		if (need) {
			fprintf(stderr, "pwrmigd: gpu = nvml but %s does not load: %s\n",
				lib, dlerror() ?: "missing symbols");
			return -ENOENT;
		}
		pd_log(1, "no NVML (%s)", lib);
		return 0;
	}
	r = g->nv.init();
	g->nv_up = r == NV_SUCCESS;
	if (r == NV_SUCCESS)
		r = g->nv.count(&n);
	if (r != NV_SUCCESS || !n) {
		if (need)
			fprintf(stderr, "pwrmigd: NVML: %s\n",
				r != NV_SUCCESS ? nverr(g, r) : "no GPU");
		else
			pd_log(1, "NVML: %s", r != NV_SUCCESS ? nverr(g, r) : "no GPU");
		if (g->nv_up)
			g->nv.shutdown();
		g->nv_up = 0;
		dlclose(g->nv.so);
		g->nv.so = NULL;
		return need ? -ENODEV : 0;
	}
	for (i = 0; i < n && g->ndev < MAX_DEV; i++) {
		struct gdev *d = &g->dev[g->ndev];

		if (g->nv.handle(i, &d->h) != NV_SUCCESS)
			continue;
		if (g->nv.name(d->h, d->name, sizeof(d->name)) != NV_SUCCESS)
			snprintf(d->name, sizeof(d->name), "GPU %u", i);
		d->drm = -1;
		d->idle_mw = pd->cfg.gpu_idle_mw;
		d->minor = -1;
		if (g->nv.minor) {
			unsigned int m;

			if (g->nv.minor(d->h, &m) == NV_SUCCESS)
				d->minor = m;
		}
		nvml_ids(g, d);
		g->ndev++;
	}
	g->nnvml = g->ndev;
	pd_log(1, "NVML: %u device(s)", g->nnvml);
	return 0;
}

/* hwmon-metered DRM devices; -errno only where gpu = hwmon asks for them. */
static int drm_open(struct pd_gpu *g)
{
	struct pd *pd = g->pd;
	unsigned int i, n;

	g->drm = calloc(1, sizeof(*g->drm));
	if (!g->drm)
		return -ENOMEM;
	n = pd_drm_find(g->drm, pd->cfg.sysfs_root, pd->cfg.proc_root);
	for (i = 0; i < n && g->drm->dev[i].apu; i++)
		;
	if (i == n) {	/* none, or APUs only */
		free(g->drm);
		g->drm = NULL;
		if (pd->cfg.gpu == PD_GPU_HWMON) {
			fprintf(stderr, "pwrmigd: gpu = hwmon but no DRM device under %s/class/drm has a hwmon energy1_input, power1_average or power1_input\n",
				pd->cfg.sysfs_root);
			return -ENODEV;
		}
		pd_log(1, "no hwmon-metered DRM device");
		return 0;
	}
	for (i = 0; i < n && g->ndev < MAX_DEV; i++) {
		struct pd_drm_dev *x = &g->drm->dev[i];
		struct gdev *d;

		if (x->apu) {
			/* Its hwmon power is the whole chip's, CPU cores included. */
			pd_log(0, "GPU %s: an APU (CPU cores beside it, says KFD): its power includes the CPU's, which the CPU meter already counts; not metered",
			       x->name);
			continue;
		}
		d = &g->dev[g->ndev++];
		d->drm = i;
		snprintf(d->name, sizeof(d->name), "%s", x->name);
		d->idle_mw = pd->cfg.gpu_idle_mw;
		d->minor = -1;
		pd_log(1, "GPU %s: %s (%s)%s", d->name, x->meter_path, pd_drm_meter_name(x),
		       x->kfd_gpu_id >= 0 ? ", KFD" : "");
	}
	return 0;
}

int pd_gpu_open(struct pd *pd, struct pd_gpu **out)
{
	enum pd_gpu_mode mode = pd->cfg.gpu;
	struct pd_gpu *g;
	int err = 0;

	*out = NULL;
	if (mode == PD_GPU_OFF)
		return 0;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->pd = pd;
	if (mode == PD_GPU_AUTO || mode == PD_GPU_NVML)
		err = nvml_open(g);
	if (!err && (mode == PD_GPU_AUTO || mode == PD_GPU_HWMON))
		err = drm_open(g);
	if (err || !g->ndev) {
		if (!err)
			pd_log(1, "no GPU: GPU energy off");
		g->pd = NULL;
		pd_gpu_close(g);
		return err;
	}
	g->last_ns = mono_ns();
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
	if (g->nv.so) {
		if (g->nv_up)
			g->nv.shutdown();
		dlclose(g->nv.so);
	}
	free(g->drm);
	free(g);
}

static int use_cb(const struct pwrmig_gpu_use *u, void *arg)
{
	struct pd_gpu *g = arg;

	if (u->ioctls && u->cgid != g->self_cgid && g->nrows < MAX_PROCS)
		g->rows[g->nrows++] = (struct use_row){
			.cgid = u->cgid, .major = u->major, .minor = u->minor,
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

/* The cgroups that issued ioctls on device D's nodes: each once. */
static void add_rows(struct pd_gpu *g, struct gdev *d, struct owner *o, unsigned int *n)
{
	unsigned int i;

	for (i = 0; i < g->nrows; i++) {
		struct use_row *r = &g->rows[i];

		if (d->drm < 0 ? r->major == g->pd->cfg.gpu_device_major && d->minor >= 0 &&
				 r->minor == (unsigned int)d->minor :
				 pd_drm_node_of(g->drm, d->drm, r->major, r->minor))
			add_once(o, n, r->cgid);
	}
}

/* Who used NVML device D since the last sample, by cgroup, with what weight. */
static unsigned int nvml_owners(struct pd_gpu *g, struct gdev *d, struct owner *o)
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
			/* A process gone before its cgroup was read: cgid 0, kept. */
			if (us[i].sm)
				add_weight(o, &n, pd_pid_cgroup(us[i].pid), us[i].sm);
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
	add_rows(g, d, o, &n);
	return n;
}

/*
 * Who used DRM device D over the ELAPSED ns: engine time per client; for
 * KFD processes, ELAPSED times the share of the compute units they
 * occupied when read (both are ns of device time).  With neither figure
 * from anyone, everyone on the device shares equally.
 */
static unsigned int drm_owners(struct pd_gpu *g, struct gdev *d, uint64_t elapsed,
			       struct owner *o)
{
	struct pd_drm *x = g->drm;
	unsigned int i, n = 0, total = x->dev[d->drm].kfd_cus;
	int informed = 0;

	for (i = 0; i < x->nclient; i++) {
		struct pd_drm_client *c = &x->client[i];

		if (c->dev != (unsigned int)d->drm)
			continue;
		informed |= c->engines;
		/* Gone before its cgroup was read (cgid 0): the device keeps its share. */
		if (c->delta_ns)
			add_weight(o, &n, c->cgid, c->delta_ns);
	}
	for (i = 0; i < x->nkfd; i++) {
		struct pd_drm_kfd *k = &x->kfd[i];

		if (k->dev != (unsigned int)d->drm || k->cus == PD_DRM_CU_UNKNOWN)
			continue;
		informed = 1;
		if (!k->cus)
			continue;
		add_weight(o, &n, k->cgid, total ? pwrmig_mul_div(elapsed, k->cus < total ? k->cus :
								  total, total) : elapsed);
	}
	if (n || informed)
		return n;
	for (i = 0; i < x->nclient; i++)
		if (x->client[i].dev == (unsigned int)d->drm && x->client[i].cgid)
			add_once(o, &n, x->client[i].cgid);
	for (i = 0; i < x->nkfd; i++)
		if (x->kfd[i].dev == (unsigned int)d->drm && x->kfd[i].cgid)
			add_once(o, &n, x->kfd[i].cgid);
	add_rows(g, d, o, &n);
	return n;
}

/* DRM clients and KFD processes now; walk every fd when eBPF saw a newcomer. */
static void drm_usage(struct pd_gpu *g, uint64_t now)
{
	struct pd_drm *x = g->drm;
	unsigned int i, k, dev;
	int rescan = 0;

	for (i = 0; i < g->nrows && !rescan; i++) {
		struct use_row *r = &g->rows[i];

		for (dev = 0; dev < x->ndev; dev++)
			if (pd_drm_node_of(x, dev, r->major, r->minor))
				break;
		if (dev == x->ndev)
			continue;	/* not a node of ours */
		for (k = 0; k < x->nclient && x->client[k].cgid != r->cgid; k++)
			;
		rescan = k == x->nclient;
		/* KFD's processes are listed every sample: not newcomers. */
		for (k = 0; rescan && k < x->nkfd; k++)
			rescan = x->kfd[k].cgid != r->cgid;
	}
	/* At most a walk a second, however often newcomers show. */
	pd_drm_usage(x, now, rescan && now - x->last_scan_ns >= 1000000000ULL);
	for (i = 0; i < x->nclient; i++)
		x->client[i].cgid = pd_pid_cgroup_at(x->proc, x->client[i].pid);
	for (i = 0; i < x->nkfd; i++)
		x->kfd[i].cgid = pd_pid_cgroup_at(x->proc, x->kfd[i].pid);
}

/* Energy of device D over ELAPSED: 0, -EAGAIN (nothing yet) or -EIO. */
static int read_energy(struct pd_gpu *g, struct gdev *d, uint64_t elapsed, uint64_t *uj)
{
	unsigned long long mj;
	unsigned int mw;
	int r;

	if (d->drm >= 0) {
		struct pd_drm_dev *x = &g->drm->dev[d->drm];

		r = pd_drm_energy(g->drm, d->drm, elapsed, uj);
		d->power_mw = x->power_mw;
		d->resets = x->resets;
		d->read_errors = x->read_errors;
		return r;
	}
	if (g->nv.power(d->h, &mw) == NV_SUCCESS)
		d->power_mw = mw;
	if (g->nv.energy(d->h, &mj) != NV_SUCCESS) {
		d->read_errors++;
		return -EIO;
	}
	if (pd_gpu_counter_step(&d->primed, &d->last_mj, &d->resets, mj, uj))
		return -EAGAIN;
	*uj *= 1000;	/* mJ */
	return 0;
}

int pd_gpu_sample(struct pd_gpu *g,
		  int (*report)(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj),
		  void *arg)
{
	static struct pwrmig_share sh[MAX_PROCS + 1];
	static struct owner o[MAX_PROCS];
	uint64_t now = mono_ns(), elapsed = now - g->last_ns, uj, idle;
	unsigned int i, k, n;
	int r;

	g->last_ns = now;
	g->nrows = 0;
	if (g->use && pwrmig_gpu_read(g->use, use_cb, g))
		pd_log(1, "gpu eBPF: reading the device-use counts failed");
	if (g->drm)
		drm_usage(g, now);
	for (i = 0; i < g->ndev; i++) {
		struct gdev *d = &g->dev[i];

		uj = 0;
		r = read_energy(g, d, elapsed, &uj);
		if (r == -EIO)
			continue;	/* a counter keeps it for later; hwmon power: 0 W */
		n = d->drm < 0 ? nvml_owners(g, d, o) : drm_owners(g, d, elapsed, o);
		if (r == -EAGAIN)
			continue;	/* nothing measured yet; owners read to skip before now */
		d->energy_uj += uj;
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
			if (sh[k + 1].out && (!o[k].cgid || report(arg, o[k].cgid, i, sh[k + 1].out)))
				d->idle_uj += sh[k + 1].out;	/* no cgroup, or refused: kept here */
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
		struct gdev *d = &g->dev[i];

		o->index = i;
		snprintf(o->name, sizeof(o->name), "%s", d->name);
		snprintf(o->uuid, sizeof(o->uuid), "%s", d->uuid);
		/* A DRM device is named "DRIVER PCI-ADDRESS". */
		snprintf(o->pci_bus_id, sizeof(o->pci_bus_id), "%s",
			 d->drm < 0 ? d->pci_bus_id : strchr(d->name, ' ') ? strchr(d->name, ' ') + 1 : "");
		o->meter = d->drm < 0 ? "nvml" : pd_drm_meter_name(&g->drm->dev[d->drm]);
		o->energy_uj = d->energy_uj;
		o->idle_uj = d->idle_uj;
		o->power_mw = d->power_mw;
		o->resets = d->resets;
		o->read_errors = d->read_errors;
		s->total_uj[PD_DOM_GPU] += o->energy_uj;
	}
}
