// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz's messages: every operation of the spec with the attributes its
 * request names, values at and beyond the spec's checks, ids that exist,
 * then mutated (lengths, types, nesting, headers, flipped bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/pwrmig.h>

#include "nlfuzz.h"

/* ---- values --------------------------------------------------------------- */

static const char *const names[] = {
	"east", "west", "nlfuzz-a", "nlfuzz-b", "", "EUR", "RMB", "USD", "x",
};

static uint64_t number(struct fz *f, struct rng *r, const struct spec_set *set,
		       const struct spec_attr *sa)
{
	static const uint64_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		1ULL << 33, 1ULL << 53, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL - 1, ~0ULL,
	};
	int is_id = !strcmp(sa->name, "id") || !strcmp(sa->name, "cgroup-id");

	if (!strcmp(set->name, "migrate") && !strcmp(sa->name, "id")) {
		if (f->nmig && chance(r, 80))
			return f->mig[below(r, f->nmig < POOL ? f->nmig : POOL)];
		return below(r, 1100);
	}
	if (is_id && (f->sane || chance(r, 85)))
		return f->cg[below(r, POOL)];
	if (sa->enumt && (f->sane || chance(r, 60)))
		return sa->enumt->start + below(r, sa->enumt->n + (f->sane ? 0 : 1));
	if (f->sane) {
		if (sa->has_max)
			return (sa->has_min ? sa->min : 0) +
			       rnd(r) % (uint64_t)(sa->max - (sa->has_min ? sa->min : 0) + 1);
		return (sa->has_min ? sa->min : 0) + below(r, 100000);
	}
	switch (below(r, 6)) {
	case 0:
		if (sa->has_min)
			return sa->min - 1 + below(r, 3);
		/* fall through */
	case 1:
		if (sa->has_max)
			return sa->max - 1 + below(r, 3);
		/* fall through */
	case 2:
		return below(r, 1000);
	case 3:
		if (sa->has_min && sa->has_max && sa->max > sa->min)
			return sa->min + rnd(r) % (uint64_t)(sa->max - sa->min + 1);
		return rnd(r) >> below(r, 64);
	case 4:
		return edge[below(r, sizeof(edge) / sizeof(edge[0]))];
	default:
		return rnd(r);
	}
}

static size_t width(enum spec_type t)
{
	switch (t) {
	case SPEC_U8:
		return 1;
	case SPEC_U16:
		return 2;
	case SPEC_U32:
	case SPEC_S32:
		return 4;
	case SPEC_U64:
	case SPEC_S64:
		return 8;
	default:
		return 0;
	}
}

static void put_attrs(struct fz *f, struct rng *r, unsigned char *buf, size_t *len,
		      int set_idx, uint64_t mask, int depth);

/* One attribute of SET: mostly well formed, sometimes not. */
static void put_one(struct fz *f, struct rng *r, unsigned char *buf, size_t *len,
		    const struct spec_set *set, unsigned int type, int depth)
{
	const struct spec_attr *sa = &set->attrs[type];
	unsigned char v[4200];
	size_t n = width(sa->type);
	uint64_t x;
	struct nlattr *a;

	switch (sa->type) {
	case SPEC_NEST: {
		int count = !f->sane && chance(r, 10) ? below(r, 120) : 1 + below(r, 4);
		size_t before;

		a = nf_put(buf, len, type | (f->sane || chance(r, 90) ? NLA_F_NESTED : 0), NULL, 0);
		if (!a)
			return;
		before = *len;
		for (int i = 0; i < count && depth < 4; i++)
			put_attrs(f, r, buf, len, sa->nest,
				  f->sane || chance(r, 80) ? ~0ULL : rnd(r), depth + 1);
		a->nla_len = NLA_HDRLEN + (*len - before);
		return;
	}
	case SPEC_FLAG:
		n = f->sane || chance(r, 90) ? 0 : 1 + below(r, 8);
		memset(v, 0xa5, n);
		break;
	case SPEC_STRING:
		if (chance(r, f->sane ? 70 : 50)) {
			snprintf((char *)v, sizeof(v), "%s", names[below(r, sizeof(names) / sizeof(names[0]))]);
			n = strlen((char *)v) + 1;
		} else {
			if (f->sane)
				n = below(r, (sa->max_len ? sa->max_len : 64) + 1);
			else
				n = chance(r, 90) ? below(r, (sa->max_len ? sa->max_len : 64) + 3)
						  : below(r, sizeof(v) - 1);
			for (size_t i = 0; i < n; i++)
				v[i] = 0x20 + below(r, 95);
			if (f->sane || chance(r, 90))
				v[n++] = 0;
		}
		break;
	case SPEC_BINARY:
		n = below(r, 128);
		for (size_t i = 0; i < n; i++)
			v[i] = rnd(r);
		break;
	default:
		x = number(f, r, set, sa);
		memcpy(v, &x, sizeof(x));	/* little endian: low bytes first */
		if (!n)
			n = 8;
		break;
	}
	/* A wrong length for a fixed-size type. */
	if (width(sa->type) && !f->sane && chance(r, 4))
		n = below(r, 12);
	nf_put(buf, len, type, v, n);
}

