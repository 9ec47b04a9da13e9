// SPDX-License-Identifier: GPL-2.0
/*
 * The live controller's own Prometheus metrics (GET /metrics on listen):
 * where each job is and where the plan runs it, the saving it expects,
 * moves by result, re-plans, fallbacks and the last solve time.  Names
 * are documented in Documentation/shaper.md.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "live.h"
#include "text.h"

static const char *state_of(const struct ljob *j)
{
	return j->req ? "moving" : j->busy[0] ? "moved by another" : !j->seen ? "gone" :
	       j->paused ? "paused" : "running";
}

static void format(const struct live *lv, struct text *b)
{
	const char *cur = lv->w->currency;
	char n[160];
	int i, s;

	text_printf(b, "# HELP pwrmig_shaper_job_info A job: where it is, where the plan runs it now "
	    "(empty: paused), its state.\n# TYPE pwrmig_shaper_job_info gauge\n");
	for (i = 0; i < lv->njobs; i++) {
		const struct ljob *j = &lv->job[i];
		int planned = j->nhist ? j->hist[0].site : -1;

		text_printf(b, "pwrmig_shaper_job_info{job=\"%s\",site=\"%s\",planned=\"%s\",state=\"%s\"} 1\n",
		    prom_label(j->name, n, sizeof(n)), j->site >= 0 ? lv->w->site[j->site].name : "",
		    planned >= 0 ? lv->w->site[planned].name : "", state_of(j));
	}
	text_printf(b, "# HELP pwrmig_shaper_job_expected_saving What the last planned move of a job "
	    "saves over its plan, in currency units.\n"
	    "# TYPE pwrmig_shaper_job_expected_saving gauge\n");
	for (i = 0; i < lv->njobs; i++)
		text_printf(b, "pwrmig_shaper_job_expected_saving{job=\"%s\",currency=\"%s\"} %.6f\n",
		    prom_label(lv->job[i].name, n, sizeof(n)), cur,
		    lv->job[i].nhist ? lv->job[i].hist[0].saving : 0);
	text_printf(b, "# HELP pwrmig_shaper_job_run_seconds_total Time a job ran under the shaper "
	    "(simulated seconds with a compressed clock).\n"
	    "# TYPE pwrmig_shaper_job_run_seconds_total counter\n");
	for (i = 0; i < lv->njobs; i++)
		text_printf(b, "pwrmig_shaper_job_run_seconds_total{job=\"%s\"} %.0f\n",
		    prom_label(lv->job[i].name, n, sizeof(n)), lv->job[i].run_s);
	text_printf(b, "# HELP pwrmig_shaper_moves_total Moves the shaper asked for, by result.\n"
	    "# TYPE pwrmig_shaper_moves_total counter\n"
	    "pwrmig_shaper_moves_total{result=\"done\"} %llu\n"
	    "pwrmig_shaper_moves_total{result=\"failed\"} %llu\n",
	    (unsigned long long)lv->moves_done, (unsigned long long)lv->moves_failed);
	text_printf(b, "# HELP pwrmig_shaper_replans_total Slots planned.\n"
	    "# TYPE pwrmig_shaper_replans_total counter\npwrmig_shaper_replans_total %llu\n"
	    "# HELP pwrmig_shaper_fallbacks_total Slots planned greedily: the solver failed, "
	    "ran out of time, or its plan broke an invariant.\n"
	    "# TYPE pwrmig_shaper_fallbacks_total counter\npwrmig_shaper_fallbacks_total %llu\n"
	    "# HELP pwrmig_shaper_solve_seconds Time of the last solve.\n"
	    "# TYPE pwrmig_shaper_solve_seconds gauge\npwrmig_shaper_solve_seconds %.6f\n",
	    (unsigned long long)lv->replans, (unsigned long long)lv->fallbacks, lv->solve_s);
	text_printf(b, "# HELP pwrmig_shaper_site_price_per_kwh The grid price the shaper pushed for "
	    "a site this slot.\n# TYPE pwrmig_shaper_site_price_per_kwh gauge\n");
	for (s = 0; s < lv->w->nsites; s++)
		text_printf(b, "pwrmig_shaper_site_price_per_kwh{site=\"%s\",currency=\"%s\"} %.6f\n",
		    lv->w->site[s].name, cur, lv->price_now[s]);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				code == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" :
				"text/plain");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **ctx)
{
	static const char not_found[] = "only /metrics here\n", bad[] = "GET or HEAD only\n";
	struct live *lv = cls;
	struct text b = { 0 };

	(void)version;
	(void)data;
	(void)size;
	(void)ctx;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, bad, strlen(bad),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&lv->lock);
	format(lv, &b);
	pthread_mutex_unlock(&lv->lock);
	if (b.oom)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, b.p, b.len, MHD_RESPMEM_MUST_FREE);
}

int live_export_start(struct live *lv, char *err, size_t errlen)
{
	const char *listen = lv->sc->lv.listen;
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;

	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - listen) : 0, listen);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "listen '%s' is not IPv4-ADDRESS:PORT", listen);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	lv->exporter = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
					(uint16_t)port, NULL, NULL, handle, lv,
					MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	if (!lv->exporter) {
		snprintf(err, errlen, "cannot listen on %s (taken, or not an address here)",
			 listen);
		return -1;
	}
	return 0;
}

void live_export_stop(struct live *lv)
{
	if (lv->exporter)
		MHD_stop_daemon(lv->exporter);
	lv->exporter = NULL;
}
