// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl capture: an audit trail of the pwrmig netlink family.
 *
 *   capture -w FILE [-c COUNT] [-G SECS]   record to a pcap file
 *   capture -r FILE                        decode a pcap file
 *
 * Recording creates an nlmon device (removed on exit), captures with
 * libpcap (DLT_NETLINK: a 16-byte cooked header, then the netlink
 * messages) and keeps the frames of the pwrmig family: its requests,
 * replies, notifications, acks and the end of its dumps, plus the
 * generic netlink controller frames that name the family, so that every
 * file says which dynamic family id was pwrmig.  Wireshark and tshark read
 * the files; `capture -r` prints them with the spec's op and attribute
 * names (the tables are generated from the YAML spec).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>
#include <pcap/pcap.h>
#include <pcap/sll.h>

#include "pwrmigctl.h"
#include "pwrmigctl.h"
#include "specnames.h"
#include "capture.h"

struct req *cap_find_req(struct track *t, uint32_t port, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < NREQS; i++)
		if (t->reqs[i].port == port && t->reqs[i].seq == seq && port)
			return &t->reqs[i];
	return NULL;
}

const char *cap_ctrl_family_name(const struct nlmsghdr *nlh, int *id)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct nlattr *a;
	int rem;

	*id = -1;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NULL;
	nla_for_each_attr(a, (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
			  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rem)
		if (nla_type(a) <= CTRL_ATTR_MAX)
			tb[nla_type(a)] = a;
	if (tb[CTRL_ATTR_FAMILY_ID] && nla_len(tb[CTRL_ATTR_FAMILY_ID]) >= 2)
		*id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	a = tb[CTRL_ATTR_FAMILY_NAME];
	if (!a || nla_len(a) < 1 || ((char *)nla_data(a))[nla_len(a) - 1])
		return NULL;
	return nla_data(a);
}

/* Classify one message (and learn from it). */
static enum frame_kind classify(struct track *t, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;
	const struct genlmsghdr *g;
	const char *name;
	struct req *r;
	int id;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
			return F_OTHER;
		err = NLMSG_DATA(nlh);
		return t->family >= 0 && err->msg.nlmsg_type == t->family ? F_OURS : F_OTHER;
	case NLMSG_DONE:
		r = cap_find_req(t, nlh->nlmsg_pid, nlh->nlmsg_seq);
		return r && r->dump ? F_OURS : F_OTHER;
	case GENL_ID_CTRL:
		name = cap_ctrl_family_name(nlh, &id);
		if (!name || strcmp(name, PWRMIG_FAMILY_NAME))
			return F_OTHER;
		if (id >= 0) {
			g = NLMSG_DATA(nlh);
			t->family = g->cmd == CTRL_CMD_DELFAMILY ? -1 : id;
		}
		return F_CTRL;
	}
	if (t->family < 0 || nlh->nlmsg_type != t->family)
		return F_OTHER;
	if (FROM_USER(nlh) && nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
		g = NLMSG_DATA(nlh);
		r = &t->reqs[t->nreq++ % NREQS];
		r->port = nlh->nlmsg_pid;
		r->seq = nlh->nlmsg_seq;
		r->cmd = g->cmd;
		r->dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	}
	return F_OURS;
}

/*
 * Walk the messages of one frame.  CB (may be NULL) sees each message
 * with its kind; returns the "most interesting" kind in the frame.
 */
enum frame_kind cap_walk_frame(struct track *t, const u_char *data, uint32_t caplen,
				  msg_cb cb, void *arg)
{
	const struct sll_header *sll = (const void *)data;
	enum frame_kind best = F_OTHER, k;
	const struct nlmsghdr *nlh;
	int len;

	if (caplen < SLL_HDR_LEN || ntohs(sll->sll_protocol) != NETLINK_GENERIC)
		return F_OTHER;
	len = caplen - SLL_HDR_LEN;
	for (nlh = (const void *)(data + SLL_HDR_LEN); NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		k = classify(t, nlh);
		if (cb && k != F_OTHER)
			cb(arg, nlh, k);
		if (k > best)
			best = k;
	}
	return best;
}

/* ---- recording ------------------------------------------------------------ */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct rec {
	const char *pattern;	/* -w FILE, strftime'd when rotating */
	uint64_t max;		/* -c: stop after this many family frames */
	unsigned int secs;	/* -G: a new file every SECS */
	pcap_t *p;
	pcap_dumper_t *d;
	struct track t;
	uint64_t frames, family_frames;
	struct nl_sock *ctrl;	/* family lookups, controller notifications */
	int warned;
	char path[PATH_MAX];
};

