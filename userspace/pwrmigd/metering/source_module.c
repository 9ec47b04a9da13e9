// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger from pwrmig.ko (module mode): every interval pwrmigd hands
 * the module each cgroup's GPU energy (energy-report), then dumps the
 * meter, the cgroups and the sites into the snapshot the exporter serves.
 *
 * The module keeps its sites in memory only: a reboot or a reload starts
 * it with none, and then its cost stops.  So the configured site (site,
 * price, currency, pue, carbon, forecast) goes into it when pwrmigd
 * starts and whenever the module comes back: found gone, then back; or
 * found new (its sample count went back, or it lacks the configured
 * site).  A new module also has new multicast groups and requests, which
 * the caller takes up on PD_SOURCE_NEW.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwrmig.h"
#include "metering.h"

struct dump_ctx {
	struct pd_cgroup *cg;
	size_t n, cap;
};

static int cg_cb(const struct pwrmig_cgroup *c, void *arg)
{
	struct dump_ctx *d = arg;
	struct pd_cgroup *o;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		void *p = realloc(d->cg, cap * sizeof(*d->cg));

		if (!p)
			return -1;
		d->cg = p;
		d->cap = cap;
	}
	o = &d->cg[d->n++];
	memset(o, 0, sizeof(*o));
	o->id = c->id;
	snprintf(o->path, sizeof(o->path), "%s", c->path);
	o->runtime_ns = c->runtime_ns;
	o->energy_uj[PD_DOM_PKG] = c->cpu_uj;
	o->energy_uj[PD_DOM_DRAM] = c->dram_uj;
	o->energy_uj[PD_DOM_GPU] = c->gpu_uj;
	o->cost_uunits = c->cost_uunits;
	o->estimated = !!(c->flags & PWRMIG_CGROUP_FLAGS_ESTIMATED);
	o->gone = !!(c->flags & PWRMIG_CGROUP_FLAGS_GONE);
	return 0;
}

struct site_ctx {
	struct pd_site sites[16];
	size_t n;
};

void pd_site_fill(struct pd_site *o, const char *name, int local, uint64_t price,
		  const char *currency, uint32_t pue_milli, int has_carbon, uint32_t carbon)
{
	*o = (struct pd_site){ .local = local, .price = price, .pue_milli = pue_milli,
			       .has_carbon = has_carbon, .carbon_g_per_kwh = carbon };
	snprintf(o->name, sizeof(o->name), "%s", name);
	memcpy(o->currency, currency, sizeof(o->currency));
}

void pd_site_slot(struct pd_site *o, uint64_t now, uint64_t start, uint32_t duration_s,
		  uint64_t price)
{
	if (start + duration_s <= now)
		return;		/* over */
	if (start > now && !o->has_next) {
		o->has_next = 1;
		o->next_start = start;
		o->next_price = price;
	}
	if (!o->has_forecast || price < o->min_price)
		o->min_price = price;
	o->has_forecast = 1;
	o->forecast_end = start + duration_s;
}

static int site_cb(const struct pwrmig_site *s, void *arg)
{
	struct site_ctx *c = arg;
	uint64_t now = time(NULL);
	unsigned int i;

	if (c->n == sizeof(c->sites) / sizeof(c->sites[0]))
		return 0;
	pd_site_fill(&c->sites[c->n], s->name, s->local, s->price, s->currency,
		     s->pue_milli, s->has_carbon, s->carbon_g_per_kwh);
	for (i = 0; i < s->n_forecast; i++)
		pd_site_slot(&c->sites[c->n], now, s->forecast[i].start, s->forecast[i].duration_s,
			     s->forecast[i].price);
	c->n++;
	return 0;
}

/* What tells one loaded module from the next. */
static struct {
	uint64_t samples;	/* the module's count at the last tick */
	int gone;		/* it went away; said so once */
} mod;

/* The configured site into the module: site-set, local. */
static void sites_push(struct pd *pd)
{
	const struct pd_config *c = &pd->cfg;
	struct pwrmig_site_config sc = {
		.name = c->site[0] ? c->site : "local",
		.local = 1,
		.has_price = 1,
		.price = c->price,
		.currency = c->currency,
		.pue_milli = c->pue_milli,
		.has_carbon = c->has_carbon,
		.carbon_g_per_kwh = c->carbon,
		.set_forecast = c->n_forecast > 0,
		.n_forecast = c->n_forecast,
		.forecast = c->forecast,
	};

	if (!c->price)
		return;
	if (pwrmig_site_set(pd->pw, &sc, NULL)) {
		pd_log(0, "site %s: the configured price was not set in the module: %s",
		       sc.name, pwrmig_errmsg(pd->pw));
		return;
	}
	pd_log(0, "site %s: price %llu.%06llu %s/kWh, PUE %u.%03u%s, %u forecast slots set in the module",
	       sc.name, (unsigned long long)(c->price / 1000000),
	       (unsigned long long)(c->price % 1000000), c->currency, c->pue_milli / 1000,
	       c->pue_milli % 1000, c->has_carbon ? ", carbon" : "", c->n_forecast);
}

/* Whether the module is not the one of the last tick. */
static int module_is_new(struct pd *pd)
{
	struct pwrmig_site site;
	struct pwrmig_info info;
	int rc = 0;

	if (pwrmig_info_get(pd->pw, &info))
		return 0;	/* the refresh says what is wrong */
	if (info.samples < mod.samples)
		rc = 1;
	else if (pd->cfg.price &&
		 pwrmig_site_get(pd->pw, pd->cfg.site[0] ? pd->cfg.site : "local", &site) == -ENOENT)
		rc = 1;
	mod.samples = info.samples;
	return rc;
}

