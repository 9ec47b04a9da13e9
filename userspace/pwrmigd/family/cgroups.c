// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup-get, cgroup-policy-set, cgroup-carry and energy-report on the
 * family socket: the request parsed as kmod/cgroup.c parses it, the rules
 * those of common/cgterms.c, the entries the module-less ledger's
 * (metering/ledger_cg.c), the replies the module's.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "metering/metering.h"
#include "internal.h"

static void cgroup_fill(struct nl_msg *m, struct pd *pd, const struct pd_cgroup *cg)
{
	const struct pwrmig_site_entry *local = pwrmig_sites_local(pd->sites);
	const struct pwrmig_cg_terms *t = &cg->terms;
	uint32_t flags = t->flags;
	unsigned int i;

	if (cg->estimated)
		flags |= PWRMIG_CGROUP_FLAGS_ESTIMATED;
	if (cg->gone)
		flags |= PWRMIG_CGROUP_FLAGS_GONE;
	nla_put_u64(m, PWRMIG_A_CGROUP_ID, cg->id);
	if (cg->path[0] && !cg->gone)
		nla_put_string(m, PWRMIG_A_CGROUP_PATH, cg->path);
	nla_put_u32(m, PWRMIG_A_CGROUP_FLAGS, flags);
	nla_put_u64(m, PWRMIG_A_CGROUP_RUNTIME_NS, cg->runtime_ns);
	nla_put_u64(m, PWRMIG_A_CGROUP_CPU_UJ, cg->energy_uj[PD_DOM_PKG]);
	nla_put_u64(m, PWRMIG_A_CGROUP_DRAM_UJ, cg->energy_uj[PD_DOM_DRAM]);
	nla_put_u64(m, PWRMIG_A_CGROUP_GPU_UJ, cg->energy_uj[PD_DOM_GPU]);
	nla_put_u64(m, PWRMIG_A_CGROUP_COST_UUNITS, cg->cost_uunits);
	if (local)
		nla_put_string(m, PWRMIG_A_CGROUP_CURRENCY, local->currency);
	nla_put_u8(m, PWRMIG_A_CGROUP_DEFERRABLE, !!(flags & PWRMIG_CGROUP_FLAGS_DEFERRABLE));
	nla_put_u8(m, PWRMIG_A_CGROUP_MIGRATABLE, !!(flags & PWRMIG_CGROUP_FLAGS_MIGRATABLE));
	nla_put_u64(m, PWRMIG_A_CGROUP_DEADLINE, t->deadline);
	nla_put_u32(m, PWRMIG_A_CGROUP_PRIORITY, t->priority);
	for (i = 0; i < PWRMIG_NR_CARRIED; i++)
		nla_put_u64(m, pwrmig_carried_attr[i], t->carried[i]);
}

/*
 * Changes mark the snapshot stale; the next read here publishes it again
 * (the exporter's readers get it at the next sample at the latest), so a
 * burst of reports costs one publication, not one each.
 */
static int stale;

static void mark_stale(void)
{
	stale = 1;
}

static void fresh(struct pd *pd)
{
	if (!stale)
		return;
	stale = 0;
	pd_ledger_fill(pd->ledger, &pd->snap);
	pd->snap.gen++;
}

static const struct pd_cgroup *snap_find(const struct pd *pd, uint64_t id)
{
	size_t i;

	for (i = 0; i < pd->snap.ncg; i++)
		if (pd->snap.cg[i].id == id)
			return &pd->snap.cg[i];
	return NULL;
}

/* The reply to a request on cgroup ID: its entry as the snapshot has it. */
static int cgroup_reply(struct fam_req *r, struct pd *pd, uint64_t id)
{
	const struct pd_cgroup *cg;
	struct nl_msg *m;

	fresh(pd);
	cg = snap_find(pd, id);
	if (!cg)
		return fam_fail(r, -ENOENT, "no cgroup with this id",
				r->tb[PWRMIG_A_CGROUP_ID]);
	m = fam_new(r, r->g->cmd, 0);
	if (m)
		cgroup_fill(m, pd, cg);
	return fam_send(r, m);
}

static int cgroup_get(struct fam_req *r, struct pd *pd)
{
	if (fam_need(r, PWRMIG_A_CGROUP_ID))
		return r->e.err;
	return cgroup_reply(r, pd, pwrmig_nla_u64(r->tb[PWRMIG_A_CGROUP_ID]));
}

