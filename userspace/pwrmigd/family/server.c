// SPDX-License-Identifier: GPL-2.0
/*
 * The family socket: connections, one netlink message per packet, the
 * controller's GETFAMILY, group membership, and requests checked and
 * answered as the genetlink core does for the module (acks, extended
 * acks, dumps ended by NLMSG_DONE).  Single-threaded, in pwrmigd's loop,
 * which it never makes wait: replies a peer has not taken are queued, its
 * further requests wait for it, a dump stops and resumes as the kernel's
 * do, and an event it has no room for is missed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "famsock.h"
#include "internal.h"

#define MAX_CONNS	64
#define MAX_PACKET	65536
/*
 * Replies a peer has not taken yet, past which its requests wait: the
 * queue holds at most this plus the replies of one request.
 */
#define OUT_SOFT	65536

struct fam_conn {
	int fd;
	uint32_t port;		/* as a claimant: from 1, never reused */
	uid_t uid;
	unsigned int groups;	/* bit per enum fam_group */
	uint32_t events;	/* as registered with epoll */
	/* Replies not taken yet: whole messages, each sent as one packet. */
	char *out;
	size_t out_len, out_off, out_cap;
	/*
	 * Requests held back until the replies are taken: the rest of a
	 * packet, in order; the first of them is a dump to resume after
	 * CURSOR when DUMPING.
	 */
	char *held;
	int held_len;
	int dumping;
	uint64_t cursor;
};

struct pd_family {
	struct pd *pd;
	int lfd, epfd;
	int bound;		/* the path is ours to remove */
	char path[108];
	struct fam_conn conns[MAX_CONNS];
	uint32_t next_port;
	char *buf;
	struct pwrmig_broker broker;
	pd_family_migrate_cb on_migrate;
	void *on_migrate_arg;
};

static const char *const group_names[FAM_NR_GROUPS] = {
	[FAM_GRP_TELEMETRY] = "telemetry",
	[FAM_GRP_MIGRATE] = "migrate",
};

struct pd *fam_pd(struct pd_family *f)
{
	return f->pd;
}

int fam_open_reads(const struct pd_family *f)
{
	return f->pd->cfg.open_reads;
}

struct pwrmig_broker *fam_broker(struct pd_family *f)
{
	return &f->broker;
}

void pd_family_on_migrate(struct pd_family *f, pd_family_migrate_cb cb, void *arg)
{
	f->on_migrate = cb;
	f->on_migrate_arg = arg;
}

void fam_migrate_hook(struct pd_family *f, const struct pwrmig_migration *mig)
{
	if (f->on_migrate)
		f->on_migrate(f->on_migrate_arg, mig);
}

uint32_t fam_port(const struct fam_req *r)
{
	return r->c->port;
}

static void conn_drop(struct pd_family *f, struct fam_conn *c)
{
	uint32_t port = c->port;

	epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c->held);
	*c = (struct fam_conn){ .fd = -1 };
	/* Its claims, for a restarted daemon to claim again by id. */
	fam_migrate_release(f, port);
}

