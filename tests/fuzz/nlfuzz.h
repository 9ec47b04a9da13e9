/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlfuzz's state, shared by nlfuzz.c (the socket, sending, answers, the
 * report) and nlfuzz_build.c (a message built from the spec's tables).
 */
#ifndef _PWRMIG_NLFUZZ_H
#define _PWRMIG_NLFUZZ_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "specnames.h"

#define BUF_LEN		(64 * 1024)
#define MAX_OPS		64
#define MAX_ERRNO	134
#define POOL		8

struct rng {
	uint64_t s;
};

static inline uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned int below(struct rng *r, unsigned int n)
{
	return n ? rnd(r) % n : 0;
}

static inline int chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

struct op_stats {
	unsigned long sent, ok, dumps, entries;
	unsigned long err[MAX_ERRNO + 1];
};

struct fz {
	int fd;
	uint16_t family;
	uint32_t groups[4];
	int ngroups;
	uint32_t seq;
	int unpriv;
	int verbose;
	int sane;			/* this message: values the spec allows */
	uint64_t cg[POOL];		/* cgroup ids: root, ours, churned */
	char cgdir[PATH_MAX];
	unsigned int churn;
	uint32_t mig[POOL];		/* migration ids seen in replies */
	unsigned int nmig;
	struct op_stats op[MAX_OPS];
	unsigned long sent, replies, notifications, no_answer;
	unsigned long abandoned, reopened, batched, overruns;
	unsigned char buf[BUF_LEN];
	unsigned char rx[BUF_LEN];
};

struct msg {
	unsigned int cmd;
	uint32_t seq;
	int dump;
	int header_bad;		/* the kernel may drop it without an answer */
	int foreign;		/* sent with another family's type */
	struct op_stats *st;
};

/* Append attribute TYPE with DLEN bytes of DATA to BUF at *LEN. */
struct nlattr *nf_put(unsigned char *buf, size_t *len, uint16_t type,
		      const void *data, size_t dlen);
/*
 * Message M (its op, flags and attributes, then mutations) into BUF from
 * R alone: its length.
 */
size_t nf_build(struct fz *f, struct rng *r, unsigned char *buf, struct msg *m);

#endif
