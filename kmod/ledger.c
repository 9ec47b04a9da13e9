// SPDX-License-Identifier: GPL-2.0
/*
 * The ledger: per-cgroup runtime, energy and cost, and the sampler that
 * fills it.
 *
 * Every interval the sampler collects what each CPU ran (sched.c), reads
 * every meter domain of every package, and splits each domain's delta
 * over the idle bucket, the "other" bucket and the cgroups that ran on
 * that package, in proportion to their CPU time.  The split is exact
 * (attrib.c), so for every domain
 *
 *	sum(cgroups) + idle + other == energy the meter counted
 *
 * holds after every sample.  All of it runs in process context under
 * pwrmig.lock; only the per-CPU tables are touched elsewhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "pwrmig.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static struct pwrmig_dom_state *dom_state(unsigned int pkg, unsigned int dom)
{
	return &pwrmig.dom[pkg * PWRMIG_NR_MDOMS + dom];
}

#if BITS_PER_LONG < 64
#error "pwrmig indexes its ledger by 64-bit cgroup id: 64-bit kernels only"
#endif

struct pwrmig_cg *pwrmig_cg_find(u64 id)
{
	return xa_load(&pwrmig.cgroups, id);
}

static void cg_free(struct pwrmig_cg *cg)
{
	xa_erase(&pwrmig.cgroups, cg->id);
	if (cg->removed_ns) {
		list_del(&cg->removed_node);
		pwrmig.n_removed--;
		pwrmig.freed++;
	}
	pwrmig.n_cgroups--;
	kfree(cg);
}

/* Whether current's cgroup namespace is rooted at the top (sees all). */
bool pwrmig_cgns_is_root(void)
{
	return current->nsproxy->cgroup_ns->root_cset->dfl_cgrp ==
	       &cgrp_dfl_root.cgrp;
}

/*
 * Whether the cgroup of CG is gone.  cgroup_get_from_id() looks from
 * current's cgroup namespace, so only a look from the top counts (the
 * sampler's kworker, a caller outside any cgroup namespace).
 */
static bool cg_check_removed(struct pwrmig_cg *cg)
{
	struct cgroup *cgrp;

	if (cg->removed_ns)
		return true;
	if (!pwrmig_cgns_is_root())
		return false;
	cgrp = cgroup_get_from_id(cg->id);
	if (!IS_ERR_OR_NULL(cgrp)) {
		cgroup_put(cgrp);
		return false;
	}
	cg->removed_ns = ktime_get_boottime_ns() ?: 1;
	list_add_tail(&cg->removed_node, &pwrmig.removed);
	pwrmig.n_removed++;
	return true;
}

/*
 * Forget removed cgroups: free those removed more than keep_removed_s
 * ago (exporters read their last figures meanwhile), then look at up to
 * BUDGET entries not charged in the last sample and mark the ones whose
 * cgroup is gone.  Called by the sampler (a kworker) under pwrmig.lock.
 */
void pwrmig_ledger_reap(unsigned int budget)
{
	u64 keep = (u64)READ_ONCE(pwrmig_keep_removed_s) * NSEC_PER_SEC;
	u64 now = ktime_get_boottime_ns();
	struct pwrmig_cg *cg, *tmp;
	unsigned long id;

	list_for_each_entry_safe(cg, tmp, &pwrmig.removed, removed_node) {
		if (now - cg->removed_ns < keep)
			break;
		cg_free(cg);
	}

	id = pwrmig.reap_next;
	xa_for_each_start(&pwrmig.cgroups, id, cg, pwrmig.reap_next) {
		if (!budget--)
			break;
		if (cg->last_sample < pwrmig.samples)
			cg_check_removed(cg);
	}
	/* Past the last entry, the next scan starts from the first. */
	pwrmig.reap_next = cg ? id : 0;
}

/*
 * Room for one more entry: free the cgroup removed longest ago.  With
 * none known, look for removed ones among all entries, at most once a
 * sample (a ledger full of live cgroups stays full).
 */
