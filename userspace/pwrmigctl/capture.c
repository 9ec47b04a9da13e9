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
#include "specnames.h"

#ifndef DLT_NETLINK
#define DLT_NETLINK 253
#endif
/*
 * Captured on nlmon, every frame is "outgoing": the direction is in the
 * message, since only requests (user to kernel) carry NLM_F_REQUEST.
 */
#define FROM_USER(nlh)	((nlh)->nlmsg_flags & NLM_F_REQUEST)

/*
 * What is the family's and what is not.  The id comes from controller
 * frames naming "pwrmig" (the lookup that every client does, and the
 * family's (un)registration); acks and dump ends are matched to the
 * requests they answer by port and sequence number.
 */
#define NREQS 64
struct track {
	int family;		/* -1: not known yet */
	struct req { uint32_t port, seq; uint8_t cmd, dump; } reqs[NREQS];
	unsigned int nreq;
};

static struct req *find_req(struct track *t, uint32_t port, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < NREQS; i++)
		if (t->reqs[i].port == port && t->reqs[i].seq == seq && port)
			return &t->reqs[i];
	return NULL;
}

enum frame_kind { F_OTHER, F_CTRL, F_OURS };

static const char *ctrl_family_name(const struct nlmsghdr *nlh, int *id)
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
		r = find_req(t, nlh->nlmsg_pid, nlh->nlmsg_seq);
		return r && r->dump ? F_OURS : F_OTHER;
	case GENL_ID_CTRL:
		name = ctrl_family_name(nlh, &id);
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
typedef void (*msg_cb)(void *arg, const struct nlmsghdr *nlh, enum frame_kind kind);

