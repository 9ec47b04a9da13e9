// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: a netlink fuzzer for the pwrmig generic netlink family.
 *
 * Messages are built from the family's spec (the tables scripts/spec-names
 * generates from Documentation/netlink/specs/pwrmig.yaml): every operation,
 * do and dump, with the attributes its request names, values at and beyond
 * the spec's checks, cgroup ids and migration ids that exist, and then
 * mutated: wrong lengths and types, unknown and duplicate attributes, bad
 * nesting, truncated and oversized headers, flipped bytes, several messages
 * in one send, abandoned and interrupted dumps.  Message I is built from
 * SEED and I alone, so any message of a run can be sent again alone
 * (--only I) to reproduce what it did.
 *
 * As root it also joins the family's multicast groups and churns cgroups
 * under its own cgroup.  With --user UID it drops to that user first and
 * fails if any operation that needs CAP_NET_ADMIN succeeded, or a group
 * could be joined.  It fails when the family stops answering info-get.
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

#include "specnames.h"

#define BUF_LEN		(64 * 1024)
#define MAX_OPS		64
#define MAX_ERRNO	134
#define POOL		8

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return n ? rnd(r) % n : 0;
}

static int chance(struct rng *r, unsigned int percent)
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

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "nlfuzz: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

/* ---- the socket and the genetlink controller ---------------------------- */

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1, size = 1 << 20;

	if (fd < 0)
		die("cannot open a generic netlink socket: %s", strerror(errno));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static struct nlattr *put(unsigned char *buf, size_t *len, uint16_t type,
			  const void *data, size_t dlen)
{
	struct nlattr *a = (struct nlattr *)(buf + *len);

	if (*len + NLA_HDRLEN + NLA_ALIGN(dlen) > BUF_LEN)
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + dlen;
	if (data)
		memcpy(buf + *len + NLA_HDRLEN, data, dlen);
	else
		memset(buf + *len + NLA_HDRLEN, 0, dlen);
	memset(buf + *len + NLA_HDRLEN + dlen, 0, NLA_ALIGN(dlen) - dlen);
	*len += NLA_HDRLEN + NLA_ALIGN(dlen);
	return a;
}

/* Resolve the family id and its multicast groups. */
static void resolve(struct fz *f)
{
	struct { struct nlmsghdr n; struct genlmsghdr g; unsigned char a[64]; } req;
	size_t len = 0;
	ssize_t n;
	struct nlmsghdr *h;

	memset(&req, 0, sizeof(req));
	put(req.a, &len, CTRL_ATTR_FAMILY_NAME, PWRMIG_FAMILY_NAME,
	    strlen(PWRMIG_FAMILY_NAME) + 1);
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (send(f->fd, &req, req.n.nlmsg_len, 0) < 0)
		die("cannot ask the genetlink controller: %s", strerror(errno));
	n = recv(f->fd, f->rx, BUF_LEN, 0);
	h = (struct nlmsghdr *)f->rx;
	if (n < (ssize_t)NLMSG_HDRLEN || h->nlmsg_type == NLMSG_ERROR)
		die("the %s family is not registered (is pwrmig.ko loaded?)",
		    PWRMIG_FAMILY_NAME);
	for (struct nlattr *a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     (char *)a + NLA_HDRLEN <= (char *)h + h->nlmsg_len && a->nla_len >= NLA_HDRLEN;
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			f->family = *(uint16_t *)((char *)a + NLA_HDRLEN);
		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		for (struct nlattr *g = (void *)((char *)a + NLA_HDRLEN);
		     (char *)g < (char *)a + a->nla_len && g->nla_len >= NLA_HDRLEN;
		     g = (void *)((char *)g + NLA_ALIGN(g->nla_len)))
			for (struct nlattr *x = (void *)((char *)g + NLA_HDRLEN);
			     (char *)x < (char *)g + g->nla_len && x->nla_len >= NLA_HDRLEN;
			     x = (void *)((char *)x + NLA_ALIGN(x->nla_len)))
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID && f->ngroups < 4)
					f->groups[f->ngroups++] = *(uint32_t *)((char *)x + NLA_HDRLEN);
	}
	if (!f->family)
		die("the controller gave no id for %s", PWRMIG_FAMILY_NAME);
}

