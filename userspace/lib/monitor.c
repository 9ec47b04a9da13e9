// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: multicast events (telemetry, site changes, migrations).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "pwrmig.h"
#include "internal.h"
#include "libpwrmig-spec.h"

int pwrmig_telemetry_parse(const struct nlmsghdr *nlh, struct pwrmig_telemetry *t)
{
	return pwrmig_decode_msg(&pwrmig_bind_telemetry, nlh, t);
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct pwrmig *pw = arg;
	struct pwrmig_event *ev;
	int err = -EBADMSG;

	if (pw->ev_len == PWRMIG_EVQ) {
		pw->ev_dropped++;
		return NL_OK;
	}
	ev = &pw->evq[(pw->ev_head + pw->ev_len) % PWRMIG_EVQ];
	memset(ev, 0, sizeof(*ev));
	ev->cmd = g->cmd;
	switch (g->cmd) {
	case PWRMIG_CMD_TELEMETRY_NTF:
		err = pwrmig_telemetry_parse(nlh, &ev->telemetry);
		break;
	case PWRMIG_CMD_SITE_NTF:
	case PWRMIG_CMD_SITE_DEL_NTF:
		err = pwrmig_site_parse(nlh, &ev->site);
		break;
	case PWRMIG_CMD_MIGRATE_NTF:
		/* Whole: any caller's event has room, its site is larger. */
		err = pwrmig_migration_decode(nlh, &ev->migration);
		break;
	}
	if (!err)
		pw->ev_len++;
	return NL_OK;
}

_Static_assert(sizeof(struct pwrmig_migration) <= sizeof(struct pwrmig_site),
	       "a version 1 caller's struct pwrmig_event has no room for a migration");

/* The event socket: a libnl socket, on pwrmigd's socket a connection too. */
static int events_open(struct pwrmig *pw)
{
	pw->evq = calloc(PWRMIG_EVQ, sizeof(*pw->evq));
	if (!pw->evq)
		return -ENOMEM;
	if (pw->fd >= 0) {
		pw->ev_fd = pwrmig_famsock_connect();
		if (pw->ev_fd < 0)
			return -errno;
		pw->ev_sk = pwrmig_famsock_nl();
	} else {
		pw->ev_sk = nl_socket_alloc();
		if (pw->ev_sk && genl_connect(pw->ev_sk)) {
			nl_socket_free(pw->ev_sk);
			pw->ev_sk = NULL;
		}
	}
	if (!pw->ev_sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(pw->ev_sk);
	nl_socket_modify_cb(pw->ev_sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, pw);
	return 0;
}

void pwrmig_events_close(struct pwrmig *pw)
{
	if (pw->ev_sk)
		nl_socket_free(pw->ev_sk);
	if (pw->ev_fd >= 0)
		close(pw->ev_fd);
	free(pw->evq);
	pw->ev_sk = NULL;
	pw->ev_fd = -1;
	pw->evq = NULL;
}

int pwrmig_subscribe(struct pwrmig *pw, const char *group)
{
	int grp, old, err;

	old = pwrmig_famsock_bind(pw->fd);
	grp = genl_ctrl_resolve_grp(pw->sk, PWRMIG_FAMILY_NAME, group);
	pwrmig_famsock_bind(old);
	if (grp < 0) {
		snprintf(pw->errmsg, sizeof(pw->errmsg), "no multicast group '%s'", group);
		return pwrmig_fail(pw, -ENOENT);
	}
	if (!pw->ev_sk) {
		err = events_open(pw);
		if (err) {
			pwrmig_events_close(pw);
			return pwrmig_fail(pw, err);
		}
	}
	if (pw->ev_fd >= 0) {
		err = pwrmig_famsock_join(pw, pw->ev_fd, grp);
		return err ? pwrmig_fail(pw, err) : 0;
	}
	/* The genetlink core refuses a group its caller may not join. */
	err = nl_socket_add_membership(pw->ev_sk, grp);
	if (err)
		return pwrmig_fail(pw, err == -NLE_PERM ? -EPERM : -EIO);
	return 0;
}

int pwrmig_event_fd(struct pwrmig *pw)
{
	if (pw->ev_fd >= 0)
		return pw->ev_fd;
	return pw->ev_sk ? nl_socket_get_fd(pw->ev_sk) : -1;
}

int pwrmig_event_next(struct pwrmig *pw, int timeout_ms, struct pwrmig_event *ev)
{
	struct pollfd pfd;
	int n, old, err;

	if (!pw->ev_sk)
		return pwrmig_fail(pw, -ENOTCONN);
	while (!pw->ev_len) {
		pfd.fd = pwrmig_event_fd(pw);
		pfd.events = POLLIN;
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			return 0;
		if (n < 0)
			return pwrmig_fail(pw, -errno);
		if (!n)
			return 0;
		old = pwrmig_famsock_bind(pw->ev_fd);
		err = nl_recvmsgs_default(pw->ev_sk);
		pwrmig_famsock_bind(old);
		if (err < 0)
			return pwrmig_fail(pw, -EIO);
		if (!pw->ev_len && timeout_ms == 0)
			return 0;
	}
	*ev = pw->evq[pw->ev_head];
	pw->ev_head = (pw->ev_head + 1) % PWRMIG_EVQ;
	pw->ev_len--;
	return 1;
}