static bool cg_make_room(void)
{
	/* Entries in the split being built must stay. */
	u64 building = pwrmig.samples * pwrmig.packages;
	struct pwrmig_cg *cg;
	unsigned long id;

	if (list_empty(&pwrmig.removed) &&
	    pwrmig.full_scan != pwrmig.samples + 1) {
		pwrmig.full_scan = pwrmig.samples + 1;
		xa_for_each(&pwrmig.cgroups, id, cg)
			if (cg->share_stamp <= building)
				cg_check_removed(cg);
	}
	list_for_each_entry(cg, &pwrmig.removed, removed_node) {
		if (cg->share_stamp <= building) {
			cg_free(cg);
			return true;
		}
	}
	return false;
}

/*
 * NULL when the ledger is full of live cgroups or memory is short (the
 * caller charges "other" or refuses).
 */
struct pwrmig_cg *pwrmig_cg_get_or_add(u64 id)
{
	struct pwrmig_cg *cg = pwrmig_cg_find(id);

	if (cg)
		return cg;
	if (pwrmig.n_cgroups >= pwrmig_max_cgroups && !cg_make_room())
		return NULL;
	cg = kzalloc(sizeof(*cg), GFP_KERNEL);
	if (!cg)
		return NULL;
	cg->id = id;
	INIT_LIST_HEAD(&cg->removed_node);
	if (xa_insert(&pwrmig.cgroups, id, cg, GFP_KERNEL)) {
		kfree(cg);
		return NULL;
	}
	pwrmig.n_cgroups++;
	return cg;
}

void pwrmig_cg_charge_cost(struct pwrmig_cg *cg, u64 energy_uj)
{
	struct pwrmig_site_entry *local = pwrmig_site_local();

	if (local && energy_uj)
		pwrmig_cost_add(&cg->cost, energy_uj, local->price,
				local->pue_milli);
}

/* Count -> uJ, keeping the remainder so no fraction is ever lost. */
static u64 dom_to_uj(struct pwrmig_dom_state *ds, unsigned int dom, u64 delta)
{
	const struct pwrmig_meter *m = pwrmig.meter;
	u64 num, den = m->uj_den;

	if (dom == PWRMIG_MDOM_DRAM && m->uj_den_dram)
		den = m->uj_den_dram;
	if (den == 1)
		return delta * m->uj_num;
	num = delta * m->uj_num + ds->uj_rem;
	ds->uj_rem = num % den;
	return num / den;
}

/*
 * Gather the cgroups that ran on PKG into pwrmig.shares[2..]; shares 0
 * and 1 are the idle and other buckets.  Returns the number of shares.
 */
static unsigned int build_shares(unsigned int pkg, u64 stamp, u64 *busy_ns,
				 u64 *idle_ns, unsigned int *ncpus)
{
	struct pwrmig_share *sh = pwrmig.shares;
	unsigned int n = 2, i;
	int cpu;

	memset(sh, 0, 2 * sizeof(*sh));
	*busy_ns = 0;
	*idle_ns = 0;
	*ncpus = 0;
	for_each_possible_cpu(cpu) {
		struct pwrmig_harvest *h = &pwrmig.harvest[cpu];

		if (topology_logical_package_id(cpu) != pkg)
			continue;
		(*ncpus)++;
		sh[0].weight += h->idle_ns;
		sh[1].weight += h->other_ns;
		*idle_ns += h->idle_ns;
		*busy_ns += h->other_ns;
		for (i = 0; i < PWRMIG_CPU_SLOTS; i++) {
			struct pwrmig_slot *s = &h->slot[i];
			struct pwrmig_cg *cg;

			if (!s->cgid)
				continue;
			*busy_ns += s->runtime_ns;
			cg = pwrmig_cg_get_or_add(s->cgid);
			if (!cg) {
				sh[1].weight += s->runtime_ns;
				continue;
			}
			if (cg->share_stamp != stamp) {
				if (n >= pwrmig.max_shares) {
					sh[1].weight += s->runtime_ns;
					continue;
				}
				cg->share_stamp = stamp;
				cg->share = n;
				cg->share_runtime_ns = 0;
				pwrmig.share_cg[n] = cg;
				sh[n].weight = 0;
				n++;
			}
			cg->share_runtime_ns += s->runtime_ns;
			sh[cg->share].weight += s->runtime_ns;
		}
	}
	return n;
}

