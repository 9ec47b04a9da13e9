/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The family server's parts: the connections and framing (server.c), the
 * requests checked against the spec as the genetlink core checks them
 * (validate.c), and the operations (ops.c; the ledger's cgroups in
 * cgroups.c, the sites in sites.c, the broker in migrate.c).
 */
#ifndef _PWRMIGD_FAMILY_INTERNAL_H
#define _PWRMIGD_FAMILY_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pwrmig.h>

#include "broker.h"
#include "family.h"
#include "pwrmig.h"
#include "specnames.h"

/* What a refused request is told: errno, extack message, the attribute. */
struct fam_err {
	int err;			/* negative errno */
	const char *msg;		/* NULL: none */
	const struct nlattr *attr;	/* in the request, or NULL */
	uint32_t miss_type;		/* a missing attribute, or 0 */
};

struct fam_conn;

/* One request being served. */
struct fam_req {
	struct pd_family *f;
	struct fam_conn *c;
	const struct nlmsghdr *nlh;
	const struct genlmsghdr *g;
	const struct spec_op *op;
	int admin;			/* the peer is root */
	int dump;
	uint64_t cursor;		/* a dump: resume after this (0: start) */
	const struct nlattr *tb[64];	/* the op's attributes, by type */
	struct fam_err e;
};

/* ---- server.c ----------------------------------------------------------- */
struct nl_msg;
struct pd *fam_pd(struct pd_family *f);
/* A message of the family, CMD, FLAGS, answering R (NULL: an event). */
struct nl_msg *fam_new(const struct fam_req *r, uint8_t cmd, uint16_t flags);
/* Send M (freed) to R's peer: 0, or a negative errno (the peer is dropped). */
int fam_send(struct fam_req *r, struct nl_msg *m);
/*
 * R's peer has not taken enough of its replies: a dump stops here, sets
 * R->cursor and returns FAM_MORE, and is called again with it later.
 */
int fam_congested(const struct fam_req *r);
#define FAM_MORE	1
/* Send M (freed) to the members of GROUP (enum fam_group). */
void fam_multicast(struct pd_family *f, unsigned int group, struct nl_msg *m);
int fam_open_reads(const struct pd_family *f);

enum fam_group { FAM_GRP_TELEMETRY = 1, FAM_GRP_MIGRATE, FAM_NR_GROUPS };

/* ---- validate.c --------------------------------------------------------- */
/* Check R's attributes against its op's policy; fill R->tb.  0 or -errno. */
int fam_validate(struct fam_req *r);
/* Fail R with ERR, MSG, on ATTR (any may be 0). */
int fam_fail(struct fam_req *r, int err, const char *msg, const struct nlattr *attr);
/* Fail R as common/'s rules said (E), at the attribute E names. */
int fam_refuse(struct fam_req *r, const struct pwrmig_refusal *e);
/* R needs attribute TYPE: 0, or -EINVAL naming it, as GENL_REQ_ATTR_CHECK(). */
int fam_need(struct fam_req *r, unsigned int type);

/* ---- ops.c -------------------------------------------------------------- */
/* Serve R (validated); 0 or a negative errno with R->e set. */
int fam_op(struct fam_req *r);
/* The broker's requests (bpf mode: this daemon is the broker). */
struct pwrmig_broker *fam_broker(struct pd_family *f);
/* A brokered request changed: to pd_family_on_migrate()'s callback. */
void fam_migrate_hook(struct pd_family *f, const struct pwrmig_migration *mig);
/* R's connection as a claimant: numbered from 1, never reused. */
uint32_t fam_port(const struct fam_req *r);

/* ---- migrate.c ---------------------------------------------------------- */
/* migrate-request, -claim, -status, -cancel, -get. */
int fam_migrate_op(struct fam_req *r, struct pd *pd);
/* After each sample: requests and claims past their time end timed-out. */
void fam_migrate_tick(struct pd_family *f);
/* Connection PORT closed: its claims are released. */
void fam_migrate_release(struct pd_family *f, uint32_t port);

/* ---- cgroups.c ---------------------------------------------------------- */
/* cgroup-get, cgroup-policy-set, cgroup-carry, energy-report. */
int fam_cgroup_op(struct fam_req *r, struct pd *pd);

/* ---- sites.c ------------------------------------------------------------ */
/* site-get, site-set, price-set, site-del. */
int fam_site_op(struct fam_req *r, struct pd *pd);

/* The event sent to the telemetry group after a sample. */
void fam_telemetry(struct pd_family *f);

#endif
