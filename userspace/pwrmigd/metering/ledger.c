// SPDX-License-Identifier: GPL-2.0
/*
 * Module-less ledger: the same per-cgroup figures as pwrmig.ko, from the
 * eBPF sched_switch collector (runtime per cgroup, idle, overflow) and a
 * meter read from user space, split with the module's own arithmetic
 * (common/attrib.c): every interval, cgroups + idle + other == the meter's
 * delta exactly, and cost accrues without drift.
 *
 * Meters: powercap RAPL (/sys/class/powercap, wrapping at
 * max_energy_range_uj), perf's power PMU (energy-pkg, energy-ram, or
 * energy-psys as the package figure), or the power model (per-CPU idle
 * and busy power, flagged estimated), in that order for "auto".
 *
 * The collector sums runtime over all CPUs, so on a multi-socket machine
 * the packages' energy is split as one pool (the module splits it per
 * package).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "attrib.h"
#include "pwrmig.h"
#include "pwrmig_bpf.h"
#include "metering.h"
#include "ledger_int.h"

static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int read_str(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return 0;
}

/* ---- meters ---------------------------------------------------------------- */

/* intel-rapl:N (packages) and their intel-rapl:N:M subzones named "dram". */
static int powercap_open(struct pd_ledger *l)
{
	const char *root = l->pd->cfg.powercap_root;
	char path[600], name[64];
	struct dirent *d;
	uint64_t range;
	DIR *dir;

	dir = opendir(root);
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir)) && l->nzones < MAX_ZONES) {
		struct zone *z = &l->zones[l->nzones];
		const char *colon = strchr(d->d_name, ':');
		int sub;

		if (strncmp(d->d_name, "intel-rapl:", 11) || !colon)
			continue;
		sub = strchr(colon + 1, ':') != NULL;
		snprintf(path, sizeof(path), "%s/%s/name", root, d->d_name);
		if (read_str(path, name, sizeof(name)))
			continue;
		if (!sub && strncmp(name, "package", 7))
			continue;	/* psys and the like would count twice */
		if (sub && strcmp(name, "dram"))
			continue;	/* core, uncore: inside the package figure */
		snprintf(path, sizeof(path), "%s/%s/max_energy_range_uj", root, d->d_name);
		if (read_u64(path, &range) || !range)
			continue;
		snprintf(z->file, sizeof(z->file), "%s/%s/energy_uj", root, d->d_name);
		if (access(z->file, R_OK))
			continue;
		z->dom = sub ? PD_DOM_DRAM : PD_DOM_PKG;
		z->fd = -1;
		z->ctr.bits = 64;
		z->ctr.range = range + 1;
		l->nzones++;
	}
	closedir(dir);
	return l->nzones ? 0 : -ENOENT;
}

static int perf_open_event(struct pd_ledger *l, const char *event, int dom)
{
	const char *base = "/sys/bus/event_source/devices/power";
	char path[256], buf[128], *p;
	struct perf_event_attr attr = { .size = sizeof(attr) };
	uint64_t type, config;
	long double scale;
	int cpu = 0, fd;

	snprintf(path, sizeof(path), "%s/type", base);
	if (read_u64(path, &type))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/events/%s", base, event);
	if (read_str(path, buf, sizeof(buf)) || !(p = strstr(buf, "event=")))
		return -ENOENT;
	config = strtoull(p + 6, NULL, 0);
	snprintf(path, sizeof(path), "%s/events/%s.scale", base, event);
	if (read_str(path, buf, sizeof(buf)) || (scale = strtold(buf, NULL)) <= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/cpumask", base);
	if (!read_str(path, buf, sizeof(buf)))
		cpu = atoi(buf);
	attr.type = type;
	attr.config = config;
	fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, 0);
	if (fd < 0)
		return -errno;
	l->zones[l->nzones].dom = dom;
	l->zones[l->nzones].fd = fd;
	l->zones[l->nzones].uj_per_count = scale * 1e6L;
	l->zones[l->nzones].ctr.bits = 64;
	l->nzones++;
	return 0;
}

static int perf_open(struct pd_ledger *l)
{
	if (!perf_open_event(l, "energy-pkg", PD_DOM_PKG)) {
		perf_open_event(l, "energy-ram", PD_DOM_DRAM);
		l->meter_name = "perf";
		return 0;
	}
	if (!perf_open_event(l, "energy-psys", PD_DOM_PKG)) {
		l->meter_name = "perf-psys";
		return 0;
	}
	return -ENOENT;
}

