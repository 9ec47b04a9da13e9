// SPDX-License-Identifier: GPL-2.0
/*
 * The live controller's hands and eyes: the local module (its ledger of
 * cgroups, its sites and prices, its migration broker) through libpwrmig,
 * the cgroup freezer, and remote sites' pwrmigd through their /metrics.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "file.h"
#include "live.h"
#include "pwrmig.h"

#define REQUESTER	"pwrmig-shaper"

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct ljob *live_job(struct live *lv, const char *name, int create)
{
	struct ljob *n;
	int i;

	for (i = 0; i < lv->njobs; i++)
		if (!strcmp(lv->job[i].name, name))
			return &lv->job[i];
	if (!create)
		return NULL;
	n = realloc(lv->job, (lv->njobs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	lv->job = n;
	n = &lv->job[lv->njobs++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->site = -1;
	return n;
}

int nodes_open(struct live *lv)
{
	if (lv->pw)
		return 0;
	lv->pw = pwrmig_open();
	if (!lv->pw)
		return -errno;
	live_log(lv, "module found: pushing sites, prices and forecasts");
	return 0;
}

static void lost_module(struct live *lv, int err)
{
	live_log(lv, "the pwrmig module is gone (%s); waiting for it to come back",
		 strerror(-err));
	pwrmig_close(lv->pw);
	lv->pw = NULL;
}

/* The owner's word on a job, from the configuration. */
static const struct shp_livejob *hint_of(const struct live *lv, const char *name)
{
	int i;

	for (i = 0; i < lv->sc->lv.njobs; i++)
		if (!strcmp(lv->sc->lv.job[i].name, name))
			return &lv->sc->lv.job[i];
	return NULL;
}

/* Which site acts for PATH (a direct child of its cgroup_root), and the name. */
static int site_of(const struct live *lv, const char *path, const char **name)
{
	int s;

	for (s = 0; s < lv->w->nsites; s++) {
		const char *root = lv->sc->lv.cgroup_root[s];
		size_t n = strlen(root);

		if (!n || strncmp(path, root, n) || path[n] != '/' || !path[n + 1] ||
		    strchr(path + n + 1, '/'))
			continue;
		*name = path + n + 1;
		return s;
	}
	return -1;
}

static double memory_gb(const char *path)
{
	char file[400], buf[64];

	snprintf(file, sizeof(file), "%s%s/memory.current", pwrmig_cgroup_root(), path);
	if (read_small(file, buf, sizeof(buf)) < 0)
		return 0;
	return strtod(buf, NULL) / 1e9;
}

static int cgroup_cb(const struct pwrmig_cgroup *cg, void *arg)
{
	struct live *lv = arg;
	const struct shp_livejob *h;
	const char *name;
	struct ljob *j;
	uint64_t e;
	double t;
	int s;

	if ((cg->flags & PWRMIG_CGROUP_FLAGS_GONE) || !(cg->flags & PWRMIG_CGROUP_FLAGS_DEFERRABLE))
		return 0;
	s = site_of(lv, cg->path, &name);
	if (s < 0)
		return 0;
	j = live_job(lv, name, 1);
	if (!j)
		return -ENOMEM;
	j->seen = 1;
	j->site = s;
	j->cgid = cg->id;
	snprintf(j->path, sizeof(j->path), "%s", cg->path);
	j->flags = cg->flags;
	j->deadline = cg->deadline;
	j->priority = cg->priority;
	/* Power from the ledger's energy over the time between readings. */
	e = cg->cpu_uj + cg->dram_uj + cg->gpu_uj;
	t = mono_s();
	if (j->energy_t > 0 && t - j->energy_t >= 0.5 && e >= j->energy_uj && j->running)
		j->kw = (e - j->energy_uj) / (t - j->energy_t) / 1e9;
	j->energy_uj = e;
	j->energy_t = t;
	j->size_gb = memory_gb(cg->path);
	h = hint_of(lv, name);
	if (h) {
		if (h->kw > 0)
			j->kw = h->kw;
		if (h->size_gb > 0)
			j->size_gb = h->size_gb;
		j->work_s = h->work_h * 3600;
	}
	return 0;
}

int nodes_read(struct live *lv)
{
	int i, err;

	for (i = 0; i < lv->njobs; i++)
		lv->job[i].seen = 0;
	if (!lv->pw)
		return -ENOENT;
	err = pwrmig_cgroup_dump(lv->pw, cgroup_cb, lv);
	if (err == -ENOENT || err == -ENODEV || err == -EINVAL) {
		lost_module(lv, err);
		return err;
	}
	return err;
}

