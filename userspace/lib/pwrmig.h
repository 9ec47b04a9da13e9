/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpwrmig: client library for the pwrmig generic netlink family.
 *
 * Every call returns 0 on success or a negative errno; after a failure
 * pwrmig_errmsg() gives the kernel's extended-ack message when it sent one,
 * else the strerror() text.
 */
#ifndef _LIBPWRMIG_H
#define _LIBPWRMIG_H

#include <stdint.h>
#include <linux/pwrmig.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pwrmig;
struct nlmsghdr;

/* Module-wide facts (PWRMIG_CMD_INFO_GET). */
struct pwrmig_info {
	char version[32];
	uint32_t meter_kind;	/* enum pwrmig_meter_kind */
	uint32_t cpus;
	uint32_t packages;
};

/*
 * Connect to the family.  Returns NULL with errno set: ENOENT when the
 * pwrmig module is not loaded.
 */
struct pwrmig *pwrmig_open(void);
void pwrmig_close(struct pwrmig *pw);

/* Turn library debug output (netlink messages) on stderr on or off. */
void pwrmig_set_debug(struct pwrmig *pw, int on);

/* Message of the last failed call: extack text or strerror. */
const char *pwrmig_errmsg(const struct pwrmig *pw);

/* All the kernel said about the last failed call. */
struct pwrmig_error {
	int error;		/* negative errno, 0 after success */
	int has_msg;		/* the kernel sent a message (errmsg) */
	uint32_t bad_attr_off;	/* offset of the bad attribute, 0 if none */
	uint32_t miss_type;	/* missing attribute type, 0 if none */
};

const struct pwrmig_error *pwrmig_last_error(const struct pwrmig *pw);

int pwrmig_info_get(struct pwrmig *pw, struct pwrmig_info *info);

/* Decode an INFO_GET reply; exposed for tests and capture decoding. */
int pwrmig_info_parse(const struct nlmsghdr *nlh, struct pwrmig_info *info);

/* "rapl", "model", "test" or "unknown". */
const char *pwrmig_meter_kind_str(uint32_t kind);

#ifdef __cplusplus
}
#endif
#endif /* _LIBPWRMIG_H */