/* Energy of each domain since the last sample, in uJ. */
static void meter_read(struct pd_ledger *l, uint64_t busy_ns, uint64_t idle_ns,
		       uint64_t elapsed_ns, uint64_t *uj)
{
	const struct pd_config *c = &l->pd->cfg;
	unsigned int i, ev;
	uint64_t raw, d, pj;

	memset(uj, 0, PD_NR_DOMS * sizeof(*uj));
	if (l->meter == PD_METER_MODEL) {
		pj = busy_ns * c->model_active_mw + idle_ns * c->model_idle_mw + l->model_rem;
		uj[PD_DOM_PKG] = pj / 1000000;
		l->model_rem = pj % 1000000;
		return;
	}
	for (i = 0; i < l->nzones; i++) {
		struct zone *z = &l->zones[i];

		if (z->fd >= 0) {
			if (read(z->fd, &raw, sizeof(raw)) != sizeof(raw))
				continue;
		} else if (read_u64(z->file, &raw)) {
			continue;
		}
		d = pwrmig_counter_advance(&z->ctr, raw, elapsed_ns, 0, &ev);
		if (z->fd >= 0) {
			long double e = d * z->uj_per_count + z->frac;

			d = (uint64_t)e;
			z->frac = e - d;
		}
		uj[z->dom] += d;
	}
}

/* ---- cgroups --------------------------------------------------------------- */

static void see(struct pd_ledger *l, struct lcg *cg)
{
	if (cg->stamp == l->samples + 1)
		return;
	if (pd_grow((void **)&l->seen, &l->capseen, l->nseen + 1, sizeof(*l->seen)))
		return;
	cg->stamp = l->samples + 1;
	l->seen[l->nseen++] = cg;
}

static int collect(uint64_t cgid, uint64_t rt, uint64_t switches, void *arg)
{
	struct pd_ledger *l = arg;
	struct lcg *cg = pd_lcg_get(l, cgid);

	if (!cg)
		return 0;	/* no memory: its time goes to "other" below */
	see(l, cg);
	cg->map_rt = rt;
	return 0;
}

/*
 * Runtime since the last sample, per cgroup: the collector's totals plus
 * what each CPU's current task has run since it came in (the collector
 * charges that only at the next switch; without it a long stretch lands
 * in one sample as a lump).  The map is read before the running tasks,
 * so a switch in between makes a stretch late, never counted twice.
 */
static int runtime_deltas(struct pd_ledger *l, uint64_t *now)
{
	struct pwrmig_sched_totals t;
	uint64_t eff;
	struct lcg *cg;
	size_t i;
	int n, err;

	l->nseen = 0;
	l->nactive = 0;
	err = pwrmig_sched_for_each(l->sched, collect, l);
	if (!err)
		err = pwrmig_sched_totals(l->sched, &t);
	if (err)
		return err;
	n = pwrmig_sched_running(l->sched, l->run, l->ncpus);
	*now = pd_mono_ns();
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		const struct pwrmig_sched_running *r = &l->run[i];

		if (r->running_ns && r->cgid && (cg = pd_lcg_get(l, r->cgid))) {
			see(l, cg);
			cg->pre_ns += r->running_ns;
		}
	}
	for (i = 0; i < l->nseen; i++) {
		cg = l->seen[i];
		eff = cg->map_rt + cg->pre_ns;
		/*
		 * A reading can come out low (a torn per-CPU copy skipped, a
		 * stretch between two reads): keep the highest seen, so that
		 * what was charged once is not charged again when it shows.
		 */
		cg->delta_rt = eff > cg->last_eff ? eff - cg->last_eff : 0;
		if (eff > cg->last_eff)
			cg->last_eff = eff;
		cg->pre_ns = 0;
		if (cg->delta_rt &&
		    !pd_grow((void **)&l->active, &l->capactive, l->nactive + 1, sizeof(*l->active)))
			l->active[l->nactive++] = cg;
	}
	l->over_delta = t.overflow_ns - l->last_over;
	l->last_over = t.overflow_ns;
	return 0;
}

