// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger kept in this process (module-less mode, ledger.c) as
 * pwrmigd's source: every interval sample the eBPF collector and the
 * meter, add each cgroup's GPU energy, publish the snapshot.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "metering.h"

static int report_ledger(void *arg, uint64_t cgid, unsigned int dev, uint64_t uj)
{
	struct pd *pd = arg;

	return pd_ledger_add_gpu(pd->ledger, cgid, uj);
}

/*
 * The configured site, local: its price costs the ledger's energy.  At
 * start into the empty table; on SIGHUP over the local site, unless the
 * family socket made another site local since.
 */
static void bpf_configure(struct pd *pd)
{
	const struct pd_config *c = &pd->cfg;
	const char *name = c->site[0] ? c->site : "local";
	struct pwrmig_site_entry *s = pwrmig_sites_local(pd->sites);
	unsigned int i;

	if (!s) {
		if (!c->site[0] && !c->price)
			return;
		s = pwrmig_sites_find(pd->sites, name);
		for (i = 0; !s && i < PWRMIG_MAX_SITES; i++)
			if (!pd->sites[i].name[0]) {
				s = &pd->sites[i];
				snprintf(s->name, sizeof(s->name), "%s", name);
			}
		if (!s) {
			pd_log(0, "site %s: no room for it among the sites", name);
			return;
		}
		s->local = 1;
	} else if (strcmp(s->name, name)) {
		pd_log(0, "site %s is local now (site-set): the configured site %s is not applied",
		       s->name, name);
		return;
	}
	s->price = c->price;
	memcpy(s->currency, c->currency, sizeof(s->currency));
	s->pue_milli = c->pue_milli;
	s->has_carbon = c->has_carbon;
	s->carbon = c->carbon;
	s->n_forecast = c->n_forecast;
	for (i = 0; i < c->n_forecast; i++)
		s->forecast[i] = (struct pwrmig_fc_slot){ .start = c->forecast[i].start,
							  .duration_s = c->forecast[i].duration_s,
							  .price = c->forecast[i].price };
}

static int bpf_open(struct pd *pd)
{
	memset(pd->sites, 0, sizeof(pd->sites));
	bpf_configure(pd);
	if (pd_ledger_open(pd, &pd->ledger))
		return -1;
	pd_log(0, "module-less mode: eBPF collector (%s), meter %s",
	       pd_ledger_attach_kind(pd->ledger), pd_ledger_meter(pd->ledger));
	return 0;
}

static int bpf_tick(struct pd *pd)
{
	if (pd_ledger_sample(pd->ledger))
		return -1;
	if (pd->gpu)
		pd_gpu_sample(pd->gpu, report_ledger, pd);
	pthread_mutex_lock(&pd->lock);
	pd_ledger_fill(pd->ledger, &pd->snap);
	pd_gpu_fill(pd->gpu, &pd->snap);
	pd->snap.gen++;
	pthread_mutex_unlock(&pd->lock);
	return 0;
}

static void bpf_close(struct pd *pd)
{
	pd_ledger_close(pd->ledger);
	pd->ledger = NULL;
}

const struct pd_source pd_source_bpf = {
	.mode	= "bpf",
	.open	= bpf_open,
	.tick	= bpf_tick,
	.configure = bpf_configure,
	.close	= bpf_close,
};