/* Wait for EVENTS (EPOLLIN: requests; EPOLLOUT: room for replies). */
static void want(struct pd_family *f, struct fam_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = c - f->conns };

	if (c->events != events && !epoll_ctl(f->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->events = events;
}

static int queued(const struct fam_conn *c)
{
	return c->out_len > c->out_off;
}

static int congested(const struct fam_conn *c)
{
	return c->out_len - c->out_off >= OUT_SOFT;
}

int fam_congested(const struct fam_req *r)
{
	return congested(r->c);
}

static int enqueue(struct fam_conn *c, const void *p, size_t len)
{
	size_t need = c->out_len + NLMSG_ALIGN(len), cap;
	char *q;

	if (need > c->out_cap) {
		for (cap = c->out_cap ? c->out_cap : 4096; cap < need; cap *= 2)
			;
		q = realloc(c->out, cap);
		if (!q)
			return -ENOMEM;
		c->out = q;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, len);
	memset(c->out + c->out_len + len, 0, NLMSG_ALIGN(len) - len);
	c->out_len = need;
	return 0;
}

/*
 * One message to C's peer, never waiting: sent now, or queued behind the
 * ones it has not taken (an event it is too slow for is not queued: it
 * misses it, as a netlink listener whose buffer is full does).
 */
static int send_to(struct pd_family *f, struct fam_conn *c, const void *p, size_t len,
		   int event)
{
	ssize_t n;

	if (c->fd < 0)
		return -ENOTCONN;
	if (!queued(c)) {
		n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			pd_log(1, "family socket: a peer is dropped: %s",
			       n >= 0 ? "short send" : strerror(errno));
			conn_drop(f, c);
			return -EPIPE;
		}
	}
	if (event)
		return -EAGAIN;
	if (enqueue(c, p, len)) {
		pd_log(1, "family socket: no memory for a peer's replies: dropped");
		conn_drop(f, c);
		return -EPIPE;
	}
	want(f, c, EPOLLOUT);
	return 0;
}

struct nl_msg *fam_new(const struct fam_req *r, uint8_t cmd, uint16_t flags)
{
	struct nl_msg *m = nlmsg_alloc_size(MAX_PACKET);

	if (!m)
		return NULL;
	if (!genlmsg_put(m, r ? r->nlh->nlmsg_pid : 0, r ? r->nlh->nlmsg_seq : 0,
			 PWRMIG_FAMSOCK_FAMILY, 0, flags, cmd, PWRMIG_FAMILY_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

int fam_send(struct fam_req *r, struct nl_msg *m)
{
	struct nlmsghdr *nlh;
	int err;

	if (!m)
		return fam_fail(r, -ENOMEM, NULL, NULL);
	nlh = nlmsg_hdr(m);
	err = send_to(r->f, r->c, nlh, nlh->nlmsg_len, 0);
	nlmsg_free(m);
	return err;
}

void fam_multicast(struct pd_family *f, unsigned int group, struct nl_msg *m)
{
	struct nlmsghdr *nlh;
	unsigned int i;

	if (!m)
		return;
	nlh = nlmsg_hdr(m);
	for (i = 0; i < MAX_CONNS; i++)
		if (f->conns[i].fd >= 0 && (f->conns[i].groups & (1u << group)))
			send_to(f, &f->conns[i], nlh, nlh->nlmsg_len, 1);
	nlmsg_free(m);
}

/*
 * NLMSG_ERROR for REQ: ERR (0 is an ack), the request's header (capped),
 * then the extended ack (message, offset of the bad attribute, missing
 * attribute), as the kernel sends them.
 */
static void ack(struct pd_family *f, struct fam_conn *c, const struct nlmsghdr *req,
		const struct fam_err *e)
{
	struct nl_msg *m = nlmsg_alloc_size(4096);
	struct nlmsgerr *ne;
	struct nlmsghdr *nlh;
	uint16_t flags = NLM_F_CAPPED;

	if (!m)
		return;
	if (e->err && (e->msg || e->attr || e->miss_type))
		flags |= NLM_F_ACK_TLVS;
	nlh = nlmsg_put(m, req->nlmsg_pid, req->nlmsg_seq, NLMSG_ERROR,
			sizeof(*ne), flags);
	if (!nlh)
		goto out;
	ne = nlmsg_data(nlh);
	ne->error = e->err;
	ne->msg = *req;
	if (e->err && e->msg)
		nla_put_string(m, NLMSGERR_ATTR_MSG, e->msg);
	if (e->err && e->attr)
		nla_put_u32(m, NLMSGERR_ATTR_OFFS,
			    (const char *)e->attr - (const char *)req);
	if (e->err && e->miss_type)
		nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, e->miss_type);
	nlh = nlmsg_hdr(m);
	send_to(f, c, nlh, nlh->nlmsg_len, 0);
out:
	nlmsg_free(m);
}

static void ack_err(struct pd_family *f, struct fam_conn *c,
		    const struct nlmsghdr *req, int err)
{
	struct fam_err e = { .err = err };

	ack(f, c, req, &e);
}

/* End of a dump: NLMSG_DONE carrying its status. */
static void done(struct fam_req *r, int err)
{
	struct {
		struct nlmsghdr nlh;
		int err;
	} d = {
		.nlh = {
			.nlmsg_len = sizeof(d), .nlmsg_type = NLMSG_DONE,
			.nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = r->nlh->nlmsg_seq,
			.nlmsg_pid = r->nlh->nlmsg_pid,
		},
		.err = err,
	};

	send_to(r->f, r->c, &d, sizeof(d), 0);
}

/* What a GETFAMILY may name the family by: a terminated name, a u16 id. */
static struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
	[CTRL_ATTR_FAMILY_NAME] = { .type = NLA_STRING },
};

/* The controller's answer for this family: id, name, groups. */
static void getfamily(struct pd_family *f, struct fam_conn *c, const struct nlmsghdr *req)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *grps, *grp;
	struct nl_msg *m;
	unsigned int i;
	int dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (genlmsg_parse((struct nlmsghdr *)req, 0, tb, CTRL_ATTR_MAX, ctrl_policy))
		return ack_err(f, c, req, -EINVAL);
	if (!dump && !(tb[CTRL_ATTR_FAMILY_NAME] &&
		       !strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), PWRMIG_FAMILY_NAME)) &&
	    !(tb[CTRL_ATTR_FAMILY_ID] &&
	      nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == PWRMIG_FAMSOCK_FAMILY))
		return ack_err(f, c, req, -ENOENT);
	m = nlmsg_alloc_size(4096);
	if (!m || !genlmsg_put(m, req->nlmsg_pid, req->nlmsg_seq, GENL_ID_CTRL, 0,
			       dump ? NLM_F_MULTI : 0, CTRL_CMD_NEWFAMILY, 2))
		goto fail;
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, PWRMIG_FAMSOCK_FAMILY);
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, PWRMIG_FAMILY_NAME);
	nla_put_u32(m, CTRL_ATTR_VERSION, PWRMIG_FAMILY_VERSION);
	nla_put_u32(m, CTRL_ATTR_HDRSIZE, 0);
	grps = nla_nest_start(m, CTRL_ATTR_MCAST_GROUPS);
	for (i = 1; i < FAM_NR_GROUPS; i++) {
		grp = nla_nest_start(m, i);
		nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, i);
		nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, group_names[i]);
		nla_nest_end(m, grp);
	}
	nla_nest_end(m, grps);
	send_to(f, c, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, 0);
	nlmsg_free(m);
	if (dump) {
		struct fam_req r = { .f = f, .c = c, .nlh = req };

		done(&r, 0);
	} else if (req->nlmsg_flags & NLM_F_ACK) {
		ack_err(f, c, req, 0);
	}
	return;
