/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef _LIBPWRMIG_INTERNAL_H
#define _LIBPWRMIG_INTERNAL_H

#include <stdint.h>
#include <netlink/netlink.h>

#define PWRMIG_EVQ	64

struct pwrmig {
	struct nl_sock *sk;
	int fd;			/* pwrmigd's family socket, -1: the module */
	int family;
	uint32_t api_version;	/* the caller's pwrmig.h (PWRMIG_API_VERSION) */
	int debug;
	char errmsg[256];
	struct pwrmig_error err;
	/* Multicast events: their own socket and a small queue. */
	struct nl_sock *ev_sk;
	int ev_fd;		/* ... on pwrmigd's socket, a connection of its own */
	struct pwrmig_event *evq;
	unsigned int ev_head, ev_len;
	unsigned long ev_dropped;
};

/* One request in flight: what to do with each reply, how it ended. */
struct pwrmig_req {
	struct pwrmig *pw;
	int (*parse)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	int err;
	int done;
};

struct nl_msg *pwrmig_msg(struct pwrmig *pw, uint8_t cmd, int flags);
int pwrmig_request(struct pwrmig *pw, struct nl_msg *msg,
		   int (*parse)(const struct nlmsghdr *, void *), void *arg);
int pwrmig_fail(struct pwrmig *pw, int err);

typedef int (*pwrmig_parse_fn)(const struct nlmsghdr *nlh, void *out);
/* A migration, every field of this version (migrate.c). */
int pwrmig_migration_decode(const struct nlmsghdr *nlh, struct pwrmig_migration *m);

/* Send MSG and decode its one reply into OUT (NULL: expect no reply). */
int pwrmig_do_one(struct pwrmig *pw, struct nl_msg *msg, pwrmig_parse_fn parse,
		  void *out);
/*
 * Send the dump MSG; decode each reply into a scratch object of SIZE
 * bytes and hand it to CB.
 */
int pwrmig_do_dump(struct pwrmig *pw, struct nl_msg *msg, pwrmig_parse_fn parse,
		   size_t size, int (*cb)(const void *obj, void *arg), void *arg);

/* pwrmigd's family socket (famsock.c). */
struct nl_cb;
int pwrmig_famsock_connect(void);
struct nl_sock *pwrmig_famsock_nl(void);
void pwrmig_famsock_hook(struct nl_cb *cb);
/* Route libnl's I/O in this thread to FD (-1: the libnl socket's own). */
int pwrmig_famsock_bind(int fd);
int pwrmig_famsock_join(struct pwrmig *pw, int fd, uint32_t group);
/* Leave the groups and free the event queue (monitor.c). */
void pwrmig_events_close(struct pwrmig *pw);

#endif
