/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time-of-use tariffs: a price per kWh for every moment, from tables by
 * month, day type and time of day, in tiers (Documentation/shaper.md,
 * "Tariff files").
 */
#ifndef _SHAPER_TARIFF_H
#define _SHAPER_TARIFF_H

#include <stddef.h>
#include <stdint.h>

struct shp_tariff;

/*
 * Read a tariff file.  NULL on failure, with ERR set to "FILE:LINE: why"
 * (or "FILE: why" for what concerns the whole file).
 */
struct shp_tariff *tariff_load(const char *path, char *err, size_t errlen);
void tariff_free(struct shp_tariff *t);

const char *tariff_name(const struct shp_tariff *t);
const char *tariff_currency(const struct shp_tariff *t);
const char *tariff_source(const struct shp_tariff *t);

/*
 * The price at UNIX time T (currency units per kWh) and the tier's name.
 * -1 with ERR set when the tariff has no schedule for that day.
 */
int tariff_price(const struct shp_tariff *t, int64_t when, double *price,
		 const char **tier, char *err, size_t errlen);

/* UNIX time of local midnight (the tariff's zone) of the date at UTC midnight DAY. */
int64_t tariff_local_midnight(const struct shp_tariff *t, int64_t day);

#endif