/* Join every group; unprivileged, every join must be refused. */
static int join_groups(struct fz *f)
{
	int bad = 0;

	for (int i = 0; i < f->ngroups; i++) {
		int r = setsockopt(f->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				   &f->groups[i], sizeof(f->groups[i]));

		if (f->unpriv && r == 0) {
			fprintf(stderr, "nlfuzz: an unprivileged socket joined multicast group %u\n",
				f->groups[i]);
			bad = 1;
		}
	}
	return bad;
}

/* ---- cgroups to name: the root, our own, and some that come and go ----- */

static uint64_t cg_id(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

static void cg_setup(struct fz *f)
{
	char self[PATH_MAX], line[PATH_MAX], path[PATH_MAX + 64];
	const char *mnt = "/sys/fs/cgroup";
	FILE *fp = fopen("/proc/self/cgroup", "r");

	f->cg[0] = 1;
	self[0] = 0;
	while (fp && fgets(line, sizeof(line), fp))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(self, sizeof(self), "%s", line + 3);
		}
	if (fp)
		fclose(fp);
	snprintf(path, sizeof(path), "%s%s", mnt, self);
	f->cg[1] = cg_id(path);
	if (f->unpriv)
		return;
	snprintf(f->cgdir, sizeof(f->cgdir), "%s/nlfuzz.%d", mnt, getpid());
	if (mkdir(f->cgdir, 0755) && errno != EEXIST) {
		f->cgdir[0] = 0;
		return;
	}
	for (int i = 2; i < POOL; i++) {
		snprintf(path, sizeof(path), "%s/c%d", f->cgdir, i);
		mkdir(path, 0755);
		f->cg[i] = cg_id(path);
	}
}

/* Remove one of the churned cgroups and make a new one in its place. */
static void cg_churn(struct fz *f)
{
	char path[PATH_MAX + 64];
	int i;

	if (!f->cgdir[0])
		return;
	i = 2 + f->churn % (POOL - 2);
	snprintf(path, sizeof(path), "%s/c%d", f->cgdir, i);
	rmdir(path);
	mkdir(path, 0755);
	f->cg[i] = cg_id(path);
	f->churn++;
}

static void cg_teardown(struct fz *f)
{
	char path[PATH_MAX + 64];

	if (!f->cgdir[0])
		return;
	for (int i = 2; i < POOL; i++) {
		snprintf(path, sizeof(path), "%s/c%d", f->cgdir, i);
		rmdir(path);
	}
	rmdir(f->cgdir);
}

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

		a = put(buf, len, type | (f->sane || chance(r, 90) ? NLA_F_NESTED : 0), NULL, 0);
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
	put(buf, len, type, v, n);
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

		put(buf, len, t | (chance(r, 30) ? NLA_F_NESTED : 0), &junk, below(r, 5));
	}
}

/* ---- one message ---------------------------------------------------------- */

struct msg {
	unsigned int cmd;
	uint32_t seq;
	int dump;
	int header_bad;		/* the kernel may drop it without an answer */
	int foreign;		/* sent with another family's type */
	struct op_stats *st;
};

/* Operations out of the spec's range share the first slot. */
static struct op_stats *stats_of(struct fz *f, unsigned int cmd)
{
	return &f->op[cmd < spec_nops && spec_ops[cmd].name ? cmd : 0];
}

static size_t build(struct fz *f, struct rng *r, unsigned char *buf, struct msg *m)
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

static void note_reply(struct fz *f, struct nlmsghdr *h)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nlattr *a;

	if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	if (g->cmd >= spec_nops || !spec_ops[g->cmd].name ||
	    strcmp(spec_sets[spec_ops[g->cmd].set].name, "migrate"))
		return;
	for (a = (void *)((char *)g + GENL_HDRLEN);
	     (char *)a + NLA_HDRLEN <= (char *)h + h->nlmsg_len && a->nla_len >= NLA_HDRLEN;
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == PWRMIG_A_MIGRATE_ID && a->nla_len == NLA_HDRLEN + 4) {
			f->mig[f->nmig % POOL] = *(uint32_t *)((char *)a + NLA_HDRLEN);
			f->nmig++;
			return;
		}
}

/*
 * Read what the kernel has queued: a do's ack (genetlink answers in the
 * sender's context), a dump's parts (each read makes the next), and
 * notifications.  Stop reading a dump part way now and then.
 */
static const struct msg *sent_as(const struct msg *m, int nm, uint32_t seq)
{
	for (int i = 0; i < nm; i++)
		if (m[i].seq == seq && !m[i].foreign)
			return &m[i];
	return NULL;
}