/* Each file starts with the controller naming the family's id. */
static void announce_family(struct rec *r)
{
	int id = genl_ctrl_resolve(r->ctrl, PWRMIG_FAMILY_NAME);

	if (id < 0 && !r->warned++)
		fprintf(stderr, "capture: the pwrmig family is not registered yet; "
			"waiting for the module\n");
}

static int open_file(struct rec *r)
{
	struct tm tm;
	time_t now = time(NULL);

	if (r->secs) {
		localtime_r(&now, &tm);
		if (!strftime(r->path, sizeof(r->path), r->pattern, &tm) ||
		    !strchr(r->pattern, '%')) {
			/* No conversion: add one, so that no file is overwritten. */
			char stamp[32];

			strftime(stamp, sizeof(stamp), ".%Y%m%d-%H%M%S", &tm);
			snprintf(r->path, sizeof(r->path), "%s%s", r->pattern, stamp);
		}
	} else {
		snprintf(r->path, sizeof(r->path), "%s", r->pattern);
	}
	r->d = pcap_dump_open(r->p, r->path);
	if (!r->d) {
		fprintf(stderr, "Error: capture file '%s': %s\n", r->path, pcap_geterr(r->p));
		return -1;
	}
	announce_family(r);
	return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct rec *r = (struct rec *)user;
	enum frame_kind k;

	if (r->max && r->family_frames >= r->max)
		return;
	k = cap_walk_frame(&r->t, data, h->caplen, NULL, NULL);
	if (k == F_OTHER)
		return;
	pcap_dump((u_char *)r->d, h, data);
	pcap_dump_flush(r->d);
	r->frames++;
	if (k == F_OURS && ++r->family_frames == r->max)
		stop = 1;
}

static int nlmon_add(struct nl_sock *sk, char *name, size_t len)
{
	struct rtnl_link *l;
	int err = -NLE_EXIST, i;

	for (i = 0; i < 100 && err == -NLE_EXIST; i++) {
		l = rtnl_link_alloc();
		if (!l)
			return -NLE_NOMEM;
		snprintf(name, len, "pwrmignl%d", i);
		rtnl_link_set_name(l, name);
		err = rtnl_link_set_type(l, "nlmon");
		if (!err) {
			rtnl_link_set_flags(l, IFF_UP);
			err = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
		}
		rtnl_link_put(l);
	}
	return err;
}

static void nlmon_del(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int err;

	if (!l)
		return;
	rtnl_link_set_name(l, name);
	err = rtnl_link_delete(sk, l);
	if (err)
		fprintf(stderr, "capture: could not remove %s: %s (ip link del %s)\n",
			name, nl_geterror(err), name);
	rtnl_link_put(l);
}

static int drain_ctrl(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/* Capture on DEV: netlink frames, whole, as they come, without blocking. */
static int open_dev(struct rec *r, const char *dev)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	r->p = pcap_create(dev, errbuf);
	if (!r->p) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, errbuf);
		return -1;
	}
	pcap_set_snaplen(r->p, 262144);
	pcap_set_immediate_mode(r->p, 1);
	pcap_set_buffer_size(r->p, 8 << 20);
	if (pcap_activate(r->p) < 0) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, pcap_geterr(r->p));
		return -1;
	}
	if (pcap_datalink(r->p) != DLT_NETLINK) {
		fprintf(stderr, "Error: capture on %s: link type %d, not DLT_NETLINK\n",
			dev, pcap_datalink(r->p));
		return -1;
	}
	if (pcap_setnonblock(r->p, 1, errbuf)) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, errbuf);
		return -1;
	}
	return 0;
}

