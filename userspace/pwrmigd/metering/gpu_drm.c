// SPDX-License-Identifier: GPL-2.0
/*
 * GPUs metered through hwmon, found from /sys/class/drm: a card whose PCI
 * device has a hwmon directory with energy1_input (uJ, a counter: i915,
 * xe) or power1_average / power1_input (uW: amdgpu), in that order of
 * preference.  A power reading is integrated over each interval (the
 * trapezoid of the two readings around it).
 *
 * Who uses them, two sources:
 *  - DRM clients (Documentation/gpu/drm-usage-stats.rst): every open
 *    /dev/dri node has an fdinfo with drm-pdev, drm-client-id and the ns
 *    each engine spent on the client's work (drm-engine-<name>).  A
 *    client is counted once however many fds share it, and a value lower
 *    than one seen before is held at the higher one, as the document asks.
 *  - KFD (ROCm compute, which submits through user-mode queues the DRM
 *    counters do not see): /sys/class/kfd/kfd/proc/PID/stats_GPUID/
 *    cu_occupancy, the compute units the process's waves occupy when read.
 *
 * Walking every fd of every process costs a readlink each, so the full
 * walk runs every few seconds, or at once when the gpu eBPF program saw a
 * cgroup start using a node (gpu.c asks); in between, only the fds found
 * before are read again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib.h"
#include "gpu_drm.h"

#define SCAN_NS		5000000000ULL

static const char *const meter_files[] = {
	[PD_DRM_ENERGY] = "energy1_input",
	[PD_DRM_POWER_AVG] = "power1_average",
	[PD_DRM_POWER_INPUT] = "power1_input",
};

const char *pd_drm_meter_name(const struct pd_drm_dev *dev)
{
	static const char *const names[] = {
		[PD_DRM_ENERGY] = "hwmon_energy",
		[PD_DRM_POWER_AVG] = "hwmon_power_average",
		[PD_DRM_POWER_INPUT] = "hwmon_power_input",
	};

	return names[dev->meter];
}

/* The first line of PATH, without its newline; -1 if unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64], *end;

	if (read_line(path, buf, sizeof(buf)) || !*buf)
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return errno || *end || *buf == '-' ? -1 : 0;
}

/* "MAJOR:MINOR" in DIR/dev. */
static int read_devnum(const char *dir, unsigned int *major, unsigned int *minor)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "%s/dev", dir);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return sscanf(buf, "%u:%u", major, minor) == 2 ? 0 : -1;
}

/* NAME is PREFIX followed by a decimal number and nothing else. */
static int numbered(const char *name, const char *prefix, unsigned int *n)
{
	size_t l = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, l) || name[l] < '0' || name[l] > '9')
		return 0;
	*n = strtoul(name + l, &end, 10);
	return !*end;
}

/* The best hwmon meter of the PCI device at DEVDIR, into D. */
static int find_meter(const char *devdir, struct pd_drm_dev *d, char *driver, size_t dlen)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int best = -1, best_readable = 0, m;
	struct dirent *e;
	DIR *h;

	snprintf(dir, sizeof(dir), "%s/hwmon", devdir);
	h = opendir(dir);
	if (!h)
		return -1;
	while ((e = readdir(h))) {
		unsigned int n;

		if (!numbered(e->d_name, "hwmon", &n))
			continue;
		for (m = 0; m < (int)(sizeof(meter_files) / sizeof(meter_files[0])); m++) {
			uint64_t v;
			int readable;

			snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, meter_files[m]);
			if (access(path, R_OK))
				continue;
			/* Best first, but one that reads now before one that does not. */
			readable = !read_u64(path, &v);
			if (best < 0 || (readable && !best_readable) ||
			    (readable == best_readable && m < best)) {
				best = m;
				best_readable = readable;
				snprintf(d->meter_path, sizeof(d->meter_path), "%s", path);
				snprintf(path, sizeof(path), "%s/%s/name", dir, e->d_name);
				if (read_line(path, driver, dlen))
					snprintf(driver, dlen, "hwmon");
			}
		}
	}
	closedir(h);
	if (best < 0)
		return -1;
	d->meter = best;
	return 0;
}

/* The render nodes beside the card, from DEVDIR/drm. */
static void find_render(const char *devdir, struct pd_drm_dev *d)
{
	char dir[PATH_MAX], node[PATH_MAX];
	unsigned int n, major, minor;
	struct dirent *e;
	DIR *h;

	snprintf(dir, sizeof(dir), "%s/drm", devdir);
	h = opendir(dir);
	if (!h)
		return;
	while ((e = readdir(h)) && d->nminor < 2) {
		if (!numbered(e->d_name, "renderD", &n))
			continue;
		snprintf(node, sizeof(node), "%s/%s", dir, e->d_name);
		if (!read_devnum(node, &major, &minor) && major == PD_DRM_MAJOR)
			d->minor[d->nminor++] = minor;
	}
	closedir(h);
}