fail:
	nlmsg_free(m);
	ack_err(f, c, req, -ENOMEM);
}

/* Joining a group, which netlink does with setsockopt(). */
static void join(struct pd_family *f, struct fam_conn *c, const struct nlmsghdr *req)
{
	uint32_t group;

	if (req->nlmsg_len < NLMSG_LENGTH(sizeof(group)))
		return ack_err(f, c, req, -EINVAL);
	memcpy(&group, NLMSG_DATA(req), sizeof(group));
	if (!group || group >= FAM_NR_GROUPS)
		return ack_err(f, c, req, -EINVAL);
	/* As the module's groups: the migrate group, and telemetry unless open. */
	if (c->uid != 0 && (group != FAM_GRP_TELEMETRY || !fam_open_reads(f)))
		return ack_err(f, c, req, -EPERM);
	c->groups |= 1u << group;
	ack_err(f, c, req, 0);
}

/*
 * A request of the family, as genl_family_rcv_msg() takes it.  FAM_MORE:
 * a dump stopped for the peer to take its replies, resumed after
 * C->cursor.
 */
static int family_msg(struct pd_family *f, struct fam_conn *c, const struct nlmsghdr *nlh)
{
	struct fam_req r = { .f = f, .c = c, .nlh = nlh, .admin = c->uid == 0 };
	int err;

	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
		ack_err(f, c, nlh, -EINVAL);
		return 0;
	}
	r.g = NLMSG_DATA(nlh);
	r.dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (r.g->reserved) {
		r.e = (struct fam_err){ .err = -EINVAL,
					.msg = "genlmsghdr.reserved field is not 0" };
		ack(f, c, nlh, &r.e);
		return 0;
	}
	r.op = r.g->cmd < spec_nops && spec_ops[r.g->cmd].name ? &spec_ops[r.g->cmd] : NULL;
	if (!r.op || r.op->notification || (r.dump ? !r.op->has_dump : !r.op->has_do)) {
		ack_err(f, c, nlh, -EOPNOTSUPP);
		return 0;
	}
	r.cursor = c->dumping ? c->cursor : 0;
	err = fam_validate(&r);
	if (!err)
		err = fam_op(&r);
	c->dumping = err == FAM_MORE;
	c->cursor = r.cursor;
	if (err == FAM_MORE)
		return FAM_MORE;
	if (r.dump && !err)
		done(&r, 0);
	else if (err || (nlh->nlmsg_flags & NLM_F_ACK)) {
		r.e.err = err;
		ack(f, c, nlh, &r.e);
	}
	return 0;
}

