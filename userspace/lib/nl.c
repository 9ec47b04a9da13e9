// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: connection to the family, requests, extended-ack errors.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "pwrmig.h"
#include "internal.h"

/* Options past the SZ this library knows must be zero (libbpf's rule). */
static int opts_valid(const struct pwrmig_open_opts *opts)
{
	const char *p = (const char *)opts;
	size_t i;

	if (opts->sz < offsetof(struct pwrmig_open_opts, api_version) +
		       sizeof(opts->api_version))
		return -EINVAL;
	for (i = sizeof(*opts); i < opts->sz; i++)
		if (p[i])
			return -EINVAL;
	if (opts->api_version > PWRMIG_API_VERSION)
		return -ENOTSUP;
	if (opts->sz >= offsetof(struct pwrmig_open_opts, backend) + sizeof(opts->backend) &&
	    opts->backend > PWRMIG_BACKEND_DAEMON)
		return -EINVAL;
	return 0;
}

struct pwrmig *pwrmig_open(void)
{
	struct pwrmig_open_opts opts = {
		.sz = sizeof(opts),
		.api_version = 1,
	};

	return pwrmig_open_opts(&opts);
}

/* The module's family: 0, -ENOENT when it is not registered. */
static int open_module(struct pwrmig *pw)
{
	int one = 1;

	pw->sk = nl_socket_alloc();
	if (!pw->sk)
		return -ENOMEM;
	if (genl_connect(pw->sk))
		return -EIO;
	/* Ask for the kernel's error messages and bad-attribute offsets. */
	setsockopt(nl_socket_get_fd(pw->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	pw->family = genl_ctrl_resolve(pw->sk, PWRMIG_FAMILY_NAME);
	if (pw->family < 0)
		return pw->family == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
	return 0;
}

/* pwrmigd's family socket: 0, -ENOENT when nothing serves it. */
static int open_daemon(struct pwrmig *pw)
{
	int old;

	pw->fd = pwrmig_famsock_connect();
	if (pw->fd < 0)
		return -ENOENT;
	pw->sk = pwrmig_famsock_nl();
	if (!pw->sk)
		return -ENOMEM;
	old = pwrmig_famsock_bind(pw->fd);
	pw->family = genl_ctrl_resolve(pw->sk, PWRMIG_FAMILY_NAME);
	pwrmig_famsock_bind(old);
	return pw->family < 0 ? -ENOENT : 0;
}

static void drop_backend(struct pwrmig *pw)
{
	if (pw->sk)
		nl_socket_free(pw->sk);
	if (pw->fd >= 0)
		close(pw->fd);
	pw->sk = NULL;
	pw->fd = -1;
}

struct pwrmig *pwrmig_open_opts(const struct pwrmig_open_opts *opts)
{
	struct pwrmig *pw;
	uint32_t backend;
	int err;

	err = opts ? opts_valid(opts) : -EINVAL;
	if (err) {
		errno = -err;
		return NULL;
	}
	pw = calloc(1, sizeof(*pw));
	if (!pw)
		return NULL;
	pw->fd = pw->ev_fd = -1;
	pw->api_version = opts->api_version ? opts->api_version : 1;
	/* The module where it is loaded, else pwrmigd's socket. */
	backend = opts->sz >= offsetof(struct pwrmig_open_opts, backend) +
			      sizeof(opts->backend) ? opts->backend : PWRMIG_BACKEND_ANY;
	err = backend == PWRMIG_BACKEND_DAEMON ? -ENOENT : open_module(pw);
	if (err == -ENOENT && backend != PWRMIG_BACKEND_MODULE) {
		drop_backend(pw);
		err = open_daemon(pw);
	}
	if (err) {
		drop_backend(pw);
		free(pw);
		errno = -err;
		return NULL;
	}
	return pw;
}

const char *pwrmig_backend(const struct pwrmig *pw)
{
	return pw->fd >= 0 ? "pwrmigd" : "module";
}

void pwrmig_close(struct pwrmig *pw)
{
	if (!pw)
		return;
	drop_backend(pw);
	pwrmig_events_close(pw);
	free(pw);
}

void pwrmig_set_debug(struct pwrmig *pw, int on)
{
	pw->debug = on;
}

const char *pwrmig_errmsg(const struct pwrmig *pw)
{
	return pw->errmsg[0] ? pw->errmsg : "no error";
}

/*
 * The error callback sees the nlmsgerr payload; the message header sits
 * right before it.  Extended-ack TLVs follow the echoed request, which is
 * cut to its header when the kernel set NLM_F_CAPPED.
 */
static int pwrmig_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh = (const void *)((char *)e - NLMSG_HDRLEN);
	struct pwrmig_req *req = arg;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int len;

	req->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len, NULL))
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG]) {
		snprintf(req->pw->errmsg, sizeof(req->pw->errmsg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
		req->pw->err.has_msg = 1;
	}
	if (tb[NLMSGERR_ATTR_OFFS])
		req->pw->err.bad_attr_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		req->pw->err.miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	return NL_STOP;
}

static int pwrmig_valid_cb(struct nl_msg *msg, void *arg)
{
	struct pwrmig_req *req = arg;

	if (req->pw->debug)
		nl_msg_dump(msg, stderr);
	return req->parse ? req->parse(nlmsg_hdr(msg), req->arg) : NL_OK;
}

static int pwrmig_ack_cb(struct nl_msg *msg, void *arg)
{
	struct pwrmig_req *req = arg;

	req->done = 1;
	return NL_STOP;
}

static int pwrmig_finish_cb(struct nl_msg *msg, void *arg)
{
	struct pwrmig_req *req = arg;

	req->done = 1;
	return NL_STOP;
}

int pwrmig_request(struct pwrmig *pw, struct nl_msg *msg,
		   int (*parse)(const struct nlmsghdr *, void *), void *arg)
{
	struct pwrmig_req req = { .pw = pw, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err, old_fd;

	pw->errmsg[0] = '\0';
	memset(&pw->err, 0, sizeof(pw->err));
	cb = nl_cb_alloc(pw->debug ? NL_CB_DEBUG : NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return pwrmig_fail(pw, -ENOMEM);
	}
	if (pw->fd >= 0)
		pwrmig_famsock_hook(cb);
	nl_cb_err(cb, NL_CB_CUSTOM, pwrmig_err_cb, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, pwrmig_valid_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, pwrmig_ack_cb, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, pwrmig_finish_cb, &req);

	old_fd = pwrmig_famsock_bind(pw->fd);
	err = nl_send_auto(pw->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		pwrmig_famsock_bind(old_fd);
		nl_cb_put(cb);
		return pwrmig_fail(pw, -EIO);
	}
	while (!req.done && !req.err) {
		err = nl_recvmsgs(pw->sk, cb);
		if (err < 0 && !req.err) {
			if (pw->fd >= 0)
				snprintf(pw->errmsg, sizeof(pw->errmsg),
					 "pwrmigd's socket: %s", nl_geterror(err));
			else
				snprintf(pw->errmsg, sizeof(pw->errmsg),
					 "netlink: %s", nl_geterror(err));
			req.err = -EIO;
		}
	}
	pwrmig_famsock_bind(old_fd);
	nl_cb_put(cb);
	if (req.err)
		return pwrmig_fail(pw, req.err);
	return 0;
}

const struct pwrmig_error *pwrmig_last_error(const struct pwrmig *pw)
{
	return &pw->err;
}

int pwrmig_fail(struct pwrmig *pw, int err)
{
	pw->err.error = err;
	if (!pw->errmsg[0])
		snprintf(pw->errmsg, sizeof(pw->errmsg), "%s", strerror(-err));
	return err;
}

struct nl_msg *pwrmig_msg(struct pwrmig *pw, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, pw->family, 0,
			 flags | NLM_F_ACK, cmd, PWRMIG_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct one_ctx {
	pwrmig_parse_fn parse;
	void *out;
	int err;
	int seen;
};

static int one_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct one_ctx *c = arg;

	/* A NULL OUT: the caller only wants to know it worked. */
	if (c->parse && c->out && !c->seen)
		c->err = c->parse(nlh, c->out);
	c->seen = 1;
	return NL_OK;
}

int pwrmig_do_one(struct pwrmig *pw, struct nl_msg *msg, pwrmig_parse_fn parse,
		  void *out)
{
	struct one_ctx c = { .parse = parse, .out = out };
	int err;

	if (!msg)
		return pwrmig_fail(pw, -ENOMEM);
	err = pwrmig_request(pw, msg, one_cb, &c);
	if (err)
		return err;
	if (parse && !c.seen)
		c.err = -ENODATA;
	if (c.err) {
		snprintf(pw->errmsg, sizeof(pw->errmsg),
			 "malformed reply from the module");
		return pwrmig_fail(pw, c.err);
	}
	return 0;
}

struct dump_ctx {
	pwrmig_parse_fn parse;
	void *obj;
	int (*cb)(const void *obj, void *arg);
	void *arg;
	int err;
	int stop;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;
	int err;

	if (c->stop || c->err)
		return NL_OK;	/* drain the rest of the dump */
	err = c->parse(nlh, c->obj);
	if (err) {
		c->err = err;
		return NL_OK;
	}
	if (c->cb(c->obj, c->arg))
		c->stop = 1;
	return NL_OK;
}

int pwrmig_do_dump(struct pwrmig *pw, struct nl_msg *msg, pwrmig_parse_fn parse,
		   size_t size, int (*cb)(const void *obj, void *arg), void *arg)
{
	struct dump_ctx c = { .parse = parse, .cb = cb, .arg = arg };
	int err;

	if (!msg)
		return pwrmig_fail(pw, -ENOMEM);
	c.obj = calloc(1, size);
	if (!c.obj) {
		nlmsg_free(msg);
		return pwrmig_fail(pw, -ENOMEM);
	}
	err = pwrmig_request(pw, msg, dump_cb, &c);
	free(c.obj);
	if (err)
		return err;
	if (c.err) {
		snprintf(pw->errmsg, sizeof(pw->errmsg),
			 "malformed dump message from the module");
		return pwrmig_fail(pw, c.err);
	}
	return 0;
}