/* KFD's view: gpu_id and compute units of the nodes whose render minor is ours. */
static void find_kfd(struct pd_drm *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], line[128];
	unsigned int i, n, major, minor;
	struct dirent *e;
	DIR *h;

	snprintf(dir, sizeof(dir), "%s/class/kfd/kfd", d->sysfs);
	if (!read_devnum(dir, &major, &minor))
		d->kfd_major = major;
	snprintf(dir, sizeof(dir), "%s/class/kfd/kfd/topology/nodes", d->sysfs);
	h = opendir(dir);
	if (!h)
		return;
	while ((e = readdir(h))) {
		uint64_t gpu_id, render = ~0ULL, simd = 0, per_cu = 0, cpus = 0, v;
		char key[64];
		FILE *f;

		if (!numbered(e->d_name, "", &n))
			continue;
		snprintf(path, sizeof(path), "%s/%s/gpu_id", dir, e->d_name);
		if (read_u64(path, &gpu_id) || !gpu_id)
			continue;	/* a CPU node */
		snprintf(path, sizeof(path), "%s/%s/properties", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s %llu", key, (unsigned long long *)&v) == 2) {
				if (!strcmp(key, "drm_render_minor"))
					render = v;
				else if (!strcmp(key, "simd_count"))
					simd = v;
				else if (!strcmp(key, "simd_per_cu"))
					per_cu = v;
				else if (!strcmp(key, "cpu_cores_count"))
					cpus = v;
			}
		fclose(f);
		for (i = 0; i < d->ndev; i++)
			if (pd_drm_node_of(d, i, PD_DRM_MAJOR, render)) {
				d->dev[i].kfd_gpu_id = gpu_id;
				d->dev[i].kfd_cus = per_cu ? simd / per_cu : 0;
				d->dev[i].apu = cpus > 0;
			}
	}
	closedir(h);
}

unsigned int pd_drm_find(struct pd_drm *d, const char *sysfs, const char *proc)
{
	char dir[PATH_MAX], card[PATH_MAX + 16], devdir[PATH_MAX + 32], real[PATH_MAX];
	char driver[64];
	unsigned int n, major, minor, i;
	struct dirent **list;
	int k, nlist;

	snprintf(d->sysfs, sizeof(d->sysfs), "%s", sysfs);
	snprintf(d->proc, sizeof(d->proc), "%s", proc);
	d->ndev = 0;
	snprintf(dir, sizeof(dir), "%s/class/drm", sysfs);
	/* In card order (card2 before card10): device indices stay put. */
	nlist = scandir(dir, &list, NULL, versionsort);
	for (k = 0; k < nlist; k++) {
		struct pd_drm_dev *x = &d->dev[d->ndev];
		const char *name = list[k]->d_name, *pdev;

		if (d->ndev == PD_DRM_MAX_DEV || !numbered(name, "card", &n))
			continue;	/* also skips connectors: card0-DP-1 */
		snprintf(card, sizeof(card), "%s/%s", dir, name);
		snprintf(devdir, sizeof(devdir), "%s/device", card);
		if (read_devnum(card, &major, &minor) || major != PD_DRM_MAJOR ||
		    !realpath(devdir, real))
			continue;
		pdev = strrchr(real, '/') + 1;
		for (i = 0; i < d->ndev && strcmp(d->dev[i].pdev, pdev); i++)
			;
		if (i < d->ndev)
			continue;
		memset(x, 0, sizeof(*x));
		if (find_meter(devdir, x, driver, sizeof(driver)))
			continue;	/* no power figure: nothing to split */
		snprintf(x->pdev, sizeof(x->pdev), "%s", pdev);
		snprintf(x->name, sizeof(x->name), "%s %s", driver, pdev);
		x->minor[x->nminor++] = minor;
		find_render(devdir, x);
		x->kfd_gpu_id = -1;
		d->ndev++;
	}
	for (k = 0; k < nlist; k++)
		free(list[k]);
	if (nlist >= 0)
		free(list);
	find_kfd(d);
	return d->ndev;
}

