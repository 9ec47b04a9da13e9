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

/* The configured site, local: its price costs the ledger's energy. */
static void sites_init(struct pd *pd)
{
	const struct pd_config *c = &pd->cfg;
	struct pwrmig_site_entry *s = &pd->sites[0];

	memset(pd->sites, 0, sizeof(pd->sites));
	if (!c->site[0] && !c->price)
		return;
	snprintf(s->name, sizeof(s->name), "%s", c->site[0] ? c->site : "local");
	s->local = 1;
	s->price = c->price;
	memcpy(s->currency, c->currency, sizeof(s->currency));
	s->pue_milli = c->pue_milli;
}

static int bpf_open(struct pd *pd)
{
	sites_init(pd);
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
	.close	= bpf_close,
};