/* Keep the requests from NLH on (LEN bytes) until the replies are taken. */
static void hold(struct pd_family *f, struct fam_conn *c, const struct nlmsghdr *nlh, int len)
{
	char *p = malloc(len);

	if (!p) {
		pd_log(1, "family socket: no memory to hold a peer's requests: dropped");
		conn_drop(f, c);
		return;
	}
	memcpy(p, nlh, len);
	free(c->held);
	c->held = p;
	c->held_len = len;
}

/* The messages of a packet, in order, while the peer takes its replies. */
static void process(struct pd_family *f, struct fam_conn *c, const void *buf, int len)
{
	const struct nlmsghdr *nlh = buf;

	for (; NLMSG_OK(nlh, len) && c->fd >= 0; nlh = NLMSG_NEXT(nlh, len)) {
		if (congested(c))
			return hold(f, c, nlh, len);
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST))
			continue;
		if (nlh->nlmsg_type == PWRMIG_FAMSOCK_JOIN)
			join(f, c, nlh);
		else if (nlh->nlmsg_type == GENL_ID_CTRL)
			getfamily(f, c, nlh);
		else if (nlh->nlmsg_type == PWRMIG_FAMSOCK_FAMILY) {
			if (family_msg(f, c, nlh) == FAM_MORE && c->fd >= 0)
				return hold(f, c, nlh, len);
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			ack_err(f, c, nlh, -ENOENT);
	}
}

/* Room for replies: send what is queued, then go on with held requests. */
static void writable(struct pd_family *f, struct fam_conn *c)
{
	const struct nlmsghdr *h;
	ssize_t n;
	char *held;

	while (queued(c)) {
		h = (const void *)(c->out + c->out_off);
		n = send(c->fd, h, h->nlmsg_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n != (ssize_t)h->nlmsg_len) {
			pd_log(1, "family socket: a peer is dropped: %s",
			       n >= 0 ? "short send" : strerror(errno));
			return conn_drop(f, c);
		}
		c->out_off += NLMSG_ALIGN(h->nlmsg_len);
	}
	c->out_off = c->out_len = 0;
	held = c->held;
	if (held) {
		c->held = NULL;
		process(f, c, held, c->held_len);
		free(held);
	}
	if (c->fd >= 0 && !queued(c) && !c->held)
		want(f, c, EPOLLIN);
}

static void readable(struct pd_family *f, struct fam_conn *c)
{
	ssize_t n;

	/* Gone while its replies or requests waited: nobody to answer. */
	if (queued(c) || c->held)
		return conn_drop(f, c);
	n = recv(c->fd, f->buf, MAX_PACKET, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || n > MAX_PACKET) {
		if (n > MAX_PACKET)
			pd_log(1, "family socket: a peer sent %zd bytes in one message: dropped", n);
		conn_drop(f, c);
		return;
	}
	process(f, c, f->buf, (int)n);
}