/* cgroup v2 lifecycle: names at mkdir, removal marked at rmdir. */
static int on_cgev(const struct pwrmig_cgroup_event *e, void *arg)
{
	struct pd_ledger *l = arg;
	struct lcg key = { .id = e->cgid }, **found;

	switch (e->type) {
	case PWRMIG_CGROUP_MKDIR:
		pd_cgroup_path_add(e->cgid, e->path);
		pd_log(2, "cgroup %s (id %llu) created", e->path,
		       (unsigned long long)e->cgid);
		break;
	case PWRMIG_CGROUP_RMDIR:
		found = tfind(&key, &l->tree, pd_lcg_cmp);
		if (found && !(*found)->gone) {
			(*found)->gone = 1;
			(*found)->gone_at = pd_mono_ns() / 1000000000ULL;
		}
		pd_cgroup_path_forget(e->cgid);
		pd_log(2, "cgroup %s (id %llu) removed", e->path,
		       (unsigned long long)e->cgid);
		break;
	case PWRMIG_CGROUP_ATTACH:
		pd_log(3, "pid %u moved to cgroup %s", e->pid, e->path);
		break;
	}
	return 0;
}

/* Without events (or after losing some), find removed cgroups by stat. */
static void poll_gone(struct pd_ledger *l, uint64_t now)
{
	struct stat st;
	char dir[600];
	size_t i;

	for (i = 0; i < l->nall; i++) {
		struct lcg *cg = l->all[i];

		if (cg->gone || !cg->path[0])
			continue;
		snprintf(dir, sizeof(dir), "%s%s", pwrmig_cgroup_root(), cg->path);
		if (stat(dir, &st) || st.st_ino != cg->id) {
			cg->gone = 1;
			cg->gone_at = now / 1000000000ULL;
		}
	}
}

/*
 * Split UJ of domain DOM over idle (weight IDLE), the cgroups the ledger
 * has no room for (OVER) and the active cgroups (their runtime), with
 * each one's carry; cost at the configured price.
 */
static void split_domain(struct pd_ledger *l, int dom, uint64_t uj, uint64_t idle, uint64_t over)
{
	const struct pwrmig_site_entry *c = pwrmig_sites_local(l->pd->sites);
	struct pwrmig_share *sh = l->shares;
	size_t i, n = l->nactive + 2;

	sh[0] = (struct pwrmig_share){ .weight = idle, .carry = l->idle_carry[dom] };
	sh[1] = (struct pwrmig_share){ .weight = over, .carry = l->other_carry[dom] };
	for (i = 0; i < l->nactive; i++)
		sh[i + 2] = (struct pwrmig_share){
			.weight = l->active[i]->delta_rt,
			.carry = l->active[i]->carry[dom],
		};
	pwrmig_split(uj, sh, n);
	l->idle_carry[dom] = sh[0].carry;
	l->other_carry[dom] = sh[1].carry;
	l->idle_uj[dom] += sh[0].out;
	l->other_uj[dom] += sh[1].out;
	for (i = 0; i < l->nactive; i++) {
		struct lcg *cg = l->active[i];

		cg->carry[dom] = sh[i + 2].carry;
		cg->energy_uj[dom] += sh[i + 2].out;
		if (c && c->price && sh[i + 2].out)
			pwrmig_cost_add(&cg->cost, sh[i + 2].out, c->price, c->pue_milli);
		if (l->estimated && sh[i + 2].out)
			cg->estimated = 1;
	}
}