int pd_drm_node_of(const struct pd_drm *d, unsigned int i, unsigned int major,
		   unsigned int minor)
{
	const struct pd_drm_dev *x = &d->dev[i];
	unsigned int k;

	if (major == PD_DRM_MAJOR) {
		for (k = 0; k < x->nminor; k++)
			if (x->minor[k] == minor)
				return 1;
		return 0;
	}
	/* /dev/kfd serves every KFD device: use of it counts for each. */
	return d->kfd_major && major == d->kfd_major && x->kfd_gpu_id >= 0;
}

int pd_gpu_counter_step(int *primed, uint64_t *last, uint64_t *resets, uint64_t v,
			uint64_t *delta)
{
	if (!*primed || v < *last) {
		if (*primed)
			(*resets)++;
		*primed = 1;
		*last = v;
		return -EAGAIN;
	}
	*delta = v - *last;
	*last = v;
	return 0;
}

int pd_drm_energy(struct pd_drm *d, unsigned int i, uint64_t elapsed_ns, uint64_t *uj)
{
	struct pd_drm_dev *x = &d->dev[i];
	uint64_t v;

	*uj = 0;
	if (read_u64(x->meter_path, &v)) {
		x->read_errors++;
		if (x->meter == PD_DRM_ENERGY) {
			/* The counter goes on: the next good read has it all. */
			x->unread_ns += elapsed_ns;
		} else {
			/*
			 * A suspended GPU cannot be read and draws next to
			 * nothing; the next good reading starts afresh.
			 */
			x->primed = 0;
			x->power_mw = 0;
		}
		return -EIO;
	}
	if (x->meter == PD_DRM_ENERGY) {
		elapsed_ns += x->unread_ns;
		x->unread_ns = 0;
		if (pd_gpu_counter_step(&x->primed, &x->last, &x->resets, v, uj))
			return -EAGAIN;
		if (elapsed_ns)
			x->power_mw = pwrmig_mul_div(*uj, 1000000ULL, elapsed_ns);
		return 0;
	}
	x->power_mw = v / 1000;
	if (!x->primed) {
		x->primed = 1;
		x->last = v;
		return -EAGAIN;
	}
	/*
	 * uW x ns / 1e9 = uJ, over the mean of the readings at both ends;
	 * exact for sums of readings up to 9 kW, however long the interval.
	 */
	*uj = pwrmig_mul_div(elapsed_ns, x->last + v, 2000000000ULL);
	x->last = v;
	return 0;
}

/* The device an fdinfo belongs to: by drm-pdev, else by the node's minor. */
static int fdinfo_dev(struct pd_drm *d, const char *pdev, const char *target)
{
	const char *base = strrchr(target, '/') + 1;
	unsigned int i, minor;

	for (i = 0; *pdev && i < d->ndev; i++)
		if (!strcmp(d->dev[i].pdev, pdev))
			return i;
	if (!numbered(base, "renderD", &minor) && !numbered(base, "card", &minor))
		return -1;
	for (i = 0; i < d->ndev; i++)
		if (pd_drm_node_of(d, i, PD_DRM_MAJOR, minor))
			return i;
	return -1;
}

/* One open DRM fd: read its fdinfo into the client table. */
/* What a DRM fd's fdinfo says: its device, client and engine time. */
struct fdinfo {
	char pdev[32];
	uint64_t client_id, busy;
	int have_id, engines;
	unsigned int nengines;
};

static void parse_fdinfo(struct pd_drm *d, char *buf, struct fdinfo *fi)
{
	char *line, *save;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':'), *end;
		unsigned long long x;

		if (!v)
			continue;
		*v++ = 0;
		v += strspn(v, " \t");
		if (!strcmp(line, "drm-pdev")) {
			snprintf(fi->pdev, sizeof(fi->pdev), "%.*s", (int)strcspn(v, " \t"), v);
		} else if (!strcmp(line, "drm-client-id")) {
			fi->client_id = strtoull(v, &end, 10);
			fi->have_id = end != v;
		} else if (!strncmp(line, "drm-engine-", 11) &&
			   strncmp(line, "drm-engine-capacity-", 20)) {
			errno = 0;
			x = strtoull(v, &end, 10);
			if (end == v || errno) {
				d->fdinfo_errors++;
				continue;
			}
			fi->busy += x;
			fi->engines = 1;
			fi->nengines++;
		}
	}
}

