/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PWRMIG_H
#define _PWRMIG_H

#include <linux/types.h>
#include <uapi/linux/pwrmig.h>

#ifndef PWRMIG_VERSION
#error "PWRMIG_VERSION must come from the VERSION file (see Kbuild)"
#endif

/* Module-wide state that the netlink handlers report. */
struct pwrmig_state {
	enum pwrmig_meter_kind meter_kind;
};

extern struct pwrmig_state pwrmig;

const char *pwrmig_meter_kind_name(enum pwrmig_meter_kind kind);

#endif /* _PWRMIG_H */