/* Returns true when the domain's counter could not be read (a fault). */
static bool sample_domain(unsigned int pkg, unsigned int dom, u64 elapsed,
			  unsigned int n)
{
	struct pwrmig_dom_state *ds = dom_state(pkg, dom);
	struct pwrmig_meter *m = pwrmig.meter;
	struct pwrmig_share *sh = pwrmig.shares;
	unsigned int events, i;
	u64 raw, delta, uj, gen;
	int err;

	err = m->read(m, pkg, dom, &raw);
	if (err) {
		ds->present = false;
		return err != -ENODATA;
	}
	ds->present = true;
	if (m->generation) {
		gen = m->generation(m, pkg, dom);
		if (gen != ds->gen && ds->ctr.primed) {
			/* The meter says its counter restarted. */
			ds->gen = gen;
			pwrmig_counter_restart(&ds->ctr, 0);
		}
		ds->gen = gen;
	}
	delta = pwrmig_counter_advance(&ds->ctr, raw, elapsed,
				       m->max_rate_per_s, &events);
	uj = dom_to_uj(ds, dom, delta);

	sh[0].carry = ds->idle_carry;
	sh[1].carry = ds->other_carry;
	for (i = 2; i < n; i++)
		sh[i].carry = pwrmig.share_cg[i]->carry[dom];
	pwrmig_split(uj, sh, n);

	ds->energy_uj += uj;
	ds->idle_uj += sh[0].out;
	ds->other_uj += sh[1].out;
	ds->idle_carry = sh[0].carry;
	ds->other_carry = sh[1].carry;
	for (i = 2; i < n; i++) {
		struct pwrmig_cg *cg = pwrmig.share_cg[i];

		cg->carry[dom] = sh[i].carry;
		cg->energy_uj[dom] += sh[i].out;
		pwrmig_cg_charge_cost(cg, sh[i].out);
		if (m->estimated && sh[i].out)
			cg->flags |= PWRMIG_CGROUP_FLAGS_ESTIMATED;
	}
	return false;
}

void pwrmig_sample_locked(void)
{
	struct pwrmig_meter *m = pwrmig.meter;
	/* Boot time goes on in suspend, as energy counters may. */
	u64 now = ktime_get_boottime_ns(), elapsed = now - pwrmig.last_sample_ns;
	u64 busy, idle, stamp, pkg_uj = 0, before;
	unsigned int pkg, dom, n, i, ncpus, charged = 0;
	bool faulted = false;
	struct pwrmig_site_entry *local;
	int cpu;

	cpus_read_lock();
	for_each_possible_cpu(cpu)
		pwrmig_sched_harvest(cpu, &pwrmig.harvest[cpu]);
	cpus_read_unlock();

	for (pkg = 0; pkg < pwrmig.packages; pkg++) {
		stamp = pwrmig.samples * pwrmig.packages + pkg + 1;
		n = build_shares(pkg, stamp, &busy, &idle, &ncpus);
		if (m->account)
			m->account(m, pkg, busy, idle, ncpus);
		before = dom_state(pkg, PWRMIG_MDOM_PKG)->energy_uj;
		for (dom = 0; dom < PWRMIG_NR_MDOMS; dom++)
			if (sample_domain(pkg, dom, elapsed, n) &&
			    dom == PWRMIG_MDOM_PKG)
				faulted = true;
		pkg_uj += dom_state(pkg, PWRMIG_MDOM_PKG)->energy_uj - before;
		for (i = 2; i < n; i++) {
			struct pwrmig_cg *cg = pwrmig.share_cg[i];

			cg->runtime_ns += cg->share_runtime_ns;
			cg->share_runtime_ns = 0;
			if (cg->last_sample != pwrmig.samples + 1) {
				cg->last_sample = pwrmig.samples + 1;
				charged++;
			}
		}
	}
	pwrmig.samples++;
	pwrmig.last_sample_ns = now;
	pwrmig.meter_faults = faulted ? pwrmig.meter_faults + 1 : 0;
	local = pwrmig_site_local();
	trace_pwrmig_sample(pwrmig.samples, elapsed, pkg_uj,
			    local ? local->price : 0, charged);
	pwrmig_nl_notify_telemetry(elapsed, pkg_uj, local ? local->price : 0,
				   charged);
}