/*
 * In id order (the snapshot's), resumed after the last id sent, as the
 * module's: a sample between the parts makes no entry come twice.
 */
static int cgroup_dump(struct fam_req *r, struct pd *pd)
{
	const struct pd_cgroup *cg;
	struct nl_msg *m;
	size_t i;
	int err;

	fresh(pd);
	for (i = 0; i < pd->snap.ncg; i++) {
		cg = &pd->snap.cg[i];
		if (cg->id <= r->cursor)
			continue;
		if (fam_congested(r))
			return FAM_MORE;
		m = fam_new(r, PWRMIG_CMD_CGROUP_GET, NLM_F_MULTI);
		if (m)
			cgroup_fill(m, pd, cg);
		err = fam_send(r, m);
		if (err)
			return err;
		r->cursor = cg->id;
	}
	return 0;
}

/* The terms of the request's cgroup (-ENOENT and -ENOMEM as the module's). */
static struct pwrmig_cg_terms *terms(struct fam_req *r, struct pd *pd, uint64_t id)
{
	struct pwrmig_cg_terms *t;
	int err = 0;

	t = pd_ledger_terms(pd->ledger, id, &err);
	if (!t)
		fam_fail(r, err, err == -ENOENT ? "no cgroup with this id" : NULL,
			 err == -ENOENT ? r->tb[PWRMIG_A_CGROUP_ID] : NULL);
	return t;
}

static int policy_set(struct fam_req *r, struct pd *pd)
{
	struct pwrmig_policy_req q = { 0 };
	struct pwrmig_cg_terms *t;
	struct pwrmig_refusal e;
	uint64_t id;

	if (fam_need(r, PWRMIG_A_CGROUP_ID))
		return r->e.err;
	id = pwrmig_nla_u64(r->tb[PWRMIG_A_CGROUP_ID]);
	pwrmig_policy_parse(r->tb, &q);
	if (pwrmig_policy_check(&q, &e))
		return fam_refuse(r, &e);
	t = terms(r, pd, id);
	if (!t)
		return r->e.err;
	pwrmig_policy_apply(t, &q);
	mark_stale();
	return cgroup_reply(r, pd, id);
}

static int carry(struct fam_req *r, struct pd *pd)
{
	const struct pwrmig_site_entry *local = pwrmig_sites_local(pd->sites);
	struct pwrmig_carry_req q = { 0 };
	struct pwrmig_cg_terms *t;
	struct pwrmig_refusal e;
	uint64_t id;
	int err;

	if (fam_need(r, PWRMIG_A_CGROUP_ID))
		return r->e.err;
	id = pwrmig_nla_u64(r->tb[PWRMIG_A_CGROUP_ID]);
	pwrmig_carry_parse(r->tb, &q);
	if (pwrmig_carry_check(&q, local ? local->currency : NULL, &e))
		return fam_refuse(r, &e);
	t = terms(r, pd, id);
	if (!t)
		return r->e.err;
	err = pwrmig_carry_apply(t, &q, &e);
	if (err < 0)
		return fam_refuse(r, &e);
	if (err)
		mark_stale();
	return cgroup_reply(r, pd, id);
}

static int energy_report(struct fam_req *r, struct pd *pd)
{
	struct pwrmig_energy_req q = { 0 };
	struct pwrmig_refusal e;

	if (fam_need(r, PWRMIG_A_ENERGY_CGROUP_ID) || fam_need(r, PWRMIG_A_ENERGY_DEVICE) ||
	    fam_need(r, PWRMIG_A_ENERGY_ENERGY_UJ))
		return r->e.err;
	pwrmig_energy_parse(r->tb, &q);
	if (pwrmig_energy_check(&q, &e) ||
	    pd_ledger_report(pd->ledger, pwrmig_nla_u64(r->tb[PWRMIG_A_ENERGY_CGROUP_ID]), &q, &e))
		return fam_refuse(r, &e);
	mark_stale();
	return 0;
}

int fam_cgroup_op(struct fam_req *r, struct pd *pd)
{
	switch (r->g->cmd) {
	case PWRMIG_CMD_CGROUP_GET:
		return r->dump ? cgroup_dump(r, pd) : cgroup_get(r, pd);
	case PWRMIG_CMD_CGROUP_POLICY_SET:
		return policy_set(r, pd);
	case PWRMIG_CMD_CGROUP_CARRY:
		return carry(r, pd);
	default:
		return energy_report(r, pd);
	}
}
