/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pwrmig.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_PWRMIG_H
#define _UAPI_LINUX_PWRMIG_H

#define PWRMIG_FAMILY_NAME	"pwrmig"
#define PWRMIG_FAMILY_VERSION	1

/**
 * enum pwrmig_meter_kind - Where the module's CPU energy figures come from.
 * @PWRMIG_METER_KIND_RAPL: Measured by the processor's RAPL energy counters
 *   (Intel or AMD MSRs).
 * @PWRMIG_METER_KIND_MODEL: Estimated from per-CPU idle and active power;
 *   every figure derived from it is flagged estimated.
 * @PWRMIG_METER_KIND_TEST: Driven through debugfs by tests; never picked
 *   automatically.
 */
enum pwrmig_meter_kind {
	PWRMIG_METER_KIND_RAPL = 1,
	PWRMIG_METER_KIND_MODEL,
	PWRMIG_METER_KIND_TEST,
};

enum {
	PWRMIG_A_INFO_VERSION = 1,
	PWRMIG_A_INFO_METER_KIND,
	PWRMIG_A_INFO_CPUS,
	PWRMIG_A_INFO_PACKAGES,

	__PWRMIG_A_INFO_MAX,
	PWRMIG_A_INFO_MAX = (__PWRMIG_A_INFO_MAX - 1)
};

enum {
	PWRMIG_CMD_INFO_GET = 1,

	__PWRMIG_CMD_MAX,
	PWRMIG_CMD_MAX = (__PWRMIG_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_PWRMIG_H */
