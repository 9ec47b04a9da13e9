/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forecast files, read by pwrmigctl (price set SITE ... forecast FILE)
 * and pwrmigd (forecast = FILE): one slot a line,
 *
 *   START DURATION PRICE
 *
 * START is UNIX seconds or an ISO 8601 time (2026-11-28T09:00, with
 * optional seconds and Z or +HH:MM; local time without a zone), DURATION
 * is seconds with an optional s, m or h suffix, PRICE is per kWh in the
 * site's currency.  Blank lines and # comments are skipped.  Slots must
 * be in time order without overlap.
 */
#ifndef _PWRMIG_FORECAST_H
#define _PWRMIG_FORECAST_H

#include <stddef.h>

#include "pwrmig.h"

/*
 * Read at most MAX slots of PATH ("-": standard input) into SLOTS and
 * their number into N.  0, or -1 with "PATH:LINE: reason" (or "forecast
 * file 'PATH': reason") in ERR.
 */
int forecast_file_read(const char *path, struct pwrmig_forecast *slots, unsigned int max,
		       unsigned int *n, char *err, size_t len);

#endif