static int module_refresh(struct pd *pd)
{
	static struct pwrmig_meter m;
	struct dump_ctx d = { 0 };
	struct site_ctx sc = { .n = 0 };
	struct pd_snapshot *s = &pd->snap;
	uint64_t before[PD_NR_DOMS], elapsed_ns;
	static uint64_t last_ns;
	struct timespec ts;
	unsigned int i;
	int dom;

	if (pwrmig_meter_get(pd->pw, &m) || pwrmig_cgroup_dump(pd->pw, cg_cb, &d) ||
	    pwrmig_site_dump(pd->pw, site_cb, &sc)) {
		pd_log(0, "reading the module's ledger: %s", pwrmig_errmsg(pd->pw));
		free(d.cg);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	elapsed_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec - last_ns;
	last_ns += elapsed_ns;

	pthread_mutex_lock(&pd->lock);
	memcpy(before, s->total_uj, sizeof(before));
	s->mode = "module";
	s->meter = pwrmig_meter_kind_str(m.kind);
	s->estimated = m.estimated;
	memset(s->total_uj, 0, sizeof(s->total_uj));
	memset(s->idle_uj, 0, sizeof(s->idle_uj));
	memset(s->other_uj, 0, sizeof(s->other_uj));
	s->domains = 0;
	for (i = 0; i < m.n_domains; i++) {
		dom = m.domains[i].domain == PWRMIG_DOMAIN_DRAM ? PD_DOM_DRAM : PD_DOM_PKG;
		s->domains |= 1 << dom;
		s->total_uj[dom] += m.domains[i].energy_uj;
		s->idle_uj[dom] += m.domains[i].idle_uj;
		s->other_uj[dom] += m.domains[i].other_uj;
	}
	for (dom = 0; dom < PD_NR_DOMS; dom++)
		s->power_mw[dom] = s->samples && elapsed_ns && s->total_uj[dom] >= before[dom] ?
			(s->total_uj[dom] - before[dom]) * 1000000ULL / elapsed_ns : 0;
	s->samples++;
	free(s->cg);
	s->cg = d.cg;
	s->ncg = d.n;
	s->cap = d.cap;
	memcpy(s->sites, sc.sites, sizeof(sc.sites));
	s->nsites = sc.n;
	pd_gpu_fill(pd->gpu, s);
	s->gen++;
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

static int report_module(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj)
{
	struct pd *pd = arg;

	if (!pwrmig_energy_report(pd->pw, cgid, dev, uj)) {
		pd->snap.gpu_reports++;
		return 0;
	}
	pd->snap.gpu_report_errors++;
	pd_log(1, "energy-report cgroup %llu device %u: %s",
	       (unsigned long long)cgid, dev, pwrmig_errmsg(pd->pw));
	return -1;
}

struct pwrmig *pd_module_open(void)
{
	struct pwrmig_open_opts opts = {
		.sz = sizeof(opts),
		.api_version = PWRMIG_API_VERSION,
		.backend = PWRMIG_BACKEND_MODULE,
	};

	return pwrmig_open_opts(&opts);
}

struct pwrmig *pd_family_client(const struct pd *pd)
{
	struct pwrmig_open_opts opts = {
		.sz = sizeof(opts),
		.api_version = PWRMIG_API_VERSION,
		.backend = pd->family ? PWRMIG_BACKEND_DAEMON : PWRMIG_BACKEND_MODULE,
	};

	return pwrmig_open_opts(&opts);
}

static int module_open(struct pd *pd)
{
	pd->pw = pd_module_open();
	if (!pd->pw)
		return -1;
	pd_log(0, "module mode: the ledger of pwrmig.ko");
	sites_push(pd);
	return 0;
}

/* The module, found again or anew: a fresh handle, the configured site. */
static int module_reattach(struct pd *pd)
{
	struct pwrmig *pw = pd_module_open();

	if (!pw) {
		if (!mod.gone)
			pd_log(0, "the pwrmig module is gone: its ledger stops until it is "
			       "loaded again (modprobe pwrmig)");
		mod.gone = 1;
		return -1;
	}
	pwrmig_close(pd->pw);
	pd->pw = pw;
	mod.gone = 0;
	mod.samples = 0;
	pd_log(0, "the pwrmig module is loaded again: setting it up");
	sites_push(pd);
	return PD_SOURCE_NEW;
}

static int module_tick(struct pd *pd)
{
	int rc = 0;

	if (mod.gone || module_is_new(pd))
		rc = module_reattach(pd);
	if (rc < 0)
		return -1;
	if (pd->gpu)
		pd_gpu_sample(pd->gpu, report_module, pd);
	if (!module_refresh(pd))
		return rc;
	/* Gone now: the next ticks look for it. */
	if (module_reattach(pd) == PD_SOURCE_NEW && !module_refresh(pd))
		return PD_SOURCE_NEW;
	return -1;
}

static void module_close(struct pd *pd)
{
	pwrmig_close(pd->pw);
	pd->pw = NULL;
}

const struct pd_source pd_source_module = {
	.mode	= "module",
	.open	= module_open,
	.tick	= module_tick,
	.configure = sites_push,
	.close	= module_close,
};
