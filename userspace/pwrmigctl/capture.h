/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pwrmigctl capture: capture.c records and tells the family's
 * frames from the rest; capture_decode.c prints them by the spec's names.
 */
#ifndef _PWRMIGCTL_CAPTURE_H
#define _PWRMIGCTL_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>

#include <linux/netlink.h>

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

enum frame_kind { F_OTHER, F_CTRL, F_OURS };

/* Called for each netlink message of a frame, with what it is. */
typedef void (*msg_cb)(void *arg, const struct nlmsghdr *nlh, enum frame_kind kind);

/* The request of PORT and SEQ that T follows, or NULL. */
struct req *cap_find_req(struct track *t, uint32_t port, uint32_t seq);
/* The family a controller message names ("pwrmig" or another), its id in *ID. */
const char *cap_ctrl_family_name(const struct nlmsghdr *nlh, int *id);
/*
 * Every message of one captured frame (after the 16-byte cooked header)
 * to CB: the most of the family's any of them is (F_OURS over F_CTRL).
 */
enum frame_kind cap_walk_frame(struct track *t, const u_char *data, uint32_t caplen,
			       msg_cb cb, void *arg);

#endif