/*
 * A sample, and the model in place of a meter whose package counter kept
 * failing (an MSR that faults, a firmware that stopped counting).
 */
static void pwrmig_sample_checked(void)
{
	struct pwrmig_meter *m = pwrmig.meter;

	if (!m)
		return;
	pwrmig_sample_locked();
	if (pwrmig.meter_faults < PWRMIG_METER_FAULTS || m == &pwrmig_meter_model)
		return;
	pr_warn("meter %s: package energy unreadable for %u samples; using the power model\n",
		m->name, pwrmig.meter_faults);
	/* The switch restarts the fault count. */
	if (pwrmig_meter_switch(&pwrmig_meter_model))
		pr_err("cannot start the power model\n");
}

void pwrmig_sample(void)
{
	mutex_lock(&pwrmig.lock);
	pwrmig_sample_checked();
	mutex_unlock(&pwrmig.lock);
}
EXPORT_SYMBOL_GPL(pwrmig_sample);

static void pwrmig_sampler_fn(struct work_struct *work)
{
	mutex_lock(&pwrmig.lock);
	pwrmig_sample_checked();
	pwrmig_ledger_reap(PWRMIG_REAP_BUDGET);
	pwrmig_broker_expire();
	if (pwrmig.running)
		queue_delayed_work(system_unbound_wq, &pwrmig.sampler,
				   msecs_to_jiffies(pwrmig.interval_ms));
	mutex_unlock(&pwrmig.lock);
}

/* The interval changed: sample on the new schedule from now on. */
void pwrmig_sampler_kick(void)
{
	if (pwrmig.running)
		mod_delayed_work(system_unbound_wq, &pwrmig.sampler,
				 msecs_to_jiffies(pwrmig.interval_ms));
}

/* Called with pwrmig.lock held; totals stay, counters start afresh. */
int pwrmig_meter_switch(struct pwrmig_meter *m)
{
	unsigned int i;
	int err;

	if (m == pwrmig.meter)
		return 0;
	err = m->start ? m->start(m) : 0;
	if (err)
		return err;
	if (pwrmig.meter) {
		/* Charge what ran so far to the old meter before switching. */
		pwrmig_sample_locked();
		if (pwrmig.meter->stop)
			pwrmig.meter->stop(pwrmig.meter);
	}
	pwrmig.meter_faults = 0;
	for (i = 0; i < pwrmig.packages * PWRMIG_NR_MDOMS; i++) {
		struct pwrmig_dom_state *ds = &pwrmig.dom[i];

		memset(&ds->ctr, 0, sizeof(ds->ctr));
		ds->ctr.bits = m->bits;
		ds->uj_rem = 0;
		ds->gen = 0;
	}
	pwrmig.meter = m;
	pr_info("meter %s%s\n", m->name, m->estimated ? " (estimated)" : "");
	/* Prime the new counters now so the next sample has a delta. */
	pwrmig_sample_locked();
	return 0;
}

static int ipis_spared_get(void *data, u64 *val)
{
	*val = pwrmig_sched_ipis_spared();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ipis_spared_fops, ipis_spared_get, NULL, "%llu\n");

