/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * How the rules in common/ refuse a request, apart from netlink: the
 * errno, the extack message (a string literal) and the attribute (its
 * type in the request's set) it names.  The module and pwrmigd's family
 * socket report it the same way.
 */
#ifndef _PWRMIG_REFUSAL_H
#define _PWRMIG_REFUSAL_H

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

#endif
