// SPDX-License-Identifier: GPL-2.0
/*
 * The family's operations served from pwrmigd's own ledger (bpf mode),
 * with the module's replies, permissions and extack messages.  Where the
 * module's rule is CAP_NET_ADMIN, here it is root (uid 0).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

#define READ_MSG "reading per-cgroup energy needs root (or pwrmigd's open_reads on)"
#define ADMIN_MSG "changing the ledger, sites or migrations needs root"

/* The spec's "pre" hooks: who may run the operation. */
static int pre_check(struct fam_req *r)
{
	const char *pre = r->dump ? r->op->pre_dump : r->op->pre_do;

	if (!pre || r->admin)
		return 0;
	if (strstr(pre, "admin-check"))
		return fam_fail(r, -EPERM, ADMIN_MSG, NULL);
	if (strstr(pre, "cgroup-") && !fam_open_reads(r->f))
		return fam_fail(r, -EPERM, READ_MSG, NULL);
	return 0;
}

/* The module's meter kinds, for pwrmigd's meters. */
static uint32_t meter_kind(const struct pd_snapshot *s)
{
	if (!s->meter || !strcmp(s->meter, "model"))
		return PWRMIG_METER_KIND_MODEL;
	return PWRMIG_METER_KIND_RAPL;	/* powercap: RAPL through sysfs */
}

static int info_get(struct fam_req *r, struct pd *pd)
{
	struct nl_msg *m = fam_new(r, PWRMIG_CMD_INFO_GET, 0);
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	if (m) {
		nla_put_string(m, PWRMIG_A_INFO_VERSION, PWRMIG_VERSION);
		nla_put_u32(m, PWRMIG_A_INFO_METER_KIND, meter_kind(&pd->snap));
		nla_put_u32(m, PWRMIG_A_INFO_CPUS, cpus > 0 ? cpus : 1);
		nla_put_u32(m, PWRMIG_A_INFO_PACKAGES, 1);
		nla_put_u32(m, PWRMIG_A_INFO_INTERVAL_MS, pd->cfg.interval_ms);
		nla_put_u64(m, PWRMIG_A_INFO_SAMPLES, pd->snap.samples);
		nla_put_u32(m, PWRMIG_A_INFO_CGROUPS, pd->snap.ncg);
		nla_put_u32(m, PWRMIG_A_INFO_CGROUPS_MAX, pd->cfg.max_cgroups);
	}
	return fam_send(r, m);
}

static int meter_get(struct fam_req *r, struct pd *pd)
{
	struct nl_msg *m = fam_new(r, PWRMIG_CMD_METER_GET, 0);
	const struct pd_snapshot *s = &pd->snap;
	struct nlattr *nest;
	int dom;

	if (!m)
		return fam_send(r, m);
	nla_put_u32(m, PWRMIG_A_METER_KIND, meter_kind(s));
	nla_put_u32(m, PWRMIG_A_METER_INTERVAL_MS, pd->cfg.interval_ms);
	if (s->estimated)
		nla_put_flag(m, PWRMIG_A_METER_ESTIMATED);
	nla_put_u32(m, PWRMIG_A_METER_MODEL_IDLE_MW, pd->cfg.model_idle_mw);
	nla_put_u32(m, PWRMIG_A_METER_MODEL_ACTIVE_MW, pd->cfg.model_active_mw);
	/* The packages as one, as pwrmigd meters them. */
	for (dom = PD_DOM_PKG; dom <= PD_DOM_DRAM; dom++) {
		if (!(s->domains & (1u << dom)))
			continue;
		nest = nla_nest_start(m, PWRMIG_A_METER_DOMAIN);
		nla_put_u32(m, PWRMIG_A_DOMAIN_PACKAGE, 0);
		nla_put_u32(m, PWRMIG_A_DOMAIN_DOMAIN,
			    dom == PD_DOM_PKG ? PWRMIG_DOMAIN_PKG : PWRMIG_DOMAIN_DRAM);
		nla_put_u64(m, PWRMIG_A_DOMAIN_ENERGY_UJ, s->total_uj[dom]);
		nla_put_u64(m, PWRMIG_A_DOMAIN_IDLE_UJ, s->idle_uj[dom]);
		nla_put_u64(m, PWRMIG_A_DOMAIN_OTHER_UJ, s->other_uj[dom]);
		nla_nest_end(m, nest);
	}
	return fam_send(r, m);
}

int fam_op(struct fam_req *r)
{
	struct pd *pd = fam_pd(r->f);
	int err = pre_check(r);

	if (err)
		return err;
	pthread_mutex_lock(&pd->lock);
	switch (r->g->cmd) {
	case PWRMIG_CMD_INFO_GET:
		err = info_get(r, pd);
		break;
	case PWRMIG_CMD_METER_GET:
		err = meter_get(r, pd);
		break;
	case PWRMIG_CMD_CGROUP_GET:
	case PWRMIG_CMD_CGROUP_POLICY_SET:
	case PWRMIG_CMD_CGROUP_CARRY:
	case PWRMIG_CMD_ENERGY_REPORT:
		err = fam_cgroup_op(r, pd);
		break;
	case PWRMIG_CMD_SITE_GET:
	case PWRMIG_CMD_SITE_SET:
	case PWRMIG_CMD_PRICE_SET:
	case PWRMIG_CMD_SITE_DEL:
		err = fam_site_op(r, pd);
		break;
	case PWRMIG_CMD_MIGRATE_REQUEST:
	case PWRMIG_CMD_MIGRATE_CLAIM:
	case PWRMIG_CMD_MIGRATE_STATUS:
	case PWRMIG_CMD_MIGRATE_CANCEL:
	case PWRMIG_CMD_MIGRATE_GET:
		err = fam_migrate_op(r, pd);
		break;
	case PWRMIG_CMD_METER_SET:
		err = fam_fail(r, -EOPNOTSUPP,
			       "pwrmigd's meter is set in its configuration (meter, interval_ms, model_idle_mw, model_active_mw)",
			       NULL);
		break;
	default:
		err = fam_fail(r, -EOPNOTSUPP, "pwrmigd does not serve this operation", NULL);
	}
	pthread_mutex_unlock(&pd->lock);
	return err;
}

void fam_telemetry(struct pd_family *f)
{
	struct pd *pd = fam_pd(f);
	struct nl_msg *m = fam_new(NULL, PWRMIG_CMD_TELEMETRY_NTF, 0);
	const struct pd_snapshot *s = &pd->snap;
	const struct pwrmig_site_entry *local;

	if (!m)
		return;
	pthread_mutex_lock(&pd->lock);
	nla_put_u64(m, PWRMIG_A_TELEMETRY_SAMPLE, s->samples);
	nla_put_u64(m, PWRMIG_A_TELEMETRY_INTERVAL_NS, s->interval_ns);
	nla_put_u64(m, PWRMIG_A_TELEMETRY_ENERGY_UJ, s->interval_uj);
	nla_put_u64(m, PWRMIG_A_TELEMETRY_POWER_MW,
		    s->interval_ns ? s->interval_uj * 1000000ULL / s->interval_ns : 0);
	local = pwrmig_sites_local(pd->sites);
	nla_put_u64(m, PWRMIG_A_TELEMETRY_PRICE_UUNITS_PER_KWH, local ? local->price : 0);
	nla_put_u32(m, PWRMIG_A_TELEMETRY_CGROUPS, s->charged);
	pthread_mutex_unlock(&pd->lock);
	fam_multicast(f, FAM_GRP_TELEMETRY, m);
}
