// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: the same requests over pwrmigd's family socket, for nodes
 * without the module (common/famsock.h).  The library's libnl socket
 * builds and parses messages as ever; only its I/O is replaced, by libnl's
 * send and receive hooks, for the calls made while a connection is bound
 * to the thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "famsock.h"
#include "pwrmig.h"
#include "internal.h"

/* The connection libnl's hooks use during the current call. */
static __thread int io_fd = -1;

static int famsock_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
			unsigned char **buf, struct ucred **creds)
{
	ssize_t len, n;

	do
		len = recv(io_fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -NLE_FAILURE;
	if (len == 0)
		return -NLE_BAD_SOCK;	/* pwrmigd closed it */
	*buf = malloc(len);
	if (!*buf)
		return -NLE_NOMEM;
	n = recv(io_fd, *buf, len, 0);
	if (n != len) {
		free(*buf);
		*buf = NULL;
		return -NLE_FAILURE;
	}
	memset(nla, 0, sizeof(*nla));
	nla->nl_family = AF_NETLINK;
	if (creds)
		*creds = NULL;
	return n;
}

static int famsock_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	ssize_t n;

	n = send(io_fd, nlh, nlh->nlmsg_len, MSG_NOSIGNAL);
	return n == (ssize_t)nlh->nlmsg_len ? (int)n : -NLE_FAILURE;
}

void pwrmig_famsock_hook(struct nl_cb *cb)
{
	nl_cb_overwrite_recv(cb, famsock_recv);
	nl_cb_overwrite_send(cb, famsock_send);
}

int pwrmig_famsock_bind(int fd)
{
	int old = io_fd;

	io_fd = fd;
	return old;
}

int pwrmig_famsock_connect(void)
{
	const char *path = getenv(PWRMIG_FAMSOCK_ENV);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (!path || !*path)
		path = PWRMIG_FAMSOCK_PATH;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A libnl socket whose I/O goes to FD (bound per call). */
struct nl_sock *pwrmig_famsock_nl(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cb *cb;

	if (!sk)
		return NULL;
	cb = nl_socket_get_cb(sk);
	pwrmig_famsock_hook(cb);
	nl_cb_put(cb);
	return sk;
}

int pwrmig_famsock_join(struct pwrmig *pw, int fd, uint32_t group)
{
	struct {
		struct nlmsghdr nlh;
		uint32_t group;
	} m = {
		.nlh = {
			.nlmsg_len = sizeof(m),
			.nlmsg_type = PWRMIG_FAMSOCK_JOIN,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.group = group,
	};
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr e;
	} r;
	ssize_t n;

	if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -errno;
	do
		n = recv(fd, &r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof(r) || r.nlh.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return r.e.error;
}
