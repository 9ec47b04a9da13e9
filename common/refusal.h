/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * How the rules in common/ refuse a request, apart from netlink: the
 * errno, the extack message (a string literal) and the attribute (its
 * type in the request's set) it names.  The module and pwrmigd's family
 * socket report it the same way.  And the readers of a request's
 * attributes, which the parsers in common/ share.
 */
#ifndef _PWRMIG_REFUSAL_H
#define _PWRMIG_REFUSAL_H

#ifdef __KERNEL__
#include <linux/netlink.h>
#include <linux/string.h>
#else
#include <linux/netlink.h>
#include <string.h>
#endif

struct pwrmig_refusal {
	int err;			/* negative errno */
	const char *msg;
	unsigned int attr;		/* 0: none */
};

static inline int pwrmig_refuse(struct pwrmig_refusal *e, int err, const char *msg,
				unsigned int attr)
{
	e->err = err;
	e->msg = msg;
	e->attr = attr;
	return err;
}

/*
 * Attribute values, read alike in both worlds: the parsers in common/
 * take a request's attributes by type (TB), which the genetlink core or
 * pwrmigd's validator already checked against the spec's policy.
 */
static inline unsigned int pwrmig_nla_u32(const struct nlattr *a)
{
	unsigned int v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static inline unsigned long long pwrmig_nla_u64(const struct nlattr *a)
{
	unsigned long long v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static inline unsigned char pwrmig_nla_u8(const struct nlattr *a)
{
	return *((const unsigned char *)a + NLA_HDRLEN);
}

/* An optional attribute TB[TYPE] into *V: 1 if present, else 0. */
static inline int pwrmig_opt_u8(const struct nlattr *const *tb, unsigned int type, int *v)
{
	if (!tb[type])
		return 0;
	*v = pwrmig_nla_u8(tb[type]);
	return 1;
}

static inline int pwrmig_opt_u32(const struct nlattr *const *tb, unsigned int type,
				 unsigned int *v)
{
	if (!tb[type])
		return 0;
	*v = pwrmig_nla_u32(tb[type]);
	return 1;
}

static inline int pwrmig_opt_u64(const struct nlattr *const *tb, unsigned int type,
				 unsigned long long *v)
{
	if (!tb[type])
		return 0;
	*v = pwrmig_nla_u64(tb[type]);
	return 1;
}

/* A NUL-terminated string (the policy checked it). */
static inline const char *pwrmig_nla_str(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

#endif
