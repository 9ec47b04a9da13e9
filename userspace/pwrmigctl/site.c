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

/* Is K one of the space-separated words of KEYS? */
static int is_key(const char *keys, const char *k)
{
	size_t n = strlen(k);
	const char *p;

	for (p = keys; (p = strstr(p, k)); p += n)
		if ((p == keys || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return n > 0;
	return 0;
}

/* Keywords after NAME; KEYS limits which ones the command takes. */
static int site_args(int argc, char **argv, const char *keys,
		     struct pwrmig_site_config *c)
{
	uint64_t v;
	int i;

	for (i = 0; i < argc; i++) {
		const char *k = argv[i];

		if (!is_key(keys, k) || (strcmp(k, "local") && i + 1 >= argc)) {
			fprintf(stderr, is_key(keys, k) ?
				"Error: '%s' needs a value\n" :
				"Error: unknown argument '%s'\n", k);
			return -1;
		}
		if (!strcmp(k, "local")) {
			c->local = 1;
		} else if (!strcmp(k, "price")) {
			if (arg_price(argv[++i], &c->price))
				return -1;
			c->has_price = 1;
		} else if (!strcmp(k, "currency")) {
			c->currency = argv[++i];
		} else if (!strcmp(k, "pue")) {
			if (arg_fixed("pue", argv[++i], 3, 5, &v))
				return -1;
			c->pue_milli = v;
		} else if (!strcmp(k, "carbon")) {
			if (arg_u64("carbon (g/kWh)", argv[++i], &v))
				return -1;
			c->carbon_g_per_kwh = v;
			c->has_carbon = 1;
		} else {
			fprintf(stderr, "Error: unknown argument '%s'\n", k);
			return -1;
		}
	}
	return 0;
}

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
	if (site_args(argc - 1, argv + 1, "price currency pue carbon local", &c))
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
	static struct pwrmig_forecast slots[PWRMIG_MAX_FORECAST];
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
	for (; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "Error: '%s' needs a value\n", argv[i]);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[i], "currency")) {
			if (site_args(2, argv + i, "currency", &c))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "forecast")) {
			c.set_forecast = 1;
			c.forecast = slots;
			if (strcmp(argv[i + 1], "none") &&
			    forecast_read(argv[i + 1], slots, PWRMIG_MAX_FORECAST, &c.n_forecast))
				return EXIT_USAGE;
		} else {
			fprintf(stderr, "Error: unknown argument '%s' (currency, forecast)\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
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
