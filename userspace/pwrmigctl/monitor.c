// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl monitor [telemetry|migrate|all]: print the module's multicast
 * events as they happen, one line each (one JSON object a line with -j),
 * until interrupted.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pwrmigctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void print_event(struct ctl *ctl, const struct pwrmig_event *ev)
{
	const struct pwrmig_telemetry *t = &ev->telemetry;
	const struct pwrmig_site *s = &ev->site;

	switch (ev->cmd) {
	case PWRMIG_CMD_TELEMETRY_NTF:
		out_obj_begin(ctl);
		out_str(ctl, "event", "telemetry", "[telemetry]");
		out_num(ctl, "sample", t->sample, "sample %llu", (unsigned long long)t->sample);
		out_num(ctl, "interval-ns", t->interval_ns, "%.0f ms", t->interval_ns / 1e6);
		out_num(ctl, "energy-uj", t->energy_uj, "%.3f J", t->energy_uj / 1e6);
		out_num(ctl, "power-mw", t->power_mw, "%.3f W", t->power_mw / 1e3);
		out_num(ctl, "price-uunits-per-kwh", t->price, "price %.6f/kWh", t->price / 1e6);
		out_num(ctl, "cgroups", t->cgroups, "%u cgroups", t->cgroups);
		out_obj_end(ctl);
		break;
	case PWRMIG_CMD_SITE_NTF:
	case PWRMIG_CMD_SITE_DEL_NTF:
		out_obj_begin(ctl);
		out_str(ctl, "event", "site", "[site]");
		out_str(ctl, "name", s->name, "%s", s->name);
		if (ev->cmd == PWRMIG_CMD_SITE_NTF) {
			out_bool(ctl, "local", s->local, "local");
			out_num(ctl, "price-uunits-per-kwh", s->price, "price %.6f %s/kWh",
				s->price / 1e6, s->currency);
			out_num(ctl, "pue-milli", s->pue_milli, "pue %.3f", s->pue_milli / 1e3);
		} else {
			out_bool(ctl, "deleted", 1, "deleted");
		}
		out_obj_end(ctl);
		break;
	case PWRMIG_CMD_MIGRATE_NTF:
		if (!ctl->json)
			fputs("[migrate]  ", stdout);
		migration_print(ctl, &ev->migration);
		break;
	}
	out_end(ctl);
}

int cmd_monitor(struct ctl *ctl, int argc, char **argv)
{
	const char *what = argc ? argv[0] : "all";
	struct pwrmig_event ev;
	struct pwrmig *pw;
	int n;

	if (argc == 1 && !strcmp(what, "help")) {
		printf("Usage: pwrmigctl monitor [telemetry|migrate|all]\n");
		return EXIT_OK;
	}
	if (argc > 1 || (strcmp(what, "all") && strcmp(what, "telemetry") &&
			 strcmp(what, "migrate"))) {
		fprintf(stderr, "Error: usage: monitor [telemetry|migrate|all]\n");
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if ((strcmp(what, "migrate") && pwrmig_subscribe(pw, PWRMIG_MCGRP_TELEMETRY)) ||
	    (strcmp(what, "telemetry") && pwrmig_subscribe(pw, PWRMIG_MCGRP_MIGRATE)))
		return ctl_error(ctl, "monitor");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		n = pwrmig_event_next(pw, 500, &ev);
		if (n < 0)
			return ctl_error(ctl, "monitor");
		if (n)
			print_event(ctl, &ev);
	}
	return EXIT_OK;
}
