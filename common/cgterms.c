// SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause)
/*
 * A cgroup's terms, carried bill and reported GPU energy: the rules
 * (common/cgterms.h).
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "cgterms.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)

const unsigned int pwrmig_carried_attr[PWRMIG_NR_CARRIED] = {
	[PWRMIG_CARRIED_RUNTIME_NS]	= PWRMIG_A_CGROUP_CARRIED_RUNTIME_NS,
	[PWRMIG_CARRIED_CPU_UJ]		= PWRMIG_A_CGROUP_CARRIED_CPU_UJ,
	[PWRMIG_CARRIED_DRAM_UJ]	= PWRMIG_A_CGROUP_CARRIED_DRAM_UJ,
	[PWRMIG_CARRIED_GPU_UJ]		= PWRMIG_A_CGROUP_CARRIED_GPU_UJ,
	[PWRMIG_CARRIED_COST_UUNITS]	= PWRMIG_A_CGROUP_CARRIED_COST_UUNITS,
};

void pwrmig_policy_parse(const struct nlattr *const *tb, struct pwrmig_policy_req *q)
{
	memset(q, 0, sizeof(*q));
	q->has_deferrable = pwrmig_opt_u8(tb, PWRMIG_A_CGROUP_DEFERRABLE, &q->deferrable);
	q->has_migratable = pwrmig_opt_u8(tb, PWRMIG_A_CGROUP_MIGRATABLE, &q->migratable);
	q->has_deadline = pwrmig_opt_u64(tb, PWRMIG_A_CGROUP_DEADLINE, &q->deadline);
	q->has_priority = pwrmig_opt_u32(tb, PWRMIG_A_CGROUP_PRIORITY, &q->priority);
}

void pwrmig_carry_parse(const struct nlattr *const *tb, struct pwrmig_carry_req *q)
{
	unsigned int i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < PWRMIG_NR_CARRIED; i++)
		if (pwrmig_opt_u64(tb, pwrmig_carried_attr[i], &q->v[i]))
			q->has |= 1U << i;
	if (tb[PWRMIG_A_CGROUP_CURRENCY])
		q->currency = pwrmig_nla_str(tb[PWRMIG_A_CGROUP_CURRENCY]);
	pwrmig_opt_u64(tb, PWRMIG_A_CGROUP_CARRY_ID, &q->id);
}

void pwrmig_energy_parse(const struct nlattr *const *tb, struct pwrmig_energy_req *q)
{
	memset(q, 0, sizeof(*q));
	q->device = pwrmig_nla_u32(tb[PWRMIG_A_ENERGY_DEVICE]);
	q->has_domain = pwrmig_opt_u32(tb, PWRMIG_A_ENERGY_DOMAIN, &q->domain);
	q->uj = pwrmig_nla_u64(tb[PWRMIG_A_ENERGY_ENERGY_UJ]);
}

int pwrmig_policy_check(const struct pwrmig_policy_req *r, struct pwrmig_refusal *e)
{
	if (!r->has_deferrable && !r->has_migratable && !r->has_deadline && !r->has_priority)
		return pwrmig_refuse(e, -EINVAL,
			    "nothing to set: give deferrable, migratable, deadline or priority", 0);
	return 0;
}

static void set_flag(unsigned int *flags, unsigned int flag, int on)
{
	*flags &= ~flag;
	if (on)
		*flags |= flag;
}

void pwrmig_policy_apply(struct pwrmig_cg_terms *t, const struct pwrmig_policy_req *r)
{
	if (r->has_deferrable)
		set_flag(&t->flags, PWRMIG_CGROUP_FLAGS_DEFERRABLE, r->deferrable);
	if (r->has_migratable)
		set_flag(&t->flags, PWRMIG_CGROUP_FLAGS_MIGRATABLE, r->migratable);
	if (r->has_deadline)
		t->deadline = r->deadline;
	if (r->has_priority)
		t->priority = r->priority;
}

int pwrmig_carry_check(const struct pwrmig_carry_req *r, const char *local,
		       struct pwrmig_refusal *e)
{
	const unsigned int cost = PWRMIG_A_CGROUP_CARRIED_COST_UUNITS;

	if (!r->has)
		return pwrmig_refuse(e, -EINVAL,
			    "nothing to carry: give carried runtime, energy or cost", 0);
	if (!r->v[PWRMIG_CARRIED_COST_UUNITS])
		return 0;
	if (!r->currency)
		return pwrmig_refuse(e, -EINVAL, "carried cost needs its currency", cost);
	if (!local)
		return pwrmig_refuse(e, -EINVAL,
			    "carried cost needs a local site to be in its currency", cost);
	if (strcmp(r->currency, local))
		return pwrmig_refuse(e, -EINVAL,
			    "carried cost is in another currency than the local site's",
			    PWRMIG_A_CGROUP_CURRENCY);
	return 0;
}

static int carry_taken(const struct pwrmig_cg_terms *t, unsigned long long id)
{
	unsigned int i;

	for (i = 0; id && i < PWRMIG_CARRY_IDS; i++)
		if (t->carry_ids[i] == id)
			return 1;
	return 0;
}

int pwrmig_carry_apply(struct pwrmig_cg_terms *t, const struct pwrmig_carry_req *r,
		       struct pwrmig_refusal *e)
{
	unsigned long long sum[PWRMIG_NR_CARRIED];
	unsigned int i;

	/* A hand-over this cgroup already took: add nothing. */
	if (carry_taken(t, r->id))
		return 0;
	/* All or nothing: a total that would wrap refuses the whole carry. */
	for (i = 0; i < PWRMIG_NR_CARRIED; i++)
		if (__builtin_add_overflow(t->carried[i], r->v[i], &sum[i]))
			return pwrmig_refuse(e, -EOVERFLOW, "the cgroup's carried total would overflow",
				    pwrmig_carried_attr[i]);
	memcpy(t->carried, sum, sizeof(sum));
	if (r->id) {
		t->carry_ids[t->carry_next] = r->id;
		t->carry_next = (t->carry_next + 1) % PWRMIG_CARRY_IDS;
	}
	return 1;
}

int pwrmig_energy_check(const struct pwrmig_energy_req *r, struct pwrmig_refusal *e)
{
	if (r->device >= PWRMIG_MAX_DEVICES)
		return pwrmig_refuse(e, -ERANGE, "device index out of range (max-devices is "
			    XSTR(PWRMIG_MAX_DEVICES) ")", PWRMIG_A_ENERGY_DEVICE);
	if (r->has_domain && r->domain != PWRMIG_DOMAIN_GPU)
		return pwrmig_refuse(e, -EINVAL,
			    "only gpu energy is reported from user space; the module meters pkg and dram",
			    PWRMIG_A_ENERGY_DOMAIN);
	return 0;
}

int pwrmig_energy_add(unsigned long long *gpu_uj, const struct pwrmig_energy_req *r,
		      struct pwrmig_refusal *e)
{
	unsigned long long sum;

	if (__builtin_add_overflow(*gpu_uj, r->uj, &sum))
		return pwrmig_refuse(e, -EOVERFLOW, "the cgroup's gpu energy would overflow",
			    PWRMIG_A_ENERGY_ENERGY_UJ);
	*gpu_uj = sum;
	return 0;
}
