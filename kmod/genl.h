/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pwrmig.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_PWRMIG_GEN_H
#define _LINUX_PWRMIG_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/pwrmig.h>

int pwrmig_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info);

extern struct genl_family pwrmig_nl_family;

#endif /* _LINUX_PWRMIG_GEN_H */
