// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl site and price: the operator's sites and their grid prices.
 *
 *   site show [NAME]
 *   site set NAME [price P] [currency CUR] [pue RATIO] [carbon G] [local]
 *   site del NAME
 *   price set SITE [P] [currency CUR] [forecast FILE|none]
 */
#include <stdio.h>
#include <string.h>

#include "forecast.h"
#include "pwrmigctl.h"

static void site_print(struct ctl *ctl, const struct pwrmig_site *s)
{
	unsigned int i;

	out_obj_begin(ctl);
	out_str(ctl, "name", s->name, "%-10s", s->name);
	out_bool(ctl, "local", s->local, "local");
	out_num(ctl, "price-uunits-per-kwh", s->price, "price %llu.%06llu %s/kWh",
		(unsigned long long)(s->price / 1000000),
		(unsigned long long)(s->price % 1000000), s->currency);
	out_str(ctl, "currency", s->currency, NULL);
	out_num(ctl, "pue-milli", s->pue_milli, "pue %u.%03u", s->pue_milli / 1000,
		s->pue_milli % 1000);
	if (s->has_carbon)
		out_num(ctl, "carbon-g-per-kwh", s->carbon_g_per_kwh,
			"carbon %u g/kWh", s->carbon_g_per_kwh);
	out_num(ctl, "forecast-slots", s->n_forecast,
		s->n_forecast ? "forecast %u slots" : NULL, s->n_forecast);
	for (i = 0; ctl->json && i < s->n_forecast; i++) {
		out_nest_begin(ctl, "forecast", 1);
		out_num(ctl, "start", s->forecast[i].start, NULL);
		out_num(ctl, "duration-s", s->forecast[i].duration_s, NULL);
		out_num(ctl, "price-uunits-per-kwh", s->forecast[i].price, NULL);
		out_nest_end(ctl);
	}
	out_obj_end(ctl);
}

static int site_cb(const struct pwrmig_site *s, void *arg)
{
	site_print(arg, s);
	return 0;
}

static int site_show(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_site s;
	struct pwrmig *pw;

	if (argc > 1) {
		fprintf(stderr, "Error: site show takes at most one NAME\n");
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (argc == 1) {
		if (pwrmig_site_get(pw, argv[0], &s))
			return ctl_error(ctl, "site show");
		site_print(ctl, &s);
	} else {
		out_list_begin(ctl);
		if (pwrmig_site_dump(pw, site_cb, ctl))
			return ctl_error(ctl, "site show");
	}
	out_end(ctl);
	return EXIT_OK;
}

static int price_arg(const char *v, void *dest)
{
	struct pwrmig_site_config *c = dest;

	return arg_price(v, &c->price);
}

/* forecast FILE|none: the slots of FILE, or none (clears the forecast). */
static int forecast_arg(const char *v, void *dest)
{
	static struct pwrmig_forecast slots[PWRMIG_MAX_FORECAST];
	struct pwrmig_site_config *c = dest;
	char err[400];

	c->set_forecast = 1;
	c->forecast = slots;
	c->n_forecast = 0;
	if (!strcmp(v, "none") ||
	    !forecast_file_read(v, slots, PWRMIG_MAX_FORECAST, &c->n_forecast, err, sizeof(err)))
		return 0;
	fprintf(stderr, "Error: %s\n", err);
	return -1;
}

#define SITE	struct pwrmig_site_config
static const struct ctl_arg site_args[] = {
	{ .name = "price", .kind = CTL_ARG_FN, .fn = price_arg, CTL_HAS(SITE, has_price) },
	{ .name = "currency", .kind = CTL_ARG_STRING, CTL_FIELD(SITE, currency), CTL_NO_HAS },
	{ .name = "pue", .kind = CTL_ARG_FIXED, CTL_FIELD(SITE, pue_milli), CTL_NO_HAS,
	  .decimals = 3, .max = 5 },
	{ .name = "carbon", .kind = CTL_ARG_U32, CTL_FIELD(SITE, carbon_g_per_kwh),
	  CTL_HAS(SITE, has_carbon), .what = "carbon (g/kWh)" },
	{ .name = "local", .kind = CTL_ARG_FLAG, CTL_FIELD(SITE, local), CTL_NO_HAS },
};

/* price set takes two of them, and forecast. */
static const struct ctl_arg price_args[] = {
	{ .name = "currency", .kind = CTL_ARG_STRING, CTL_FIELD(SITE, currency), CTL_NO_HAS },
	{ .name = "forecast", .kind = CTL_ARG_FN, .fn = forecast_arg, CTL_NO_HAS },
};

static int site_set(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_site_config c = { 0 };
	struct pwrmig_site s;
	struct pwrmig *pw;

	if (argc < 1) {
		fprintf(stderr, "Error: site set needs a NAME\n");
		return EXIT_USAGE;
	}
	c.name = argv[0];
	if (ctl_args(site_args, sizeof(site_args) / sizeof(site_args[0]), argc - 1, argv + 1,
		     &c, NULL))
		return EXIT_USAGE;
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_site_set(pw, &c, &s))
		return ctl_error(ctl, "site set");
	site_print(ctl, &s);
	out_end(ctl);
	return EXIT_OK;
}

static int site_del(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig *pw;

	if (argc != 1) {
		fprintf(stderr, "Error: site del needs exactly one NAME\n");
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_site_del(pw, argv[0]))
		return ctl_error(ctl, "site del");
	return EXIT_OK;
}

static const struct ctl_cmd site_cmds[] = {
	{ "show", site_show, "show [NAME]" },
	{ "set", site_set, "set NAME [price P] [currency CUR] [pue RATIO] [carbon G] [local]" },
	{ "del", site_del, "del NAME" },
};

int cmd_site(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "site", site_cmds,
			    sizeof(site_cmds) / sizeof(site_cmds[0]), argc, argv);
}

static int price_set(struct ctl *ctl, int argc, char **argv)
{
	struct pwrmig_site_config c = { 0 };
	struct pwrmig_site s;
	struct pwrmig *pw;
	int i;

	if (argc < 2) {
		fprintf(stderr, "Error: price set needs SITE and PRICE (per kWh) "
			"or forecast FILE\n");
		return EXIT_USAGE;
	}
	c.name = argv[0];
	i = 1;
	if (strcmp(argv[1], "forecast") && strcmp(argv[1], "currency")) {
		if (arg_price(argv[1], &c.price))
			return EXIT_USAGE;
		c.has_price = 1;
		i = 2;
	}
	if (ctl_args(price_args, sizeof(price_args) / sizeof(price_args[0]), argc - i,
		     argv + i, &c, " (currency, forecast)"))
		return EXIT_USAGE;
	if (!c.has_price && !c.set_forecast) {
		fprintf(stderr, "Error: price set needs PRICE or forecast FILE\n");
		return EXIT_USAGE;
	}
	pw = ctl_pw(ctl);
	if (!pw)
		return EXIT_FAIL;
	if (pwrmig_price_set(pw, &c, &s))
		return ctl_error(ctl, "price set");
	site_print(ctl, &s);
	out_end(ctl);
	return EXIT_OK;
}

static const struct ctl_cmd price_cmds[] = {
	{ "set", price_set, "set SITE [PRICE] [currency CUR] [forecast FILE|none]" },
};

int cmd_price(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "price", price_cmds,
			    sizeof(price_cmds) / sizeof(price_cmds[0]), argc, argv);
}
