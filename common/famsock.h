/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * pwrmigd's family socket: where the module is absent, pwrmigd serves the
 * pwrmig generic netlink family's messages on a UNIX socket
 * (SOCK_SEQPACKET, one netlink message per packet, replies and
 * notifications as the module sends them).  libpwrmig falls back to it.
 *
 * What it adds to netlink: the controller's GETFAMILY is answered on the
 * socket itself (family id and multicast groups); joining a group, which
 * netlink does with setsockopt(), is a message of type
 * PWRMIG_FAMSOCK_JOIN carrying the group's id (a u32) on a connection of
 * its own, answered by an ack.  Root (uid 0) is what CAP_NET_ADMIN is to
 * the module.
 */
#ifndef _PWRMIG_FAMSOCK_H
#define _PWRMIG_FAMSOCK_H

/* The socket, unless PWRMIG_SOCKET in the environment names another. */
#define PWRMIG_FAMSOCK_PATH	"/run/pwrmig/pwrmig.sock"
#define PWRMIG_FAMSOCK_ENV	"PWRMIG_SOCKET"

/* Below NLMSG_MIN_TYPE (0x10): no family can have it. */
#define PWRMIG_FAMSOCK_JOIN	0xf

/* The family id pwrmigd gives the family, as the kernel's first one is. */
#define PWRMIG_FAMSOCK_FAMILY	0x20

#endif
