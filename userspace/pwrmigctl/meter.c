// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl meter: the energy meter, its configuration and totals.
 *
 *   meter show
 *   meter set [kind rapl|model|external] [interval MS] [idle-mw N] [active-mw N]
 */
#include <stdio.h>
#include <string.h>

#include "pwrmigctl.h"

static void meter_print(struct ctl *ctl, const struct pwrmig_meter *m)
{
	unsigned int i;

	out_list_begin(ctl);
	out_obj_begin(ctl);
	out_str(ctl, "kind", pwrmig_meter_kind_str(m->kind), "meter %s",
		pwrmig_meter_kind_str(m->kind));
	out_bool(ctl, "estimated", m->estimated, "(estimated)");
	out_num(ctl, "interval-ms", m->interval_ms, "interval %u ms", m->interval_ms);
	out_num(ctl, "model-idle-mw", m->model_idle_mw, "model idle %u.%03u W",
		m->model_idle_mw / 1000, m->model_idle_mw % 1000);
	out_num(ctl, "model-active-mw", m->model_active_mw, "active %u.%03u W",
		m->model_active_mw / 1000, m->model_active_mw % 1000);
	out_obj_end(ctl);
	for (i = 0; i < m->n_domains; i++) {
		const struct pwrmig_domain_totals *d = &m->domains[i];

		out_obj_begin(ctl);
		out_num(ctl, "package", d->package, "package %u", d->package);
		out_str(ctl, "domain", pwrmig_domain_str(d->domain), "%-4s",
			pwrmig_domain_str(d->domain));
		out_num(ctl, "energy-uj", d->energy_uj, "energy %.3f J", d->energy_uj / 1e6);
		out_num(ctl, "idle-uj", d->idle_uj, "idle %.3f J", d->idle_uj / 1e6);
		out_num(ctl, "other-uj", d->other_uj, "other %.3f J", d->other_uj / 1e6);
		out_num(ctl, "wraps", d->wraps, "wraps %llu", (unsigned long long)d->wraps);
		out_num(ctl, "wraps-estimated", d->wraps_estimated, "estimated %llu",
			(unsigned long long)d->wraps_estimated);
		out_num(ctl, "resets", d->resets, "resets %llu", (unsigned long long)d->resets);
		out_obj_end(ctl);
	}
	out_end(ctl);
}

static int meter_show(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_meter m;
	struct pwrmig *pw;

	if (argc) {
		fprintf(stderr, "Error: meter show takes no arguments\n");
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_meter_get(pw, &m))
		return ctl_error(ctl, "meter show");
	meter_print(ctl, &m);
	return EXIT_OK;
}

static int kind_arg(const char *v, void *dest)
{
	struct pwrmig_meter_config *c = dest;

	c->kind = pwrmig_meter_kind_parse(v);
	if (c->kind)
		return 0;
	fprintf(stderr, "Error: meter kind '%s' is not rapl, model or external\n", v);
	return -1;
}

#define MCFG	struct pwrmig_meter_config
static const struct ctl_arg meter_args[] = {
	{ .name = "kind", .kind = CTL_ARG_FN, .fn = kind_arg, CTL_NO_HAS },
	{ .name = "interval", .kind = CTL_ARG_U32, CTL_FIELD(MCFG, interval_ms), CTL_NO_HAS,
	  .nonzero = 1 },
	{ .name = "idle-mw", .kind = CTL_ARG_U32, CTL_FIELD(MCFG, model_idle_mw), CTL_NO_HAS,
	  .nonzero = 1 },
	{ .name = "active-mw", .kind = CTL_ARG_U32, CTL_FIELD(MCFG, model_active_mw),
	  CTL_NO_HAS, .nonzero = 1 },
};

static int meter_set(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_meter_config c = { 0 };
	struct pwrmig_meter m;
	struct pwrmig *pw;

	if (ctl_args(meter_args, sizeof(meter_args) / sizeof(meter_args[0]), argc, argv,
		     &c, NULL))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_meter_set(pw, &c, &m))
		return ctl_error(ctl, "meter set");
	meter_print(ctl, &m);
	return EXIT_OK;
}

static const struct ctl_cmd meter_cmds[] = {
	{ "show", meter_show, "show" },
	{ "set", meter_set, "set [kind rapl|model|external] [interval MS] [idle-mw N] [active-mw N]" },
};

int cmd_meter(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "meter", meter_cmds,
			    sizeof(meter_cmds) / sizeof(meter_cmds[0]), argc, argv);
}
