// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: a netlink fuzzer for the pwrmig generic netlink family.
 *
 * Messages are built from the family's spec (the tables scripts/spec-gen
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

#include "nlfuzz.h"

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

struct nlattr *nf_put(unsigned char *buf, size_t *len, uint16_t type,
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
	nf_put(req.a, &len, CTRL_ATTR_FAMILY_NAME, PWRMIG_FAMILY_NAME,
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
	size_t len = nf_build(f, &r, f->buf, &m[0]);
	int nm = 1;

	/* Two messages in one send, now and then. */
	if (chance(&r, 2) && len + 2048 < BUF_LEN) {
		size_t len2 = nf_build(f, &r, f->buf + NLMSG_ALIGN(len), &m[1]);

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

struct opts {
	uint64_t seed;
	unsigned long count, first, progress;
	double seconds;
	long uid;
};

/* Options into O (and -v into F): -1 to go on, else the exit status. */
static int parse_opts(int argc, char **argv, struct opts *o, struct fz *f)
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
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:t:u:o:p:vh", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 's':
			o->seed = strtoull(optarg, &end, 0);
			break;
		case 'n':
			o->count = strtoul(optarg, &end, 0);
			break;
		case 't':
			o->seconds = strtod(optarg, &end);
			break;
		case 'u':
			o->uid = strtol(optarg, &end, 0);
			break;
		case 'o':
			o->first = strtoul(optarg, &end, 0);
			o->count = 1;
			break;
		case 'p':
			o->progress = strtoul(optarg, &end, 0);
			break;
		case 'v':
			f->verbose = 1;
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
	return -1;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return t1.tv_sec - t0->tv_sec + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Messages first .. first + count - 1, or until O's seconds: how long it took. */
static double run(struct fz *f, const struct opts *o)
{
	unsigned long last = 0;
	double secs, last_secs = 0;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = o->first; i < o->first + o->count; i++) {
		one(f, o->seed, i);
		if ((i & 1023) == 1023) {
			cg_churn(f);
			if (o->seconds > 0 && since(&t0) >= o->seconds)
				break;
		}
		if (o->progress && f->sent - last >= o->progress) {
			secs = since(&t0);
			fprintf(stderr, "nlfuzz: %lu of %lu sent, %.0f s, %.0f/s lately\n",
				f->sent, o->count, secs,
				secs > last_secs ? (f->sent - last) / (secs - last_secs) : 0);
			last = f->sent;
			last_secs = secs;
		}
	}
	return since(&t0);
}

int main(int argc, char **argv)
{
	struct opts o = { .seed = 1, .count = 100000, .uid = -1 };
	static struct fz f;
	double secs;
	int bad;

	bad = parse_opts(argc, argv, &o, &f);
	if (bad >= 0)
		return bad;
	setvbuf(stdout, NULL, _IOLBF, 0);
	f.fd = nl_open();
	resolve(&f);
	if (o.uid >= 0) {
		if (setgroups(0, NULL) || setgid(o.uid) || setuid(o.uid))
			die("cannot become user %s", strerror(errno));
		f.unpriv = 1;
	}
	cg_setup(&f);
	bad = join_groups(&f);
	secs = run(&f, &o);
	close(f.fd);
	cg_teardown(&f);
	bad |= report(&f, secs, o.seed);
	if (!still_answers(&f)) {
		printf("nlfuzz: FAIL: the family no longer answers info-get\n");
		bad = 1;
	}
	return bad;
}