/* Real UNIX time of simulated time T, by the clock's speed. */
static uint64_t real_of(const struct live *lv, int64_t t)
{
	return (uint64_t)(time(NULL) + (t - lv->now) / lv->sc->lv.speed);
}

int nodes_push_prices(struct live *lv)
{
	const struct shp_scenario *sc = lv->sc;
	struct pwrmig_forecast fc[PWRMIG_MAX_FORECAST];
	char err[256];
	int s, k, rc = 0;

	if (!lv->pw)
		return -ENOENT;
	for (s = 0; s < lv->w->nsites; s++) {
		const struct shp_site *site = &lv->w->site[s];
		struct pwrmig_site_config c = {
			.name = site->name, .has_price = 1, .currency = lv->w->currency,
			.set_forecast = 1, .forecast = fc,
		};
		double p;
		int n = 0;

		if (world_price(lv->w, s, lv->now, &p, err, sizeof(err))) {
			live_log(lv, "site %s: %s", site->name, err);
			continue;
		}
		lv->price_now[s] = p;
		c.price = (uint64_t)llround(p * 1e6 > 0 ? p * 1e6 : 0);
		for (k = 1; k <= PWRMIG_MAX_FORECAST; k++) {
			int64_t t = lv->now + (int64_t)k * sc->slot_s;
			double fp;
			uint32_t dur = (uint32_t)fmax(1, sc->slot_s / sc->lv.speed);

			if (world_price(lv->w, s, t, &fp, err, sizeof(err)))
				break;
			fc[n].start = real_of(lv, t);
			if (n && fc[n].start < fc[n - 1].start + fc[n - 1].duration_s)
				fc[n].start = fc[n - 1].start + fc[n - 1].duration_s;
			fc[n].duration_s = dur;
			fc[n].price = (uint64_t)llround(fp > 0 ? fp * 1e6 : 0);
			n++;
		}
		c.n_forecast = n;
		rc = pwrmig_price_set(lv->pw, &c, NULL);
		if (rc == -ENOENT) {
			/* A module that came back knows no sites: set them up again. */
			c.local = s == sc->lv.local_site;
			c.pue_milli = (uint32_t)llround(site->pue * 1000);
			rc = pwrmig_site_set(lv->pw, &c, NULL);
			if (!rc)
				live_log(lv, "site %s set up in the module (price %.4f %s/kWh, PUE %.2f%s)",
					 site->name, p, lv->w->currency, site->pue,
					 c.local ? ", local" : "");
		}
		if (rc) {
			live_log(lv, "site %s: price not pushed: %s", site->name,
				 pwrmig_errmsg(lv->pw));
			if (rc == -ENODEV || rc == -EINVAL) {
				lost_module(lv, rc);
				return rc;
			}
		}
	}
	lv->pushes++;
	return rc;
}

static int final(uint32_t state)
{
	return state == PWRMIG_MIGRATE_STATE_DONE || state == PWRMIG_MIGRATE_STATE_FAILED ||
	       state == PWRMIG_MIGRATE_STATE_CANCELLED || state == PWRMIG_MIGRATE_STATE_TIMED_OUT;
}

/* Someone else's request for a job's cgroup, still going. */
static int others_cb(const struct pwrmig_migration *m, void *arg)
{
	struct live *lv = arg;
	int i;

	if (final(m->state))
		return 0;
	for (i = 0; i < lv->njobs; i++) {
		struct ljob *j = &lv->job[i];

		if (j->cgid == m->cgroup_id && j->req != m->id)
			snprintf(j->busy, sizeof(j->busy), "request %u to %s by %s is %s", m->id,
				 m->site, m->requester, pwrmig_migrate_state_str(m->state));
	}
	return 0;
}

static void failed(struct live *lv, struct ljob *j, const char *why)
{
	int64_t b = lv->sc->lv.backoff_s;
	int i;

	/* The first failure waits backoff, each next one twice the one before. */
	for (i = 0; i < j->failures && b < lv->sc->lv.backoff_max_s; i++)
		b *= 2;
	if (b > lv->sc->lv.backoff_max_s)
		b = lv->sc->lv.backoff_max_s;
	j->failures++;
	j->retry_at = lv->now + b;
	lv->moves_failed++;
	live_log(lv, "%s: the move to %s failed (%s); no new move for %lld s (failure %d)",
		 j->name, lv->w->site[j->req_to].name, why, (long long)b, j->failures);
	j->req = 0;
}

