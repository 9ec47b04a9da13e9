// SPDX-License-Identifier: GPL-2.0
/*
 * Forecast files for `price set SITE ... forecast FILE`: one slot a line,
 *
 *   START DURATION PRICE
 *
 * START is UNIX seconds or an ISO 8601 time (2026-11-28T09:00, with
 * optional seconds and Z or +HH:MM; local time without a zone), DURATION
 * is seconds with an optional s, m or h suffix, PRICE is per kWh in the
 * site's currency.  Blank lines and # comments are skipped.  Slots must
 * be in time order without overlap.  Errors name FILE:LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwrmigctl.h"

int forecast_read(const char *path, struct pwrmig_forecast *slots, unsigned int max,
		  unsigned int *n)
{
	char line[512], *f[3];
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned int lineno = 0;
	int nf;
	uint64_t end_prev = 0;

	if (!fp) {
		fprintf(stderr, "Error: forecast file '%s': %s\n", path, strerror(errno));
		return -1;
	}
	*n = 0;
	while (fgets(line, sizeof(line), fp)) {
		struct pwrmig_forecast *s = &slots[*n];

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			fprintf(stderr, "Error: %s:%u: line longer than %zu bytes\n",
				path, lineno, sizeof(line) - 2);
			goto bad;
		}
		nf = fields_split(line, " \t\r\n,", f, 3);
		if (!nf)
			continue;
		if (nf != 3) {
			fprintf(stderr, "Error: %s:%u: want START DURATION PRICE, got %d field%s\n",
				path, lineno, nf, nf == 1 ? "" : "s");
			goto bad;
		}
		if (*n == max) {
			fprintf(stderr, "Error: %s:%u: more than %u forecast slots\n",
				path, lineno, max);
			goto bad;
		}
		if (time_parse(f[0], &s->start)) {
			fprintf(stderr, "Error: %s:%u: start '%s' is not UNIX seconds or "
				"YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]\n", path, lineno, f[0]);
			goto bad;
		}
		if (duration_parse(f[1], &s->duration_s)) {
			fprintf(stderr, "Error: %s:%u: duration '%s' is not a positive number "
				"of seconds (suffix s, m or h)\n", path, lineno, f[1]);
			goto bad;
		}
		if (fixed_parse(f[2], 6, 1000, &s->price)) {
			fprintf(stderr, "Error: %s:%u: price '%s' is not a number from 0 to "
				"1000 with at most 6 decimals\n", path, lineno, f[2]);
			goto bad;
		}
		if (s->start < end_prev) {
			fprintf(stderr, "Error: %s:%u: slot starts before the previous one "
				"ends; slots must be in time order without overlap\n",
				path, lineno);
			goto bad;
		}
		end_prev = s->start + s->duration_s;
		(*n)++;
	}
	if (ferror(fp)) {
		fprintf(stderr, "Error: forecast file '%s': read error\n", path);
		goto bad;
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
bad:
	if (fp != stdin)
		fclose(fp);
	return -1;
}