int pd_ledger_sample(struct pd_ledger *l)
{
	uint64_t now, elapsed, busy, idle, over, wall;
	uint64_t uj[PD_NR_DOMS];
	size_t i;
	int dom, err;
	long cpus;

	if (l->cgev)
		pwrmig_cgroup_events_poll(l->cgev);
	err = runtime_deltas(l, &now);
	if (err)
		return err;
	elapsed = now - l->last_ns;
	over = l->over_delta;
	busy = over;
	for (i = 0; i < l->nactive; i++)
		busy += l->active[i]->delta_rt;
	/* Idle: the online CPUs' wall time the tasks did not use, as the
	 * module counts it. */
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	wall = elapsed * (cpus > 0 ? cpus : 1);
	idle = pwrmig_idle(&l->idle_bal, wall, busy);

	meter_read(l, busy, idle, elapsed, uj);
	if (pd_grow((void **)&l->shares, &l->capshares, l->nactive + 2, sizeof(*l->shares)))
		return -ENOMEM;
	for (dom = PD_DOM_PKG; dom <= PD_DOM_DRAM; dom++)
		if (uj[dom] || dom != PD_DOM_DRAM)
			split_domain(l, dom, uj[dom], idle, over);
	for (dom = 0; dom < PD_NR_DOMS; dom++) {
		if (dom == PD_DOM_GPU)
			continue;
		l->total_uj[dom] += uj[dom];
		l->power_mw[dom] = elapsed ? uj[dom] * 1000000ULL / elapsed : 0;
	}
	l->charged = 0;
	for (i = 0; i < l->nactive; i++) {
		l->active[i]->runtime_ns += l->active[i]->delta_rt;
		l->charged += !!l->active[i]->delta_rt;
	}
	l->interval_ns = elapsed;
	l->interval_uj = uj[PD_DOM_PKG];
	l->samples++;
	l->last_ns = now;

	/* Paths of new cgroups, and which ones went away. */
	for (i = 0; i < l->nall; i++) {
		struct lcg *cg = l->all[i];

		if (!cg->gone && !cg->path[0] && cg->path_misses++ < 3)
			pd_cgroup_path(cg->id, cg->path, sizeof(cg->path));
	}
	if (!l->cgev) {
		poll_gone(l, now);
	} else if (pwrmig_cgroup_events_lost(l->cgev) != l->cgev_lost) {
		l->cgev_lost = pwrmig_cgroup_events_lost(l->cgev);
		pd_log(0, "cgroup events lost (%llu so far): checking by polling",
		       (unsigned long long)l->cgev_lost);
		poll_gone(l, now);
	}
	return 0;
}

const char *pd_ledger_meter(struct pd_ledger *l)
{
	return l->meter_name;
}

const char *pd_ledger_attach_kind(struct pd_ledger *l)
{
	return pwrmig_sched_attach_kind(l->sched);
}

int pd_ledger_open(struct pd *pd, struct pd_ledger **out)
{
	struct pwrmig_sched_totals t;
	struct pd_ledger *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->pd = pd;
	l->meter = pd->cfg.meter;
	if (l->meter == PD_METER_AUTO || l->meter == PD_METER_POWERCAP) {
		err = powercap_open(l);
		if (!err) {
			l->meter = PD_METER_POWERCAP;
			l->meter_name = "powercap";
		} else if (l->meter == PD_METER_POWERCAP) {
			fprintf(stderr, "pwrmigd: meter powercap: no RAPL zones under %s\n",
				pd->cfg.powercap_root);
			free(l);
			return err;
		} else if (!perf_open(l)) {
			l->meter = PD_METER_POWERCAP;	/* read like counters */
		} else {
			l->meter = PD_METER_MODEL;
		}
	}
	if (l->meter == PD_METER_MODEL) {
		l->meter_name = "model";
		l->estimated = 1;
	}
	err = pwrmig_sched_open(&l->sched, pd->cfg.max_cgroups);
	if (!err) {
		l->ncpus = pwrmig_sched_ncpus(l->sched);
		l->run = calloc(l->ncpus, sizeof(*l->run));
		if (!l->run)
			err = -ENOMEM;
	}
	if (err) {
		fprintf(stderr, "pwrmigd: cannot load the eBPF sched collector: %s\n",
			strerror(-err));
		pd_ledger_close(l);
		return err;
	}
	/* The first sample splits what ran from now on. */
	l->last_ns = pd_mono_ns();
	if (!pwrmig_sched_totals(l->sched, &t))
		l->last_over = t.overflow_ns;
	err = pwrmig_cgroup_events_open(&l->cgev, on_cgev, l);
	if (err) {
		l->cgev = NULL;
		pd_log(0, "no cgroup events (%s): removed cgroups are found by polling",
		       strerror(-err));
	}
	*out = l;
	return 0;
}

void pd_ledger_close(struct pd_ledger *l)
{
	size_t i;

	if (!l)
		return;
	pwrmig_cgroup_events_close(l->cgev);
	pwrmig_sched_close(l->sched);
	for (i = 0; i < l->nzones; i++)
		if (l->zones[i].fd >= 0)
			close(l->zones[i].fd);
	tdestroy(l->tree, free);
	free(l->all);
	free(l->active);
	free(l->seen);
	free(l->run);
	free(l->shares);
	free(l);
}