static void visit(struct pd_drm *d, int pid, int fd)
{
	char path[PATH_MAX], target[PATH_MAX], buf[8192];
	struct fdinfo fi = { .client_id = 0 };
	struct pd_drm_client *c;
	unsigned int i;
	int dev, f;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", d->proc, pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	if (strncmp(target, "/dev/dri/", 9))
		return;
	snprintf(path, sizeof(path), "%s/%d/fdinfo/%d", d->proc, pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return;
	buf[n] = 0;
	parse_fdinfo(d, buf, &fi);
	dev = fdinfo_dev(d, fi.pdev, target);
	if (dev < 0)
		return;		/* a device we do not meter */
	if (!fi.have_id)	/* drivers before drm-client-id: one client per fd */
		fi.client_id = 1ULL << 63 | (uint64_t)pid << 24 | (unsigned int)fd;
	for (i = 0; i < d->nclient; i++) {
		c = &d->client[i];
		if (c->dev == (unsigned int)dev && c->client_id == fi.client_id)
			break;
	}
	if (i == d->nclient) {
		if (d->nclient == PD_DRM_MAX_CLIENTS)
			return;
		/*
		 * First seen.  It began within the window (the time since the
		 * walk before, or since the last sample), so its engine time is
		 * new, up to the window on each engine; at the first walk it is
		 * all from before pwrmigd looked.
		 */
		c = &d->client[d->nclient++];
		*c = (struct pd_drm_client){
			.dev = dev, .client_id = fi.client_id, .busy_ns = fi.busy,
			.delta_ns = fi.busy < d->window_ns * fi.nengines ? fi.busy :
				    d->window_ns * fi.nengines,
		};
	} else if (c->gen == d->gen) {
		return;		/* another fd of the same client */
	} else {
		c->delta_ns = fi.busy > c->busy_ns ? fi.busy - c->busy_ns : 0;
		if (fi.busy > c->busy_ns)
			c->busy_ns = fi.busy;
	}
	c->pid = pid;
	c->fd = fd;
	c->engines = fi.engines;
	c->gen = d->gen;
}

static void scan_all(struct pd_drm *d)
{
	char path[PATH_MAX];
	struct dirent *p, *e;
	DIR *h, *fds;
	unsigned int pid, fd;

	h = opendir(d->proc);
	if (!h)
		return;
	while ((p = readdir(h))) {
		if (!numbered(p->d_name, "", &pid))
			continue;
		snprintf(path, sizeof(path), "%s/%u/fd", d->proc, pid);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or not ours to read */
		while ((e = readdir(fds)))
			if (numbered(e->d_name, "", &fd))
				visit(d, pid, fd);
		closedir(fds);
	}
	closedir(h);
}

static void scan_kfd(struct pd_drm *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	struct dirent *p;
	unsigned int pid, i;
	uint64_t cus;
	DIR *h;

	d->nkfd = 0;
	snprintf(dir, sizeof(dir), "%s/class/kfd/kfd/proc", d->sysfs);
	h = opendir(dir);
	if (!h)
		return;
	while ((p = readdir(h))) {
		if (!numbered(p->d_name, "", &pid))
			continue;
		for (i = 0; i < d->ndev && d->nkfd < PD_DRM_MAX_KFD; i++) {
			if (d->dev[i].kfd_gpu_id < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%u/stats_%d", dir, pid,
				 d->dev[i].kfd_gpu_id);
			if (access(path, F_OK))
				continue;	/* not on this GPU */
			strcat(path, "/cu_occupancy");
			d->kfd[d->nkfd++] = (struct pd_drm_kfd){
				.dev = i, .pid = pid,
				.cus = read_u64(path, &cus) || cus >= PD_DRM_CU_UNKNOWN ?
				       PD_DRM_CU_UNKNOWN : (unsigned int)cus,
			};
		}
	}
	closedir(h);
}

void pd_drm_usage(struct pd_drm *d, uint64_t now_ns, int rescan)
{
	unsigned int i, n;

	d->gen++;
	if (rescan || !d->last_scan_ns || now_ns - d->last_scan_ns >= SCAN_NS) {
		/* Not seen at the walk before: opened since. */
		d->window_ns = d->last_scan_ns ? now_ns - d->last_scan_ns : 0;
		d->last_scan_ns = now_ns;
		scan_all(d);
	} else {
		/* An fd found with another client on it: opened since the last sample. */
		d->window_ns = now_ns - d->last_usage_ns;
		for (i = 0, n = d->nclient; i < n; i++)
			if (d->client[i].gen != d->gen)
				visit(d, d->client[i].pid, d->client[i].fd);
	}
	d->last_usage_ns = now_ns;
	/* Clients not seen now are closed (or moved: the next walk finds them). */
	for (i = 0, n = 0; i < d->nclient; i++)
		if (d->client[i].gen == d->gen)
			d->client[n++] = d->client[i];
	d->nclient = n;
	scan_kfd(d);
}
