// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl info: what the loaded module is and what it measures with.
 */
#include <stdio.h>

#include "pwrmigctl.h"

int cmd_info(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_info info;
	struct pwrmig *pw;

	if (argc > 0) {
		fprintf(stderr, "Error: 'info' takes no arguments, got '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_info_get(pw, &info))
		return ctl_error(ctl, "info");

	out_open(ctl);
	out_str(ctl, "version", "version", info.version);
	out_str(ctl, "meter", "meter", pwrmig_meter_kind_str(info.meter_kind));
	out_u64(ctl, "cpus", "cpus", info.cpus);
	out_u64(ctl, "packages", "packages", info.packages);
	out_close(ctl);
	return EXIT_OK;
}
