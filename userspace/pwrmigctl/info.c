// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl info: what serves the family (the module, or pwrmigd without
 * it), and what it measures with.
 */
#include <stdio.h>
#include <string.h>

#include "pwrmigctl.h"

int cmd_info(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_info info;
	struct pwrmig *pw;

	if (argc == 1 && !strcmp(argv[0], "help")) {
		printf("Usage: pwrmigctl info\n"
		       "  the version, meter, CPUs and packages of whoever serves the family\n");
		return EXIT_OK;
	}
	if (argc > 0) {
		fprintf(stderr, "Error: 'info' takes no arguments, got '%s'\n", argv[0]);
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_info_get(pw, &info))
		return ctl_error(ctl, "info");

	out_obj_begin(ctl);
	out_str(ctl, "version", info.version, "version %s", info.version);
	out_str(ctl, "meter", pwrmig_meter_kind_str(info.meter_kind), "meter %s",
		pwrmig_meter_kind_str(info.meter_kind));
	out_num(ctl, "cpus", info.cpus, "cpus %u", info.cpus);
	out_num(ctl, "packages", info.packages, "packages %u", info.packages);
	out_num(ctl, "interval-ms", info.interval_ms, "interval %u ms", info.interval_ms);
	out_num(ctl, "samples", info.samples, "samples %llu",
		(unsigned long long)info.samples);
	out_num(ctl, "cgroups", info.cgroups, "cgroups %u", info.cgroups);
	out_str(ctl, "backend", pwrmig_backend(pw), "served by %s", pwrmig_backend(pw));
	out_obj_end(ctl);
	out_end(ctl);
	return EXIT_OK;
}
