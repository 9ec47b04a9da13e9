// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for libpwrmig's decoders of replies and events: what
 * the module, or pwrmigd serving the family on its socket, sends back.
 * The first byte of an input picks the decoder; the rest are the
 * attributes of a generic netlink message.  Besides the sanitizers, each
 * decoded struct is checked: strings terminated inside their field,
 * arrays counted within their capacity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "pwrmig.h"

#define STR_OK(s) (memchr((s), 0, sizeof(s)) != NULL)

static void check(uint8_t which, const struct nlmsghdr *nlh)
{
	union {
		struct pwrmig_info info;
		struct pwrmig_cgroup cg;
		struct pwrmig_meter meter;
		struct pwrmig_site site;
		struct pwrmig_migration m;
		struct pwrmig_telemetry t;
	} u;
	switch (which % 6) {
	case 0:
		if (!pwrmig_info_parse(nlh, &u.info) && !STR_OK(u.info.version))
			abort();
		break;
	case 1:
		if (!pwrmig_cgroup_parse(nlh, &u.cg) &&
		    (!STR_OK(u.cg.path) || !STR_OK(u.cg.currency)))
			abort();
		break;
	case 2:
		if (!pwrmig_meter_parse(nlh, &u.meter) &&
		    u.meter.n_domains > PWRMIG_LIB_MAX_DOMAINS)
			abort();
		break;
	case 3:
		if (!pwrmig_site_parse(nlh, &u.site) &&
		    (!STR_OK(u.site.name) || !STR_OK(u.site.currency) ||
		     u.site.n_forecast > PWRMIG_MAX_FORECAST))
			abort();
		break;
	case 4:
		if (!pwrmig_migration_parse(nlh, &u.m) &&
		    (!STR_OK(u.m.site) || !STR_OK(u.m.requester) ||
		     !STR_OK(u.m.error_msg) || !STR_OK(u.m.container)))
			abort();
		break;
	case 5:
		pwrmig_telemetry_parse(nlh, &u.t);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = NLMSG_LENGTH(GENL_HDRLEN + (size ? size - 1 : 0));
	struct nlmsghdr *nlh;

	if (!size)
		return 0;
	/* Exactly the message's size, so ASan sees any read beyond it. */
	nlh = malloc(len);
	if (!nlh)
		abort();
	memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = len;
	memcpy((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN, data + 1, size - 1);
	check(data[0], nlh);
	free(nlh);
	return 0;
}
