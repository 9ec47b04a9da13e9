// SPDX-License-Identifier: GPL-2.0
/*
 * Model meter for machines without energy counters (most VMs): every CPU
 * draws the idle power while idle and the active power while it runs a
 * task.  Its figures are estimates and are flagged so.
 */
#include <linux/slab.h>
#include <linux/topology.h>

#include "pwrmig.h"

/* Defaults: a server core, roughly. */
u32 pwrmig_model_idle_mw = 2000;
u32 pwrmig_model_active_mw = 10000;

/* Per package: energy in picojoules (mW x ns) since the meter started. */
static u64 *model_pj;

/*
 * The counters live from the ledger's start to its end, so that going
 * back to the model (a faulting RAPL counter, an external meter leaving)
 * cannot fail.
 */
int pwrmig_meter_model_init(void)
{
	model_pj = kcalloc(topology_max_packages(), sizeof(*model_pj), GFP_KERNEL);
	return model_pj ? 0 : -ENOMEM;
}

void pwrmig_meter_model_exit(void)
{
	kfree(model_pj);
	model_pj = NULL;
}

static void model_stop(struct pwrmig_meter *m)
{
	memset(model_pj, 0, topology_max_packages() * sizeof(*model_pj));
}

static void model_account(struct pwrmig_meter *m, unsigned int pkg,
			  u64 busy_ns, u64 idle_ns, unsigned int cpus)
{
	model_pj[pkg] += busy_ns * pwrmig_model_active_mw +
			 idle_ns * pwrmig_model_idle_mw;
}

static int model_read(struct pwrmig_meter *m, unsigned int pkg,
		      unsigned int dom, u64 *raw)
{
	if (dom != PWRMIG_MDOM_PKG)
		return -ENODATA;
	*raw = model_pj[pkg];
	return 0;
}

struct pwrmig_meter pwrmig_meter_model = {
	.kind = PWRMIG_METER_KIND_MODEL,
	.name = "model",
	.estimated = true,
	.bits = 64,
	.uj_num = 1,
	.uj_den = 1000000,	/* pJ -> uJ */
	.stop = model_stop,
	.read = model_read,
	.account = model_account,
};
