// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl capture -r: a pcap file of the pwrmig family printed frame by
 * frame, with the op and attribute names, types, enums and checks of the
 * spec (tables generated from the YAML), extended ACKs included.
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
	else if ((r = cap_find_req(d->t, e->msg.nlmsg_pid, e->msg.nlmsg_seq)))
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
		what = cap_ctrl_family_name(nlh, &id);
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
		cap_walk_frame(&t, data, h->caplen, dec_msg, &d);
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
