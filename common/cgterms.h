/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * What the ledger keeps of a cgroup besides what it metered: the terms it
 * is run under (deferrable, migratable, deadline, priority), the bill a
 * migrated job brought from its earlier sites, and the GPU energy reported
 * for it.  The rules of cgroup-policy-set, cgroup-carry and energy-report
 * apart from netlink: the module (kmod/cgroup.c) and pwrmigd's family
 * socket (userspace/pwrmigd/family/cgroups.c) parse their requests into the
 * structs below and answer with what these functions say.
 *
 * Pure C: the module and userspace compile cgterms.c.  The caller holds
 * whatever lock guards the ledger.
 */
#ifndef _PWRMIG_CGTERMS_H
#define _PWRMIG_CGTERMS_H

#ifdef __KERNEL__
#include <uapi/linux/pwrmig.h>
#else
#include <linux/pwrmig.h>
#endif

#include "refusal.h"

/* cgroup-carry ids an entry remembers, so that a retry adds nothing. */
#define PWRMIG_CARRY_IDS	4

/* The carried figures, in the order of their attributes. */
enum pwrmig_carried {
	PWRMIG_CARRIED_RUNTIME_NS,
	PWRMIG_CARRIED_CPU_UJ,
	PWRMIG_CARRIED_DRAM_UJ,
	PWRMIG_CARRIED_GPU_UJ,
	PWRMIG_CARRIED_COST_UUNITS,
	PWRMIG_NR_CARRIED
};

/* The attribute (cgroup set) of each carried figure. */
extern const unsigned int pwrmig_carried_attr[PWRMIG_NR_CARRIED];

struct pwrmig_cg_terms {
	unsigned int flags;		/* PWRMIG_CGROUP_FLAGS_{DEFERRABLE,MIGRATABLE} */
	unsigned int priority;
	unsigned long long deadline;	/* UNIX time, 0: none */
	unsigned long long carried[PWRMIG_NR_CARRIED];
	unsigned long long carry_ids[PWRMIG_CARRY_IDS];	/* taken (0: none) */
	unsigned int carry_next;
};

/* A cgroup-policy-set request: what it sets. */
struct pwrmig_policy_req {
	int has_deferrable, deferrable;
	int has_migratable, migratable;
	int has_deadline;
	unsigned long long deadline;
	int has_priority;
	unsigned int priority;
};

/* A cgroup-carry request. */
struct pwrmig_carry_req {
	unsigned int has;		/* bit per enum pwrmig_carried present */
	unsigned long long v[PWRMIG_NR_CARRIED];
	unsigned long long id;		/* carry-id, 0: none */
	const char *currency;		/* NULL: absent */
};

/* An energy-report request. */
struct pwrmig_energy_req {
	unsigned int device;
	int has_domain;
	unsigned int domain;
	unsigned long long uj;
};

/*
 * The requests from their attributes, by type (TB: the cgroup set's for
 * policy-set and carry, the energy set's for energy-report).
 */
void pwrmig_policy_parse(const struct nlattr *const *tb, struct pwrmig_policy_req *q);
void pwrmig_carry_parse(const struct nlattr *const *tb, struct pwrmig_carry_req *q);
void pwrmig_energy_parse(const struct nlattr *const *tb, struct pwrmig_energy_req *q);

/* policy-set: 0, or -EINVAL in E when R sets nothing. */
int pwrmig_policy_check(const struct pwrmig_policy_req *r, struct pwrmig_refusal *e);
void pwrmig_policy_apply(struct pwrmig_cg_terms *t, const struct pwrmig_policy_req *r);

/*
 * carry, the request's rules: something to carry, a cost with its
 * currency, which is LOCAL's (the local site's currency, NULL: none).
 * 0 or -errno in E.
 */
int pwrmig_carry_check(const struct pwrmig_carry_req *r, const char *local,
		       struct pwrmig_refusal *e);
/*
 * carry, to T: all or nothing (-EOVERFLOW in E if a total would wrap);
 * a carry-id T already took adds nothing.  Returns 1 if it added, 0 if
 * the id was taken, or -errno.
 */
int pwrmig_carry_apply(struct pwrmig_cg_terms *t, const struct pwrmig_carry_req *r,
		       struct pwrmig_refusal *e);

/* energy-report, the request's rules (device index, domain): 0 or -errno. */
int pwrmig_energy_check(const struct pwrmig_energy_req *r, struct pwrmig_refusal *e);
/* energy-report, to the cgroup's GPU total *GPU_UJ: 0, or -EOVERFLOW in E. */
int pwrmig_energy_add(unsigned long long *gpu_uj, const struct pwrmig_energy_req *r,
		      struct pwrmig_refusal *e);

#endif
