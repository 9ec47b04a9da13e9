// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: the ledger's cgroups, their policy, GPU energy reports.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"
#include "libpwrmig-spec.h"

int pwrmig_cgroup_parse(const struct nlmsghdr *nlh, struct pwrmig_cgroup *cg)
{
	return pwrmig_decode_msg(&pwrmig_bind_cgroup, nlh, cg);
}

int pwrmig_cgroup_get(struct pwrmig *pw, uint64_t id, struct pwrmig_cgroup *cg)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_CGROUP_GET, 0);

	if (msg)
		nla_put_u64(msg, PWRMIG_A_CGROUP_ID, id);
	return pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_cgroup_parse, cg);
}

int pwrmig_cgroup_dump(struct pwrmig *pw,
		       int (*cb)(const struct pwrmig_cgroup *cg, void *arg),
		       void *arg)
{
	return pwrmig_do_dump(pw, pwrmig_msg(pw, PWRMIG_CMD_CGROUP_GET, NLM_F_DUMP),
			      (pwrmig_parse_fn)pwrmig_cgroup_parse,
			      sizeof(struct pwrmig_cgroup),
			      (int (*)(const void *, void *))cb, arg);
}

int pwrmig_cgroup_policy_set(struct pwrmig *pw, uint64_t id,
			     const struct pwrmig_policy *p,
			     struct pwrmig_cgroup *cg)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_CGROUP_POLICY_SET, 0);

	if (msg) {
		nla_put_u64(msg, PWRMIG_A_CGROUP_ID, id);
		if (p->deferrable >= 0)
			nla_put_u8(msg, PWRMIG_A_CGROUP_DEFERRABLE, !!p->deferrable);
		if (p->migratable >= 0)
			nla_put_u8(msg, PWRMIG_A_CGROUP_MIGRATABLE, !!p->migratable);
		if (p->has_deadline)
			nla_put_u64(msg, PWRMIG_A_CGROUP_DEADLINE, p->deadline);
		if (p->has_priority)
			nla_put_u32(msg, PWRMIG_A_CGROUP_PRIORITY, p->priority);
	}
	return pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_cgroup_parse, cg);
}

int pwrmig_cgroup_carry(struct pwrmig *pw, uint64_t id, const struct pwrmig_carry *c,
			struct pwrmig_cgroup *cg)
{
	return pwrmig_cgroup_carry_once(pw, id, 0, c, cg);
}

int pwrmig_cgroup_carry_once(struct pwrmig *pw, uint64_t id, uint64_t carry_id,
			     const struct pwrmig_carry *c, struct pwrmig_cgroup *cg)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_CGROUP_CARRY, 0);

	if (msg) {
		nla_put_u64(msg, PWRMIG_A_CGROUP_ID, id);
		nla_put_u64(msg, PWRMIG_A_CGROUP_CARRIED_RUNTIME_NS, c->runtime_ns);
		nla_put_u64(msg, PWRMIG_A_CGROUP_CARRIED_CPU_UJ, c->cpu_uj);
		nla_put_u64(msg, PWRMIG_A_CGROUP_CARRIED_DRAM_UJ, c->dram_uj);
		nla_put_u64(msg, PWRMIG_A_CGROUP_CARRIED_GPU_UJ, c->gpu_uj);
		nla_put_u64(msg, PWRMIG_A_CGROUP_CARRIED_COST_UUNITS, c->cost_uunits);
		if (c->currency)
			nla_put_string(msg, PWRMIG_A_CGROUP_CURRENCY, c->currency);
		if (carry_id)
			nla_put_u64(msg, PWRMIG_A_CGROUP_CARRY_ID, carry_id);
	}
	return pwrmig_do_one(pw, msg, (pwrmig_parse_fn)pwrmig_cgroup_parse, cg);
}

int pwrmig_energy_report(struct pwrmig *pw, uint64_t cgroup_id,
			 uint32_t device, uint64_t energy_uj)
{
	struct nl_msg *msg = pwrmig_msg(pw, PWRMIG_CMD_ENERGY_REPORT, 0);

	if (msg) {
		nla_put_u64(msg, PWRMIG_A_ENERGY_CGROUP_ID, cgroup_id);
		nla_put_u32(msg, PWRMIG_A_ENERGY_DEVICE, device);
		nla_put_u64(msg, PWRMIG_A_ENERGY_ENERGY_UJ, energy_uj);
	}
	return pwrmig_do_one(pw, msg, NULL, NULL);
}