int pwrmig_ledger_init(void)
{
	unsigned int per_pkg;
	int err;

	mutex_init(&pwrmig.lock);
	xa_init(&pwrmig.cgroups);
	INIT_LIST_HEAD(&pwrmig.removed);
	INIT_DELAYED_WORK(&pwrmig.sampler, pwrmig_sampler_fn);
	pwrmig.packages = topology_max_packages();
	pwrmig.interval_ms = pwrmig.interval_ms ?: 100;

	err = -ENOMEM;
	pwrmig.dom = kcalloc(pwrmig.packages * PWRMIG_NR_MDOMS,
			     sizeof(*pwrmig.dom), GFP_KERNEL);
	pwrmig.harvest = kvcalloc(nr_cpu_ids, sizeof(*pwrmig.harvest),
				  GFP_KERNEL);
	per_pkg = 2 + num_possible_cpus() * PWRMIG_CPU_SLOTS;
	pwrmig.shares = kvcalloc(per_pkg, sizeof(*pwrmig.shares), GFP_KERNEL);
	pwrmig.share_cg = kvcalloc(per_pkg, sizeof(*pwrmig.share_cg), GFP_KERNEL);
	if (!pwrmig.dom || !pwrmig.harvest || !pwrmig.shares || !pwrmig.share_cg)
		goto err_free;
	pwrmig.max_shares = per_pkg;
	err = pwrmig_meter_model_init();
	if (err)
		goto err_free;

	/* Read-only: the production module has no knobs to write. */
	pwrmig.debugfs = debugfs_create_dir("pwrmig", NULL);
	debugfs_create_file("ipis_spared", 0400, pwrmig.debugfs, NULL,
			    &ipis_spared_fops);

	err = pwrmig_sched_start();
	if (err)
		goto err_debugfs;

	mutex_lock(&pwrmig.lock);
	pwrmig.last_sample_ns = ktime_get_boottime_ns();
	err = pwrmig_meter_default();
	pwrmig.running = !err;
	mutex_unlock(&pwrmig.lock);
	if (err)
		goto err_sched;
	queue_delayed_work(system_unbound_wq, &pwrmig.sampler,
			   msecs_to_jiffies(pwrmig.interval_ms));
	return 0;

err_sched:
	pwrmig_sched_stop();
err_debugfs:
	debugfs_remove_recursive(pwrmig.debugfs);
	pwrmig.debugfs = NULL;
err_free:
	pwrmig_meter_model_exit();
	kvfree(pwrmig.share_cg);
	kvfree(pwrmig.shares);
	kvfree(pwrmig.harvest);
	kfree(pwrmig.dom);
	return err;
}

/*
 * First step of unloading: no sample runs or starts from here on, by the
 * sampler or through debugfs.  The netlink family may still call in until
 * it is unregistered; pwrmig_ledger_exit() frees the rest after that.
 */
void pwrmig_ledger_stop(void)
{
	mutex_lock(&pwrmig.lock);
	pwrmig.running = false;
	mutex_unlock(&pwrmig.lock);
	cancel_delayed_work_sync(&pwrmig.sampler);
	debugfs_remove_recursive(pwrmig.debugfs);
	pwrmig.debugfs = NULL;
	pwrmig_sched_stop();
}

void pwrmig_ledger_exit(void)
{
	struct pwrmig_cg *cg;
	unsigned long id;

	mutex_lock(&pwrmig.lock);
	if (pwrmig.meter && pwrmig.meter->stop)
		pwrmig.meter->stop(pwrmig.meter);
	pwrmig.meter = NULL;
	mutex_unlock(&pwrmig.lock);
	pwrmig_meter_model_exit();
	xa_for_each(&pwrmig.cgroups, id, cg)
		kfree(cg);
	xa_destroy(&pwrmig.cgroups);
	kvfree(pwrmig.share_cg);
	kvfree(pwrmig.shares);
	kvfree(pwrmig.harvest);
	kfree(pwrmig.dom);
}