static void accept_one(struct pd_family *f)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	unsigned int i;
	int fd;

	fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_CONNS && f->conns[i].fd >= 0; i++)
		;
	if (i == MAX_CONNS || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		pd_log(1, "family socket: a connection is refused (%u open at most)", MAX_CONNS);
		close(fd);
		return;
	}
	ev.data.u32 = i;
	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return;
	}
	if (!++f->next_port)
		f->next_port = 1;
	f->conns[i] = (struct fam_conn){ .fd = fd, .port = f->next_port, .uid = cred.uid,
					 .events = EPOLLIN };
}

void pd_family_serve(struct pd_family *f)
{
	struct epoll_event ev[16];
	int n, i;

	n = epoll_wait(f->epfd, ev, 16, 0);
	for (i = 0; i < n; i++) {
		struct fam_conn *c = &f->conns[ev[i].data.u32];

		if (ev[i].data.u32 == MAX_CONNS) {
			accept_one(f);
			continue;
		}
		if (c->fd >= 0 && (ev[i].events & EPOLLOUT))
			writable(f, c);
		if (c->fd >= 0 && (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			readable(f, c);
	}
}

int pd_family_fd(const struct pd_family *f)
{
	return f ? f->epfd : -1;
}

void pd_family_sampled(struct pd_family *f)
{
	if (!f)
		return;
	fam_telemetry(f);
	fam_migrate_tick(f);
}

/* Bind PATH: its folder made, a stale socket (not another file) replaced. */
static int listen_at(struct pd_family *f, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)], *slash;
	struct stat st;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		pd_log(0, "family socket %s: the path is too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	f->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->lfd < 0) {
		pd_log(0, "family socket: %s", strerror(errno));
		return -1;
	}
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			pd_log(0, "family socket %s: the path exists and is not a socket", path);
			goto fail;
		}
		/* A socket someone answers on is another pwrmigd's: leave it. */
		if (!connect(f->lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
		    errno == EAGAIN) {
			pd_log(0, "family socket %s: another pwrmigd serves it", path);
			goto fail;
		}
		unlink(path);
	}
	f->bound = 1;
	if (bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0666) || listen(f->lfd, 16)) {
		pd_log(0, "family socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	close(f->lfd);
	f->lfd = -1;
	return -1;
}

int pd_family_start(struct pd *pd, struct pd_family **out)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = MAX_CONNS };
	struct pd_family *f = calloc(1, sizeof(*f));
	unsigned int i;

	*out = NULL;
	if (!f)
		return -1;
	f->pd = pd;
	f->lfd = -1;
	for (i = 0; i < MAX_CONNS; i++)
		f->conns[i].fd = -1;
	snprintf(f->path, sizeof(f->path), "%s", pd->cfg.socket_path);
	f->buf = malloc(MAX_PACKET);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!f->buf || f->epfd < 0 || listen_at(f, f->path) ||
	    epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->lfd, &ev)) {
		pd_family_stop(f);
		return -1;
	}
	/* This daemon's own threads reach it there (pd_family_client()). */
	setenv(PWRMIG_FAMSOCK_ENV, f->path, 1);
	pd_log(0, "serving the pwrmig family on %s (module-less)", f->path);
	*out = f;
	return 0;
}

static void migrate_free(struct pwrmig_migrate *m)
{
	free(m);
}

void pd_family_stop(struct pd_family *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < MAX_CONNS; i++)
		if (f->conns[i].fd >= 0) {
			close(f->conns[i].fd);
			free(f->conns[i].out);
			free(f->conns[i].held);
		}
	pwrmig_broker_clear(&f->broker, migrate_free);
	if (f->lfd >= 0)
		close(f->lfd);
	if (f->bound)
		unlink(f->path);
	if (f->epfd >= 0)
		close(f->epfd);
	free(f->buf);
	free(f);
}