/* Frames into the file until a signal; a new file every r->secs from NEXT. */
static int record_loop(struct rec *r, time_t next)
{
	struct pollfd pfd[2] = {
		{ .fd = pcap_get_selectable_fd(r->p), .events = POLLIN },
		{ .fd = nl_socket_get_fd(r->ctrl), .events = POLLIN },
	};

	while (!stop) {
		if (poll(pfd, 2, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "Error: capture: poll: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
		if (pfd[1].revents & POLLIN)
			nl_recvmsgs_default(r->ctrl);
		if (pcap_dispatch(r->p, -1, on_packet, (u_char *)r) < 0) {
			fprintf(stderr, "Error: capture: %s\n", pcap_geterr(r->p));
			return EXIT_FAIL;
		}
		if (next && time(NULL) >= next && !stop) {
			pcap_dump_close(r->d);
			r->d = NULL;
			if (open_file(r))
				return EXIT_FAIL;
			while (next <= time(NULL))
				next += r->secs;
		}
	}
	return EXIT_OK;
}

static int record(struct rec *r)
{
	char dev[IFNAMSIZ];
	struct nl_sock *rt = NULL;
	time_t next = 0;
	int rc = EXIT_FAIL, err, grp;

	r->t.family = -1;
	rt = nl_socket_alloc();
	r->ctrl = nl_socket_alloc();
	if (!rt || !r->ctrl || nl_connect(rt, NETLINK_ROUTE) || genl_connect(r->ctrl)) {
		fprintf(stderr, "Error: capture: cannot open netlink sockets\n");
		goto out;
	}
	err = nlmon_add(rt, dev, sizeof(dev));
	if (err) {
		fprintf(stderr, "Error: capture: cannot create an nlmon device: %s%s\n",
			nl_geterror(err),
			err == -NLE_PERM ? " (capture needs CAP_NET_ADMIN and CAP_NET_RAW)" :
			err == -NLE_OPNOTSUPP ? " (is the nlmon module available? modprobe nlmon)" :
			"");
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	if (open_dev(r, dev))
		goto close;
	/* Hear the family come and go (the controller's notify group). */
	grp = genl_ctrl_resolve_grp(r->ctrl, "nlctrl", "notify");
	if (grp >= 0)
		nl_socket_add_membership(r->ctrl, grp);
	nl_socket_disable_seq_check(r->ctrl);
	nl_socket_modify_cb(r->ctrl, NL_CB_VALID, NL_CB_CUSTOM, drain_ctrl, NULL);
	nl_socket_set_nonblocking(r->ctrl);

	if (open_file(r))
		goto close;
	if (r->secs)
		next = time(NULL) + r->secs;
	fprintf(stderr, "capture: listening on %s, writing %s\n", dev, r->path);

	rc = record_loop(r, next);
	/* What is already queued belongs to the file too. */
	if (r->d && rc == EXIT_OK)
		pcap_dispatch(r->p, -1, on_packet, (u_char *)r);
	if (r->d)
		pcap_dump_close(r->d);
	fprintf(stderr, "capture: %" PRIu64 " frames (%" PRIu64 " of the pwrmig family)\n",
		r->frames, r->family_frames);
close:
	if (r->p)
		pcap_close(r->p);
	nlmon_del(rt, dev);
out:
	nl_socket_free(rt);
	nl_socket_free(r->ctrl);
	return rc;
}

static void capture_usage(FILE *f)
{
	fprintf(f,
		"Usage: pwrmigctl capture -w FILE [-c COUNT] [-G SECS]\n"
		"       pwrmigctl capture -r FILE\n"
		"  -w FILE   record the pwrmig family's netlink traffic (pcap, DLT_NETLINK)\n"
		"            through a temporary nlmon device, until interrupted\n"
		"  -c COUNT  stop after COUNT frames of the family\n"
		"  -G SECS   start a new file every SECS seconds; FILE goes through\n"
		"            strftime(3), or gets a .YYYYmmdd-HHMMSS suffix\n"
		"  -r FILE   print a capture with the family's op and attribute names\n");
}

int cmd_capture(struct ctl *ctl, int argc, char **argv)
{
	struct rec r = { 0 };
	const char *rfile = NULL;
	uint64_t v;
	int i;

	for (i = 0; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "help") || !strcmp(opt, "-h")) {
			capture_usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(opt, "-w") && strcmp(opt, "-r") && strcmp(opt, "-c") &&
		    strcmp(opt, "-G")) {
			fprintf(stderr, "Error: capture: unknown argument '%s'\n", opt);
			capture_usage(stderr);
			return EXIT_USAGE;
		}
		if (++i >= argc) {
			fprintf(stderr, "Error: capture: %s needs a value\n", opt);
			return EXIT_USAGE;
		}
		if (!strcmp(opt, "-w")) {
			r.pattern = argv[i];
		} else if (!strcmp(opt, "-r")) {
			rfile = argv[i];
		} else if (!strcmp(opt, "-c")) {
			if (arg_u64("frame count", argv[i], &r.max))
				return EXIT_USAGE;
			if (!r.max) {
				fprintf(stderr, "Error: frame count must be at least 1\n");
				return EXIT_USAGE;
			}
		} else {
			if (arg_u64("rotation seconds", argv[i], &v))
				return EXIT_USAGE;
			if (!v || v > 86400 * 366) {
				fprintf(stderr, "Error: rotation seconds '%s' must be from 1 "
					"to 31622400\n", argv[i]);
				return EXIT_USAGE;
			}
			r.secs = v;
		}
	}
	if (!!r.pattern == !!rfile) {
		fprintf(stderr, "Error: capture needs one of -w FILE or -r FILE\n");
		capture_usage(stderr);
		return EXIT_USAGE;
	}
	if (rfile) {
		if (r.max || r.secs) {
			fprintf(stderr, "Error: capture: -c and -G go with -w\n");
			return EXIT_USAGE;
		}
		return capture_decode(ctl, rfile);
	}
	return record(&r);
}