static void drain(struct fz *f, struct rng *r, const struct msg *m, int nm)
{
	int acked = 0, entries = 0, stop = m->dump && chance(r, 4) ? 1 + (int)below(r, 3) : -1;
	const struct msg *to;

	for (;;) {
		ssize_t n = recv(f->fd, f->rx, BUF_LEN, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				f->overruns++;
				continue;
			}
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)f->rx; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq == 0 && h->nlmsg_pid == 0 && h->nlmsg_type == f->family) {
				f->notifications++;
				continue;
			}
			f->replies++;
			to = sent_as(m, nm, h->nlmsg_seq);
			if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) {
				/* An ack, a refusal, or the end of a dump with its status. */
				int err;

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)) || !to)
					continue;
				err = -*(int *)NLMSG_DATA(h);
				if (err < 0 || err > MAX_ERRNO)
					err = MAX_ERRNO;
				to->st->err[err]++;
				acked = 1;
				if (!err && (to->dump == (h->nlmsg_type == NLMSG_DONE)))
					to->st->ok++;
			} else {
				entries++;
				if (to)
					to->st->entries++;
				note_reply(f, h);
			}
		}
		if (stop >= 0 && entries >= stop) {
			f->abandoned++;
			if (chance(r, 50)) {		/* close mid-dump */
				close(f->fd);
				f->fd = nl_open();
				f->reopened++;
				if (!f->unpriv)
					join_groups(f);
			}
			break;
		}
	}
	if (!acked && !m->header_bad && stop < 0)
		f->no_answer++;
}

static void one(struct fz *f, uint64_t seed, unsigned long i)
{
	struct rng r = { .s = seed ^ (i * 0xd1b54a32d192ed03ULL) };
	struct msg m[2];
	size_t len = build(f, &r, f->buf, &m[0]);
	int nm = 1;

	/* Two messages in one send, now and then. */
	if (chance(&r, 2) && len + 2048 < BUF_LEN) {
		size_t len2 = build(f, &r, f->buf + NLMSG_ALIGN(len), &m[1]);

		len = NLMSG_ALIGN(len) + len2;
		f->batched++;
		m[0].header_bad = 1;
		nm = 2;
	}
	for (int k = 0; k < nm; k++) {
		m[k].st->sent++;
		m[k].st->dumps += m[k].dump;
	}
	f->sent++;
	if (f->verbose)
		fprintf(stderr, "nlfuzz: #%lu cmd %u%s len %zu\n", i, m[0].cmd,
			m[0].dump ? " dump" : "", len);
	if (send(f->fd, f->buf, len, 0) < 0) {
		int err = errno;

		m[0].st->err[err <= MAX_ERRNO ? err : MAX_ERRNO]++;
		if (err != EBUSY && err != EINVAL && err != EMSGSIZE) {
			close(f->fd);
			f->fd = nl_open();
		}
		return;
	}
	drain(f, &r, m, nm);
}

/* The family must still answer a plain info-get. */
static int still_answers(struct fz *f)
{
	struct { struct nlmsghdr n; struct genlmsghdr g; } req = {
		.n = { .nlmsg_len = sizeof(req), .nlmsg_type = f->family,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = ++f->seq },
		.g = { .cmd = PWRMIG_CMD_INFO_GET, .version = 1 },
	};
	struct pollfd p = { .events = POLLIN };
	int fd = nl_open();
	ssize_t n;
	int ok = 0;

	p.fd = fd;
	if (send(fd, &req, sizeof(req), 0) == sizeof(req) && poll(&p, 1, 5000) == 1) {
		n = recv(fd, f->rx, BUF_LEN, 0);
		ok = n >= (ssize_t)NLMSG_HDRLEN &&
		     ((struct nlmsghdr *)f->rx)->nlmsg_type == f->family;
	}
	close(fd);
	return ok;
}

static int closed_hook(const char *pre)
{
	return pre && (!strcmp(pre, "pwrmig-nl-admin-check") ||
		       !strcmp(pre, "pwrmig-nl-cgroup-read-check") ||
		       !strcmp(pre, "pwrmig-nl-cgroup-dump-check"));
}

