// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmig-shaper: the peak-shaving controller.  It follows grid prices and
 * forecasts at every site, plans where and when deferrable jobs run with a
 * linear program, and moves them through pwrmig's migration broker; its
 * simulator measures the same planner against the baselines.
 */
#include <stdio.h>
#include <string.h>

#include "shaper.h"
#include "solver.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run --config FILE        the live controller" },
	{ "explain", cmd_explain, "explain [JOB] --config FILE  why a job runs where it runs" },
	{ "simulate", cmd_simulate, "simulate --scenario FILE   every policy on a scenario" },
	{ "sweep", cmd_sweep, "sweep --scenario FILE --slack ... --gpus SITE=...  savings grid" },
	{ "tariff", cmd_tariff, "tariff FILE [DATE]       check a tariff file, print a day" },
	{ "bench", cmd_bench, "bench [--jobs N] ...     time one re-plan" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: pwrmig-shaper COMMAND [ARGS]   (pwrmig-shaper COMMAND --help)\n\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].help);
	fprintf(out, "\nDocumentation/shaper.md; man pwrmig-shaper.\n");
}

int main(int argc, char **argv)
{
	size_t i, n = argc > 1 ? strlen(argv[1]) : 0;
	const struct command *hit = NULL;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pwrmig-shaper %s (%s)\n", PWRMIG_VERSION, solver_version());
		return 0;
	}
	/* A command, or an unambiguous prefix of one. */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strncmp(commands[i].name, argv[1], n))
			continue;
		if (strlen(commands[i].name) == n) {
			hit = &commands[i];
			break;
		}
		if (hit) {
			fprintf(stderr, "Error: '%s' is ambiguous: %s or %s\n", argv[1], hit->name,
				commands[i].name);
			return 2;
		}
		hit = &commands[i];
	}
	if (!hit) {
		fprintf(stderr, "Error: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return hit->fn(argc - 1, argv + 1);
}
