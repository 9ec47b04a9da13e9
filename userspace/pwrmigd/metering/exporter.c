// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus exporter: GET /metrics serves the latest snapshot in the
 * text exposition format (version 0.0.4).  libmicrohttpd does the HTTP.
 * The snapshot is formatted once per sample, under the daemon's lock, into
 * a shared page that every scrape until the next sample sends as it is
 * (with its own scrape count after it): scrapes neither hold the lock nor
 * allocate a page each.  Names and labels are documented in
 * Documentation/metrics.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "metering.h"
#include "text.h"
#include "workload.h"

/* One rendering of the snapshot, shared by the replies that send it. */
struct page {
	int refs;
	size_t len;
	char *text;
};

struct pd_exporter {
	struct MHD_Daemon *mhd;
	struct pd *pd;
	pthread_mutex_t lock;	/* guards page and gen */
	struct page *page;	/* the snapshot of generation gen, rendered */
	uint64_t gen;
	uint64_t scrapes;
};

/* A reply: the shared page, then this scrape's count. */
struct body {
	struct page *page;
	char tail[192];
};

static void head(struct text *b, const char *name, const char *type, const char *help)
{
	text_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Micro-units as a decimal with six places, exactly. */
static void micro(struct text *b, uint64_t v)
{
	text_printf(b, "%llu.%06llu\n", (unsigned long long)(v / 1000000),
		(unsigned long long)(v % 1000000));
}

const char *const pd_dom_names[PD_NR_DOMS] = { "pkg", "dram", "gpu" };

/* Whether the node's figures have domain D: what its meter measures, GPUs if any. */
static int has_domain(const struct pd_snapshot *s, int d)
{
	return (s->domains & (1 << d)) || (d == PD_DOM_GPU && s->ngpu);
}

/* The snapshot as exposition text; the caller holds pd->lock. */
/* The node: meter, samples, energy and power by domain. */
static void render_node(struct text *b, const struct pd_snapshot *s)
{
	int d;

	head(b, "pwrmig_build_info", "gauge", "pwrmigd's version; always 1.");
	text_printf(b, "pwrmig_build_info{version=\"%s\"} 1\n", PWRMIG_VERSION);
	head(b, "pwrmig_meter_info", "gauge",
	     "Where the figures come from: mode (module or bpf) and meter; "
	     "estimated=\"true\" when a power model stands in for a meter.");
	text_printf(b, "pwrmig_meter_info{mode=\"%s\",meter=\"%s\",estimated=\"%s\"} 1\n",
		s->mode ?: "none", s->meter ?: "none", s->estimated ? "true" : "false");
	head(b, "pwrmig_samples_total", "counter", "Samples the ledger has taken.");
	text_printf(b, "pwrmig_samples_total %llu\n", (unsigned long long)s->samples);

	head(b, "pwrmig_node_energy_joules_total", "counter",
	     "Energy the meter measured on this node since the ledger started, by domain.");
	for (d = 0; d < PD_NR_DOMS; d++)
		if (has_domain(s, d)) {
			text_printf(b, "pwrmig_node_energy_joules_total{domain=\"%s\",estimated=\"%s\"} ",
				pd_dom_names[d], s->estimated && d != PD_DOM_GPU ? "true" : "false");
			micro(b, s->total_uj[d]);
		}
	head(b, "pwrmig_node_power_watts", "gauge",
	     "Node power over the last sample, by domain.");
	for (d = 0; d < PD_NR_DOMS; d++)
		if (d != PD_DOM_GPU && (s->domains & (1 << d))) {
			text_printf(b, "pwrmig_node_power_watts{domain=\"%s\"} ", pd_dom_names[d]);
			text_printf(b, "%llu.%03llu\n", (unsigned long long)(s->power_mw[d] / 1000),
				(unsigned long long)(s->power_mw[d] % 1000));
		}
	head(b, "pwrmig_idle_energy_joules_total", "counter",
	     "Energy charged to idle CPUs, by domain.");
	for (d = 0; d < PD_NR_DOMS; d++)
		if (d != PD_DOM_GPU && (s->domains & (1 << d))) {
			text_printf(b, "pwrmig_idle_energy_joules_total{domain=\"%s\"} ",
				pd_dom_names[d]);
			micro(b, s->idle_uj[d]);
		}
	head(b, "pwrmig_other_energy_joules_total", "counter",
	     "Energy of cgroups the ledger had no room for, by domain.");
	for (d = 0; d < PD_NR_DOMS; d++)
		if (d != PD_DOM_GPU && (s->domains & (1 << d))) {
			text_printf(b, "pwrmig_other_energy_joules_total{domain=\"%s\"} ",
				pd_dom_names[d]);
			micro(b, s->other_uj[d]);
		}
}

/* Who runs in each cgroup, where its path says (common/workload.c). */
static void render_workloads(struct text *b, const struct pd_snapshot *s)
{
	struct pwrmig_workload_id w;
	char path[600], unit[400], step[80];
	size_t i;

	head(b, "pwrmig_cgroup_workload_info", "gauge",
	     "Who runs in a cgroup, from its path: kind (kubernetes, container, slurm, systemd), "
	     "Kubernetes pod UID, container id, systemd unit, Slurm job and step; always 1.");
	for (i = 0; i < s->ncg; i++) {
		const struct pd_cgroup *c = &s->cg[i];

		if (!pwrmig_workload_of(c->path, &w))
			continue;
		text_printf(b, "pwrmig_cgroup_workload_info{cgroup=\"%s\",id=\"%llu\",kind=\"%s\","
			"pod_uid=\"%s\",container_id=\"%s\",unit=\"%s\",slurm_job_id=\"%s\","
			"slurm_step=\"%s\"} 1\n", prom_label(c->path, path, sizeof(path)),
			(unsigned long long)c->id, w.kind, w.pod_uid, w.container_id,
			prom_label(w.unit, unit, sizeof(unit)), w.slurm_job,
			prom_label(w.slurm_step, step, sizeof(step)));
	}
}

/* Every cgroup: energy by domain, CPU time, cost, removal. */
static void render_cgroups(struct text *b, const struct pd_snapshot *s)
{
	char path[600];
	size_t i;
	int d;

	head(b, "pwrmig_cgroup_energy_joules_total", "counter",
	     "Energy charged to a cgroup, by domain (pkg: CPU package, dram, gpu).");
	for (i = 0; i < s->ncg; i++) {
		const struct pd_cgroup *c = &s->cg[i];

		prom_label(c->path, path, sizeof(path));
		for (d = 0; d < PD_NR_DOMS; d++) {
			if (!has_domain(s, d))
				continue;
			text_printf(b, "pwrmig_cgroup_energy_joules_total{cgroup=\"%s\",id=\"%llu\","
				"domain=\"%s\",estimated=\"%s\"} ", path,
				(unsigned long long)c->id, pd_dom_names[d],
				c->estimated && d != PD_DOM_GPU ? "true" : "false");
			micro(b, c->energy_uj[d]);
		}
	}
	head(b, "pwrmig_cgroup_cpu_seconds_total", "counter",
	     "CPU time of a cgroup, measured at every context switch.");
	for (i = 0; i < s->ncg; i++) {
		const struct pd_cgroup *c = &s->cg[i];

		text_printf(b, "pwrmig_cgroup_cpu_seconds_total{cgroup=\"%s\",id=\"%llu\"} "
			"%llu.%09llu\n", prom_label(c->path, path, sizeof(path)),
			(unsigned long long)c->id,
			(unsigned long long)(c->runtime_ns / 1000000000ULL),
			(unsigned long long)(c->runtime_ns % 1000000000ULL));
	}
	if (s->nsites) {
		const char *cur = s->sites[0].currency;

		for (i = 0; i < s->nsites; i++)
			if (s->sites[i].local)
				cur = s->sites[i].currency;
		head(b, "pwrmig_cgroup_cost_total", "counter",
		     "Electricity cost of a cgroup at the local site's price and PUE, "
		     "in units of the currency label.");
		for (i = 0; i < s->ncg; i++) {
			const struct pd_cgroup *c = &s->cg[i];

			text_printf(b, "pwrmig_cgroup_cost_total{cgroup=\"%s\",id=\"%llu\","
				"currency=\"%s\"} ", prom_label(c->path, path, sizeof(path)),
				(unsigned long long)c->id, cur);
			micro(b, c->cost_uunits);
		}
	}
	head(b, "pwrmig_cgroup_removed", "gauge",
	     "1 for a cgroup that was removed; its figures are kept for a while.");
	for (i = 0; i < s->ncg; i++)
		if (s->cg[i].gone)
			text_printf(b, "pwrmig_cgroup_removed{cgroup=\"%s\",id=\"%llu\"} 1\n",
				prom_label(s->cg[i].path, path, sizeof(path)),
				(unsigned long long)s->cg[i].id);
}

/* The sites: price, PUE, carbon intensity. */
static void render_sites(struct text *b, const struct pd_snapshot *s)
{
	char name[200];
	size_t i;

	if (!s->nsites)
		return;
	head(b, "pwrmig_site_price_per_kwh", "gauge",
	     "A site's current grid price, in units of the currency label per kWh.");
	for (i = 0; i < s->nsites; i++) {
		const struct pd_site *st = &s->sites[i];

		text_printf(b, "pwrmig_site_price_per_kwh{site=\"%s\",currency=\"%s\","
			"local=\"%s\"} ", prom_label(st->name, name, sizeof(name)),
			st->currency, st->local ? "true" : "false");
		micro(b, st->price);
	}
	head(b, "pwrmig_site_pue", "gauge",
	     "A site's power usage effectiveness (facility power / IT power).");
	for (i = 0; i < s->nsites; i++)
		text_printf(b, "pwrmig_site_pue{site=\"%s\"} %u.%03u\n",
			prom_label(s->sites[i].name, name, sizeof(name)),
			s->sites[i].pue_milli / 1000, s->sites[i].pue_milli % 1000);
	head(b, "pwrmig_site_forecast_next_price_per_kwh", "gauge",
	     "The price of a site's next forecast slot, in units of the currency label per kWh.");
	for (i = 0; i < s->nsites; i++)
		if (s->sites[i].has_next) {
			text_printf(b, "pwrmig_site_forecast_next_price_per_kwh{site=\"%s\",currency=\"%s\"} ",
				    prom_label(s->sites[i].name, name, sizeof(name)),
				    s->sites[i].currency);
			micro(b, s->sites[i].next_price);
		}
	head(b, "pwrmig_site_forecast_next_start_timestamp_seconds", "gauge",
	     "When a site's next forecast slot starts (UNIX time).");
	for (i = 0; i < s->nsites; i++)
		if (s->sites[i].has_next)
			text_printf(b, "pwrmig_site_forecast_next_start_timestamp_seconds{site=\"%s\"} %llu\n",
				    prom_label(s->sites[i].name, name, sizeof(name)),
				    (unsigned long long)s->sites[i].next_start);
	head(b, "pwrmig_site_forecast_min_price_per_kwh", "gauge",
	     "The cheapest price in a site's forecast from now to its end.");
	for (i = 0; i < s->nsites; i++)
		if (s->sites[i].has_forecast) {
			text_printf(b, "pwrmig_site_forecast_min_price_per_kwh{site=\"%s\",currency=\"%s\"} ",
				    prom_label(s->sites[i].name, name, sizeof(name)),
				    s->sites[i].currency);
			micro(b, s->sites[i].min_price);
		}
	head(b, "pwrmig_site_forecast_end_timestamp_seconds", "gauge",
	     "Where a site's forecast ends (UNIX time).");
	for (i = 0; i < s->nsites; i++)
		if (s->sites[i].has_forecast)
			text_printf(b, "pwrmig_site_forecast_end_timestamp_seconds{site=\"%s\"} %llu\n",
				    prom_label(s->sites[i].name, name, sizeof(name)),
				    (unsigned long long)s->sites[i].forecast_end);
	head(b, "pwrmig_site_carbon_grams_per_kwh", "gauge",
	     "A site's grid carbon intensity, where known.");
	for (i = 0; i < s->nsites; i++)
		if (s->sites[i].has_carbon)
			text_printf(b, "pwrmig_site_carbon_grams_per_kwh{site=\"%s\"} %u\n",
				prom_label(s->sites[i].name, name, sizeof(name)),
				s->sites[i].carbon_g_per_kwh);
}

/* The GPUs pwrmigd meters. */
static void render_gpus(struct text *b, const struct pd_snapshot *s)
{
	char name[200], uuid[200], bus[80];
	size_t i;

	if (!s->ngpu)
		return;
	head(b, "pwrmig_gpu_info", "gauge",
	     "A GPU pwrmigd meters, what meters it (nvml, hwmon_energy, hwmon_power_average, "
	     "hwmon_power_input), its UUID and PCI bus id (as dcgm-exporter labels them).");
	for (i = 0; i < s->ngpu; i++)
		text_printf(b, "pwrmig_gpu_info{device=\"%u\",name=\"%s\",meter=\"%s\",uuid=\"%s\","
			"pci_bus_id=\"%s\"} 1\n", s->gpu[i].index,
			prom_label(s->gpu[i].name, name, sizeof(name)), s->gpu[i].meter,
			prom_label(s->gpu[i].uuid, uuid, sizeof(uuid)),
			prom_label(s->gpu[i].pci_bus_id, bus, sizeof(bus)));
	head(b, "pwrmig_gpu_energy_joules_total", "counter",
	     "Energy a GPU used since pwrmigd started (NVML's counter, hwmon's counter, or hwmon's power integrated).");
	for (i = 0; i < s->ngpu; i++) {
		text_printf(b, "pwrmig_gpu_energy_joules_total{device=\"%u\",name=\"%s\"} ",
			s->gpu[i].index, prom_label(s->gpu[i].name, name, sizeof(name)));
		micro(b, s->gpu[i].energy_uj);
	}
	head(b, "pwrmig_gpu_idle_energy_joules_total", "counter",
	     "GPU energy not charged to any cgroup: idle power, or nobody to charge.");
	for (i = 0; i < s->ngpu; i++) {
		text_printf(b, "pwrmig_gpu_idle_energy_joules_total{device=\"%u\"} ",
			s->gpu[i].index);
		micro(b, s->gpu[i].idle_uj);
	}
	head(b, "pwrmig_gpu_power_watts", "gauge", "GPU power as its meter reports it.");
	for (i = 0; i < s->ngpu; i++)
		text_printf(b, "pwrmig_gpu_power_watts{device=\"%u\"} %llu.%03llu\n",
			s->gpu[i].index, (unsigned long long)(s->gpu[i].power_mw / 1000),
			(unsigned long long)(s->gpu[i].power_mw % 1000));
	head(b, "pwrmig_gpu_energy_resets_total", "counter",
	     "Times a GPU's energy counter restarted (driver reload).");
	for (i = 0; i < s->ngpu; i++)
		text_printf(b, "pwrmig_gpu_energy_resets_total{device=\"%u\"} %llu\n",
			s->gpu[i].index, (unsigned long long)s->gpu[i].resets);
	head(b, "pwrmig_gpu_read_errors_total", "counter",
	     "GPU energy or power readings that failed (hwmon: taken as 0 W, e.g. a suspended GPU).");
	for (i = 0; i < s->ngpu; i++)
		text_printf(b, "pwrmig_gpu_read_errors_total{device=\"%u\"} %llu\n",
			s->gpu[i].index, (unsigned long long)s->gpu[i].read_errors);
	head(b, "pwrmig_gpu_report_errors_total", "counter",
	     "GPU energy reports the module refused (the energy stays idle).");
	text_printf(b, "pwrmig_gpu_report_errors_total %llu\n",
		(unsigned long long)s->gpu_report_errors);
}

/* The migrations this node sent (migrate = on). */
static void render_migrations(struct text *b, const struct pd *pd)
{
	static const uint64_t bound[PD_FROZEN_BUCKETS] = { PD_FROZEN_BOUNDS_MS };
	const struct pd_migstats *st = &pd->migstats;
	unsigned int i;

	if (!pd->cfg.migrate)
		return;
	head(b, "pwrmig_migrations_sent_total", "counter",
	     "Migrations this node sent, by result (done: the job runs at the destination).");
	text_printf(b, "pwrmig_migrations_sent_total{result=\"done\"} %llu\n",
		    (unsigned long long)st->done);
	text_printf(b, "pwrmig_migrations_sent_total{result=\"failed\"} %llu\n",
		    (unsigned long long)st->failed);
	head(b, "pwrmig_migration_sent_bytes_total", "counter",
	     "Image bytes this node sent, whatever the migrations' results.");
	text_printf(b, "pwrmig_migration_sent_bytes_total %llu\n",
		    (unsigned long long)st->bytes);
	head(b, "pwrmig_migration_frozen_seconds", "histogram",
	     "How long the jobs this node sent were frozen (final dump to resume or rollback).");
	for (i = 0; i < PD_FROZEN_BUCKETS; i++)
		text_printf(b, "pwrmig_migration_frozen_seconds_bucket{le=\"%llu.%03llu\"} %llu\n",
			    (unsigned long long)(bound[i] / 1000),
			    (unsigned long long)(bound[i] % 1000),
			    (unsigned long long)st->frozen_le[i]);
	text_printf(b, "pwrmig_migration_frozen_seconds_bucket{le=\"+Inf\"} %llu\n"
		    "pwrmig_migration_frozen_seconds_sum %llu.%03llu\n"
		    "pwrmig_migration_frozen_seconds_count %llu\n",
		    (unsigned long long)st->frozen_n,
		    (unsigned long long)(st->frozen_ms / 1000),
		    (unsigned long long)(st->frozen_ms % 1000),
		    (unsigned long long)st->frozen_n);
}

static char *render(struct pd *pd, size_t *len)
{
	struct pd_snapshot *s = &pd->snap;
	struct text b = { 0 };

	b.cap = 4096 + s->ncg * 600;
	b.p = malloc(b.cap);
	if (!b.p)
		return NULL;
	b.p[0] = 0;
	render_node(&b, s);
	render_cgroups(&b, s);
	render_workloads(&b, s);
	render_sites(&b, s);
	render_gpus(&b, s);
	render_migrations(&b, pd);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static void page_put(struct page *pg)
{
	if (pg && !__atomic_sub_fetch(&pg->refs, 1, __ATOMIC_ACQ_REL)) {
		free(pg->text);
		free(pg);
	}
}

/* The page of the current snapshot, rendered if it is new; a reference. */
static struct page *page_get(struct pd_exporter *e)
{
	struct pd *pd = e->pd;
	struct page *pg = NULL;

	pthread_mutex_lock(&e->lock);
	pthread_mutex_lock(&pd->lock);
	if (!e->page || e->gen != pd->snap.gen) {
		pg = calloc(1, sizeof(*pg));
		if (pg)
			pg->text = render(pd, &pg->len);
		if (pg && pg->text) {
			pg->refs = 1;
			page_put(e->page);
			e->page = pg;
			e->gen = pd->snap.gen;
		} else if (pg) {
			free(pg);
		}
	}
	pthread_mutex_unlock(&pd->lock);
	pg = e->page;
	if (pg)
		__atomic_add_fetch(&pg->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&e->lock);
	return pg;
}

static void body_free(void *cls)
{
	struct body *b = cls;

	page_put(b->page);
	free(b);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_len, void **ctx)
{
	static char not_found[] = "pwrmigd: try /metrics\n";
	static char bad_method[] = "pwrmigd: only GET and HEAD\n";
	static char oom[] = "pwrmigd: out of memory\n";
	struct pd_exporter *e = cls;
	struct MHD_IoVec iov[2];
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct body *b;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			     strlen(bad_method), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			     strlen(not_found), MHD_RESPMEM_PERSISTENT);
	b = calloc(1, sizeof(*b));
	if (b)
		b->page = page_get(e);
	if (!b || !b->page) {
		free(b);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", oom,
			     strlen(oom), MHD_RESPMEM_PERSISTENT);
	}
	snprintf(b->tail, sizeof(b->tail),
		 "# HELP pwrmig_scrapes_total Scrapes of this endpoint.\n"
		 "# TYPE pwrmig_scrapes_total counter\npwrmig_scrapes_total %llu\n",
		 (unsigned long long)__atomic_add_fetch(&e->scrapes, 1, __ATOMIC_RELAXED));
	iov[0] = (struct MHD_IoVec){ .iov_base = b->page->text, .iov_len = b->page->len };
	iov[1] = (struct MHD_IoVec){ .iov_base = b->tail, .iov_len = strlen(b->tail) };
	r = MHD_create_response_from_iovec(iov, 2, body_free, b);
	if (!r) {
		body_free(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int pd_exporter_start(struct pd *pd, struct pd_exporter **out)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (void *)&ss;
	struct sockaddr_in *s4 = (void *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct pd_exporter *e;

	if (inet_pton(AF_INET, pd->cfg.listen_addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(pd->cfg.listen_port);
	} else if (inet_pton(AF_INET6, pd->cfg.listen_addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(pd->cfg.listen_port);
		flags |= MHD_USE_IPv6;
	} else {
		fprintf(stderr, "pwrmigd: listen address '%s' is not IPv4 or IPv6\n",
			pd->cfg.listen_addr);
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pd = pd;
	pthread_mutex_init(&e->lock, NULL);
	/*
	 * Slow or idle clients cannot keep scrapers out: 8 connections per
	 * address, 64 in all, each closed after 10 s without progress.
	 */
	e->mhd = MHD_start_daemon(flags, pd->cfg.listen_port, NULL, NULL, handle, e,
				  MHD_OPTION_SOCK_ADDR, &ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)8,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				  MHD_OPTION_END);
	if (!e->mhd) {
		fprintf(stderr, "pwrmigd: cannot listen on %s:%u (in use, or not allowed)\n",
			pd->cfg.listen_addr, pd->cfg.listen_port);
		free(e);
		return -EADDRINUSE;
	}
	*out = e;
	return 0;
}

void pd_exporter_stop(struct pd_exporter *e)
{
	if (!e)
		return;
	MHD_stop_daemon(e->mhd);
	page_put(e->page);
	free(e);
}