void nodes_poll_moves(struct live *lv)
{
	struct pwrmig_migration m;
	int i, err;

	for (i = 0; i < lv->njobs; i++)
		lv->job[i].busy[0] = 0;
	if (!lv->pw)
		return;
	pwrmig_migrate_dump(lv->pw, others_cb, lv);
	for (i = 0; i < lv->njobs; i++) {
		struct ljob *j = &lv->job[i];

		if (!j->req)
			continue;
		err = pwrmig_migrate_get(lv->pw, j->req, &m);
		if (err == -ENOENT || (!err && m.cgroup_id != j->req_cgid)) {
			/* The module was reloaded: the request is gone with it. */
			failed(lv, j, "the module no longer knows the request");
			continue;
		}
		if (err || !final(m.state))
			continue;
		if (m.state == PWRMIG_MIGRATE_STATE_DONE) {
			live_log(lv, "%s: moved to %s (request %u, %u rounds, frozen %u ms)",
				 j->name, lv->w->site[j->req_to].name, m.id, m.rounds, m.freeze_ms);
			j->site = j->req_to;
			j->last_move = lv->now;
			j->moves++;
			j->failures = 0;
			j->req = 0;
			lv->moves_done++;
		} else {
			char why[200];

			snprintf(why, sizeof(why), "%s%s%s", pwrmig_migrate_state_str(m.state),
				 m.error_msg[0] ? ": " : "", m.error_msg);
			failed(lv, j, why);
		}
	}
}

int nodes_move(struct live *lv, struct ljob *j, int to)
{
	struct pwrmig_migrate_order o = {
		.cgroup_id = j->cgid, .site = lv->w->site[to].name,
		.mode = (uint32_t)lv->sc->lv.migrate_mode, .requester = REQUESTER,
		.timeout_s = (uint32_t)lv->sc->lv.request_timeout_s,
	};
	struct pwrmig_migration m;
	int err;

	if (!lv->pw)
		return -ENOENT;
	err = pwrmig_migrate_submit(lv->pw, &o, &m);
	if (err) {
		live_log(lv, "%s: cannot request a move to %s: %s", j->name, lv->w->site[to].name,
			 pwrmig_errmsg(lv->pw));
		return err;
	}
	j->req = m.id;
	j->req_to = to;
	j->req_cgid = j->cgid;
	return 0;
}

int nodes_freeze(struct live *lv, struct ljob *j, int frozen)
{
	char file[400];
	int fd, ok;

	snprintf(file, sizeof(file), "%s%s/cgroup.freeze", pwrmig_cgroup_root(), j->path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		live_log(lv, "%s: cannot %s it: %s: %s", j->name, frozen ? "pause" : "resume",
			 file, strerror(errno));
		return -errno;
	}
	ok = write(fd, frozen ? "1" : "0", 1) == 1;
	close(fd);
	if (!ok)
		return -EIO;
	j->paused = frozen;
	return 0;
}

/* ---- remote sites: pwrmigd's /metrics ----------------------------------------- */

struct body {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *np;

	if (b->len + add > 8 << 20)
		return 0;	/* no exporter of ours is that large */
	np = realloc(b->p, b->len + add + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = 0;
	return add;
}

/* The node's power in watts, summed over domains; -1 when not found. */
static double node_watts(const char *text)
{
	const char *k = "pwrmig_node_power_watts{";
	const char *p = text;
	double w = 0;
	int found = 0;

	while ((p = strstr(p, k))) {
		const char *sp = strchr(p, '}');

		if (!sp)
			break;
		if (p == text || p[-1] == '\n') {
			w += strtod(sp + 1, NULL);
			found = 1;
		}
		p = sp;
	}
	return found ? w : -1;
}

void nodes_read_remote(struct live *lv)
{
	int s;

	for (s = 0; s < lv->w->nsites; s++) {
		const char *url = lv->sc->lv.metrics[s];
		struct body b = { 0 };
		CURL *c;
		CURLcode rc;
		double watts;

		if (!url[0])
			continue;
		c = curl_easy_init();
		if (!c)
			continue;
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
		watts = rc == CURLE_OK && b.p ? node_watts(b.p) : -1;
		if (watts < 0)
			live_log(lv, "site %s: %s: %s", lv->w->site[s].name, url,
				 rc != CURLE_OK ? curl_easy_strerror(rc) : "no pwrmig_node_power_watts");
		else
			lv->remote_kw[s] = watts / 1000;
		free(b.p);
	}
}