static enum frame_kind walk_frame(struct track *t, const u_char *data, uint32_t caplen,
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
	k = walk_frame(&r->t, data, h->caplen, NULL, NULL);
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

static int record(struct rec *r)
{
	char errbuf[PCAP_ERRBUF_SIZE], dev[IFNAMSIZ];
	struct nl_sock *rt = NULL;
	struct pollfd pfd[2];
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

	r->p = pcap_create(dev, errbuf);
	if (!r->p) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, errbuf);
		goto del;
	}
	pcap_set_snaplen(r->p, 262144);
	pcap_set_immediate_mode(r->p, 1);
	pcap_set_buffer_size(r->p, 8 << 20);
	err = pcap_activate(r->p);
	if (err < 0) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, pcap_geterr(r->p));
		goto close;
	}
	if (pcap_datalink(r->p) != DLT_NETLINK) {
		fprintf(stderr, "Error: capture on %s: link type %d, not DLT_NETLINK\n",
			dev, pcap_datalink(r->p));
		goto close;
	}
	if (pcap_setnonblock(r->p, 1, errbuf)) {
		fprintf(stderr, "Error: capture on %s: %s\n", dev, errbuf);
		goto close;
	}
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

	pfd[0].fd = pcap_get_selectable_fd(r->p);
	pfd[0].events = POLLIN;
	pfd[1].fd = nl_socket_get_fd(r->ctrl);
	pfd[1].events = POLLIN;
	rc = EXIT_OK;
	while (!stop) {
		if (poll(pfd, 2, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "Error: capture: poll: %s\n", strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (pfd[1].revents & POLLIN)
			nl_recvmsgs_default(r->ctrl);
		if (pcap_dispatch(r->p, -1, on_packet, (u_char *)r) < 0) {
			fprintf(stderr, "Error: capture: %s\n", pcap_geterr(r->p));
			rc = EXIT_FAIL;
			break;
		}
		if (next && time(NULL) >= next && !stop) {
			pcap_dump_close(r->d);
			r->d = NULL;
			if (open_file(r)) {
				rc = EXIT_FAIL;
				break;
			}
			while (next <= time(NULL))
				next += r->secs;
		}
	}
	/* What is already queued belongs to the file too. */
	if (r->d && rc == EXIT_OK)
		pcap_dispatch(r->p, -1, on_packet, (u_char *)r);
	if (r->d)
		pcap_dump_close(r->d);
	fprintf(stderr, "capture: %" PRIu64 " frames (%" PRIu64 " of the pwrmig family)\n",
		r->frames, r->family_frames);
close:
	pcap_close(r->p);
del:
	nlmon_del(rt, dev);
out:
	nl_socket_free(rt);
	nl_socket_free(r->ctrl);
	return rc;
}

/* ---- decoding ------------------------------------------------------------- */

struct dec {
	struct ctl *ctl;
	struct track *t;
	const struct pcap_pkthdr *h;
	uint64_t msgs;
};

static void attr_key(char *buf, size_t len, const struct spec_attr *sa, int type)
{
	if (sa && sa->name)
		snprintf(buf, len, "%s", sa->name);
	else
		snprintf(buf, len, "attr-%d", type);
}

static void dec_enum(struct ctl *ctl, const char *key, const struct spec_enum *e, uint64_t v)
{
	char text[256] = "";
	size_t off = 0;
	int i;

	if (!e->flags) {
		if (v >= (uint64_t)e->start && v < (uint64_t)e->start + e->n)
			out_num(ctl, key, v, "%s %s", key, e->names[v - e->start]);
		else
			out_num(ctl, key, v, "%s %" PRIu64, key, v);
		return;
	}
	for (i = 0; i < e->n; i++)
		if (v & (1ULL << i))
			off += snprintf(text + off, sizeof(text) - off, "%s%s",
					off ? "," : "", e->names[i]);
	if (v >> e->n)
		snprintf(text + off, sizeof(text) - off, "%s0x%" PRIx64,
			 off ? "," : "", v >> e->n << e->n);
	out_num(ctl, key, v, "%s %s", key, off ? text : "0");
}

static void dec_attrs(struct ctl *ctl, const struct nlattr *head, int len, int set)
{
	const struct spec_set *s = &spec_sets[set];
	const struct spec_attr *sa;
	static const int size[] = {
		[SPEC_U8] = 1, [SPEC_U16] = 2, [SPEC_U32] = 4, [SPEC_U64] = 8,
		[SPEC_S32] = 4, [SPEC_S64] = 8,
	};
	struct nlattr *a;
	char key[64];
	uint64_t v;
	int rem, type;

	nla_for_each_attr(a, (struct nlattr *)head, len, rem) {
		type = nla_type(a);
		sa = type <= (int)s->max && s->attrs[type].name ? &s->attrs[type] : NULL;
		attr_key(key, sizeof(key), sa, type);
		if (!sa || sa->type == SPEC_BINARY) {
			out_num(ctl, key, nla_len(a), "%s <%d bytes>", key, nla_len(a));
			continue;
		}
		switch (sa->type) {
		case SPEC_PAD:		/* alignment, no data */
			break;
		case SPEC_FLAG:
			out_bool(ctl, key, 1, "%s", key);
			break;
		case SPEC_STRING:
			if (nla_len(a) < 1 || memchr(nla_data(a), 0, nla_len(a)) == NULL) {
				out_str(ctl, key, "", "%s <bad string>", key);
				break;
			}
			out_str(ctl, key, nla_data(a), "%s \"%s\"", key, (char *)nla_data(a));
			break;
		case SPEC_NEST:
			out_nest_begin(ctl, key, sa->multi);
			dec_attrs(ctl, nla_data(a), nla_len(a), sa->nest);
			out_nest_end(ctl);
			break;
		default:
			if (nla_len(a) != size[sa->type]) {
				out_num(ctl, key, nla_len(a), "%s <%d bytes, not %d>", key,
					nla_len(a), size[sa->type]);
				break;
			}
			switch (size[sa->type]) {
			case 1:
				v = nla_get_u8(a);
				break;
			case 2:
				v = nla_get_u16(a);
				break;
			case 4:
				v = sa->type == SPEC_S32 ? (uint64_t)(int64_t)(int32_t)nla_get_u32(a) :
					nla_get_u32(a);
				break;
			default:
				v = nla_get_u64(a);
			}
			if (sa->enumt)
				dec_enum(ctl, key, sa->enumt, v);
			else
				out_num(ctl, key, v, "%s %" PRIu64, key, v);
		}
	}
}

static void dec_head(struct dec *d, const struct nlmsghdr *nlh)
{
	struct ctl *ctl = d->ctl;
	char when[64], text[80];
	struct tm tm;
	time_t sec = d->h->ts.tv_sec;

	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06ldZ",
		 (long)d->h->ts.tv_usec);
	out_obj_begin(ctl);
	out_str(ctl, "time", when, "%s", when);
	out_str(ctl, "from", FROM_USER(nlh) ? "user" : "kernel", "%s",
		FROM_USER(nlh) ? "user" : "kernel");
	if (FROM_USER(nlh))
		snprintf(text, sizeof(text), "port %u", nlh->nlmsg_pid);
	else if (nlh->nlmsg_pid)
		snprintf(text, sizeof(text), "to port %u", nlh->nlmsg_pid);
	else
		snprintf(text, sizeof(text), "multicast");
	out_num(ctl, "port", nlh->nlmsg_pid, "%s", text);
}