static void put_attrs(struct fz *f, struct rng *r, unsigned char *buf, size_t *len,
		      int set_idx, uint64_t mask, int depth)
{
	const struct spec_set *set = &spec_sets[set_idx];

	for (unsigned int t = 1; t <= set->max && t < 64; t++) {
		if (!set->attrs[t].name || !(mask & (1ULL << t)))
			continue;
		if (chance(r, f->sane ? 10 : 30))
			continue;
		put_one(f, r, buf, len, set, t, depth);
		if (!f->sane && chance(r, 2))	/* a duplicate */
			put_one(f, r, buf, len, set, t, depth);
	}
	if (f->sane)
		return;
	if (chance(r, 5)) {			/* an attribute the set does not have */
		uint16_t t = chance(r, 50) ? set->max + 1 + below(r, 4) : below(r, 0x4000);
		uint32_t junk = rnd(r);

		nf_put(buf, len, t | (chance(r, 30) ? NLA_F_NESTED : 0), &junk, below(r, 5));
	}
}

/* ---- one message ---------------------------------------------------------- */

/* Operations out of the spec's range share the first slot. */
static struct op_stats *stats_of(struct fz *f, unsigned int cmd)
{
	return &f->op[cmd < spec_nops && spec_ops[cmd].name ? cmd : 0];
}

size_t nf_build(struct fz *f, struct rng *r, unsigned char *buf, struct msg *m)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)NLMSG_DATA(h);
	const struct spec_op *op;
	size_t alen = 0;
	unsigned char *attrs = buf + NLMSG_HDRLEN + GENL_HDRLEN;

	/* Half the messages stay within the spec, to get past the checks. */
	f->sane = chance(r, 50);
	do {
		m->cmd = !f->sane && chance(r, 2) ? below(r, 256) : 1 + below(r, spec_nops - 1);
		op = m->cmd < spec_nops ? &spec_ops[m->cmd] : NULL;
	} while (op && op->name && op->notification && chance(r, 95));
	m->dump = op && op->name ? (op->has_dump && (!op->has_do || chance(r, 50))) : chance(r, 50);
	if (!f->sane && chance(r, 3))
		m->dump = !m->dump;
	m->header_bad = 0;
	m->foreign = 0;
	m->seq = ++f->seq;
	m->st = stats_of(f, m->cmd);

	if (op && op->name)
		put_attrs(f, r, attrs, &alen, op->set,
			  f->sane || chance(r, 85) ? op->request : rnd(r), 0);
	else
		put_attrs(f, r, attrs, &alen, below(r, spec_nsets), rnd(r), 0);

	memset(h, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + alen);
	h->nlmsg_type = f->family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (m->dump ? NLM_F_DUMP : 0);
	h->nlmsg_seq = m->seq;
	g->cmd = m->cmd;
	g->version = 1;

	/* Mutations of the whole message. */
	switch (!f->sane && chance(r, 50) ? below(r, 8) : 99) {
	case 0:		/* flip bytes anywhere after the netlink header */
		for (int i = 0, k = 1 + below(r, 4); i < k && alen; i++)
			attrs[below(r, alen)] ^= 1 << below(r, 8);
		break;
	case 1:		/* an attribute length that runs past the end or under a header */
		if (alen >= NLA_HDRLEN) {
			struct nlattr *a = (struct nlattr *)attrs;

			a->nla_len = chance(r, 50) ? below(r, NLA_HDRLEN) : alen + 4 + below(r, 64);
		}
		break;
	case 2:		/* a truncated message */
		h->nlmsg_len = below(r, h->nlmsg_len + 1);
		if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
			m->header_bad = 1;
		break;
	case 3:		/* a message that says it is longer than what is sent */
		h->nlmsg_len += 4 + below(r, 256);
		m->header_bad = 1;
		break;
	case 4:		/* other genetlink header fields */
		g->version = below(r, 256);
		g->reserved = rnd(r);
		break;
	case 5:		/* other flags */
		h->nlmsg_flags = rnd(r) | NLM_F_REQUEST;
		m->dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
		m->header_bad = 1;
		break;
	case 6:		/* cut inside the last attribute */
		if (alen > NLA_HDRLEN)
			h->nlmsg_len -= 1 + below(r, 3);
		break;
	case 7:		/* a control-family or reserved type */
		h->nlmsg_type = below(r, NLMSG_MIN_TYPE + 2);
		m->header_bad = 1;
		m->foreign = 1;
		break;
	}
	return NLMSG_HDRLEN + GENL_HDRLEN + alen;
}