static int report(struct fz *f, double secs, uint64_t seed)
{
	int bad = 0;

	printf("nlfuzz: seed %" PRIu64 ", %lu messages in %.1f s (%.0f/s) as %s\n",
	       seed, f->sent, secs, secs > 0 ? f->sent / secs : 0,
	       f->unpriv ? "an unprivileged user" : "root");
	printf("nlfuzz: %lu replies, %lu notifications, %lu dumps abandoned (%lu by closing), "
	       "%lu batched sends, %lu overruns, %lu cgroups churned, %lu well-formed unanswered\n",
	       f->replies, f->notifications, f->abandoned, f->reopened, f->batched,
	       f->overruns, (unsigned long)f->churn, f->no_answer);
	for (unsigned int c = 0; c < MAX_OPS; c++) {
		const struct op_stats *st = &f->op[c];
		const struct spec_op *op = c < spec_nops && spec_ops[c].name ? &spec_ops[c] : NULL;
		char errs[512];
		size_t off = 0;

		if (!st->sent)
			continue;
		errs[0] = 0;
		for (int e = 1; e <= MAX_ERRNO && off < sizeof(errs) - 32; e++)
			if (st->err[e])
				off += snprintf(errs + off, sizeof(errs) - off, " %s:%lu",
						e == MAX_ERRNO ? "other" : strerrorname_np(e) ?: "?",
						st->err[e]);
		printf("nlfuzz: op %-18s sent %7lu ok %7lu dumps %6lu entries %7lu |%s\n",
		       op ? op->name : "(not an op)",
		       st->sent, st->ok, st->dumps, st->entries, errs);
		if (f->unpriv && op && st->ok &&
		    (closed_hook(op->pre_do) || closed_hook(op->pre_dump))) {
			printf("nlfuzz: FAIL: %s succeeded %lu times for an unprivileged user\n",
			       op->name, st->ok);
			bad = 1;
		}
	}
	return bad;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: nlfuzz [--seed N] [--count N] [--seconds S] [--user UID] [--only I]\n"
		"              [--progress N] [-v]\n"
		"\n"
		"Send COUNT fuzzed messages (default 100000) to the pwrmig generic netlink\n"
		"family, or as many as fit in S seconds, whichever ends first.  Message I\n"
		"depends only on the seed and I: --only I sends that one message again.\n"
		"--user UID drops to that user (and its group) first; the run then fails\n"
		"if an operation that needs CAP_NET_ADMIN succeeded.  --progress N says on\n"
		"stderr how far it got and how fast, every N messages.  Exit 0 when the\n"
		"family still answers info-get at the end, 1 when not or a check failed,\n"
		"2 on bad usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "only", required_argument, NULL, 'o' },
		{ "progress", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct fz f;
	uint64_t seed = 1;
	unsigned long count = 100000, first = 0, progress = 0, last = 0;
	double last_secs = 0;
	double seconds = 0, secs;
	long uid = -1;
	struct timespec t0, t1;
	int c, bad;
	char *end;

	while ((c = getopt_long(argc, argv, "s:n:t:u:o:p:vh", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 's':
			seed = strtoull(optarg, &end, 0);
			break;
		case 'n':
			count = strtoul(optarg, &end, 0);
			break;
		case 't':
			seconds = strtod(optarg, &end);
			break;
		case 'u':
			uid = strtol(optarg, &end, 0);
			break;
		case 'o':
			first = strtoul(optarg, &end, 0);
			count = 1;
			break;
		case 'p':
			progress = strtoul(optarg, &end, 0);
			break;
		case 'v':
			f.verbose = 1;
			continue;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (errno || *end || end == optarg)
			die("'%s' is not a number", optarg);
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	f.fd = nl_open();
	resolve(&f);
	if (uid >= 0) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			die("cannot become user %s", strerror(errno));
		f.unpriv = 1;
	}
	cg_setup(&f);
	bad = join_groups(&f);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = first; i < first + count; i++) {
		one(&f, seed, i);
		if ((i & 1023) == 1023) {
			cg_churn(&f);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (seconds > 0 && secs >= seconds)
				break;
		}
		if (progress && f.sent - last >= progress) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
			fprintf(stderr, "nlfuzz: %lu of %lu sent, %.0f s, %.0f/s lately\n",
				f.sent, count, secs,
				secs > last_secs ? (f.sent - last) / (secs - last_secs) : 0);
			last = f.sent;
			last_secs = secs;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	close(f.fd);
	cg_teardown(&f);
	bad |= report(&f, secs, seed);
	if (!still_answers(&f)) {
		printf("nlfuzz: FAIL: the family no longer answers info-get\n");
		bad = 1;
	}
	return bad;
}