static void dec_error(struct dec *d, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct ctl *ctl = d->ctl;
	const struct spec_op *op;
	struct nlattr *a;
	const char *opname = "?";
	struct req *r;
	size_t off, total;
	int len, rem, cmd = -1;

	/* The request's command: echoed by the kernel, or seen earlier. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) + GENL_HDRLEN)
		cmd = ((const struct genlmsghdr *)(e + 1))->cmd;
	else if ((r = find_req(d->t, e->msg.nlmsg_pid, e->msg.nlmsg_seq)))
		cmd = r->cmd;
	op = cmd >= 0 && cmd < (int)spec_nops ? &spec_ops[cmd] : NULL;
	if (op && op->name)
		opname = op->name;
	out_str(ctl, "type", e->error ? "error" : "ack", "%s", e->error ? "error" : "ack");
	out_str(ctl, "op", opname, "%s", opname);
	out_num(ctl, "seq", e->msg.nlmsg_seq, "seq %u", e->msg.nlmsg_seq);
	/* A capture is outside input: any int, INT_MIN and positive too. */
	if (e->error < 0)
		out_num(ctl, "errno", -(long long)e->error, "%s",
			e->error > -4096 ? strerror(-e->error) : "errno out of range");
	else if (e->error > 0)
		out_num(ctl, "bad-error", e->error, "error %d (not an errno)", e->error);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The TLVs follow the error and, uncapped, the echoed request. */
	total = nlh->nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(sizeof(*e));
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off >= total)
		return;
	len = total - off;
	nla_for_each_attr(a, (struct nlattr *)((char *)e + off), len, rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0 &&
		    memchr(nla_data(a), 0, nla_len(a)))
			out_str(ctl, "extack", nla_data(a), "Error: %s", (char *)nla_data(a));
		else if (nla_type(a) == NLMSGERR_ATTR_OFFS && nla_len(a) == 4)
			out_num(ctl, "bad-attr-offset", nla_get_u32(a), "at offset %u",
				nla_get_u32(a));
		else if (nla_type(a) == NLMSGERR_ATTR_MISS_TYPE && nla_len(a) == 4)
			out_num(ctl, "missing-attr", nla_get_u32(a), "missing attribute %u",
				nla_get_u32(a));
	}
}

static const char *ctrl_op(unsigned int cmd)
{
	static const char *const names[] = {
		[CTRL_CMD_NEWFAMILY] = "newfamily",
		[CTRL_CMD_DELFAMILY] = "delfamily",
		[CTRL_CMD_GETFAMILY] = "getfamily",
		[CTRL_CMD_NEWMCAST_GRP] = "newmcast-grp",
		[CTRL_CMD_DELMCAST_GRP] = "delmcast-grp",
		[CTRL_CMD_GETMCAST_GRP] = "getmcast-grp",
		[CTRL_CMD_GETPOLICY] = "getpolicy",
	};

	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] : "other";
}

static void dec_msg(void *arg, const struct nlmsghdr *nlh, enum frame_kind kind)
{
	struct dec *d = arg;
	struct ctl *ctl = d->ctl;
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct spec_op *op;
	const char *what;
	int id;

	d->msgs++;
	dec_head(d, nlh);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		dec_error(d, nlh);
		goto end;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		out_str(ctl, "type", "done", "done");
		out_num(ctl, "seq", nlh->nlmsg_seq, "seq %u", nlh->nlmsg_seq);
		goto end;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		out_str(ctl, "type", "truncated", "truncated message");
		goto end;
	}
	if (kind == F_CTRL) {
		what = ctrl_family_name(nlh, &id);
		out_str(ctl, "type", "ctrl", "ctrl");
		out_str(ctl, "op", ctrl_op(g->cmd), "%s", ctrl_op(g->cmd));
		out_str(ctl, "family", what, "%s", what);
		if (id >= 0)
			out_num(ctl, "family-id", id, "id %d", id);
		goto end;
	}
	op = g->cmd < spec_nops && spec_ops[g->cmd].name ? &spec_ops[g->cmd] : NULL;
	what = !op ? "unknown" : op->notification ? "notification" :
	       FROM_USER(nlh) ? ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ?
			       "dump" : "request") : "reply";
	out_str(ctl, "type", what, "%s", what);
	if (op)
		out_str(ctl, "op", op->name, "%s", op->name);
	else
		out_num(ctl, "cmd", g->cmd, "cmd %u", g->cmd);
	out_num(ctl, "seq", nlh->nlmsg_seq, "seq %u", nlh->nlmsg_seq);
	if (op) {
		out_nest_begin(ctl, "attrs", 0);
		dec_attrs(ctl, (const void *)((const char *)g + GENL_HDRLEN),
			  nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, op->set);
		out_nest_end(ctl);
	}
end:
	out_obj_end(ctl);
}

int capture_decode(struct ctl *ctl, const char *file)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct track t = { .family = -1 };
	struct dec d = { .ctl = ctl, .t = &t };
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t frames = 0, truncated = 0;
	pcap_t *p;
	int rc;

	p = pcap_open_offline(file, errbuf);
	if (!p) {
		fprintf(stderr, "Error: capture file '%s': %s\n", file, errbuf);
		return EXIT_FAIL;
	}
	if (pcap_datalink(p) != DLT_NETLINK) {
		fprintf(stderr, "Error: capture file '%s': link type %s, not NETLINK\n",
			file, pcap_datalink_val_to_name(pcap_datalink(p)) ?: "unknown");
		pcap_close(p);
		return EXIT_FAIL;
	}
	out_list_begin(ctl);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		frames++;
		if (h->caplen < h->len)
			truncated++;
		d.h = h;
		walk_frame(&t, data, h->caplen, dec_msg, &d);
	}
	out_end(ctl);
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "Error: capture file '%s' after frame %" PRIu64 ": %s\n",
			file, frames, pcap_geterr(p));
		pcap_close(p);
		return EXIT_FAIL;
	}
	if (truncated)
		fprintf(stderr, "capture: %" PRIu64 " frames were cut short when captured\n",
			truncated);
	pcap_close(p);
	return EXIT_OK;
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
