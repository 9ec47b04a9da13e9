// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "forecast.h"
#include "parse.h"

/*
 * One line's NF fields F into S, the slot after one ending at END_PREV:
 * 0, or -1 with what is wrong in WHY.
 */
static int slot_parse(char **f, int nf, uint64_t end_prev, struct pwrmig_forecast *s,
		      char *why, size_t len)
{
	if (nf != 3)
		snprintf(why, len, "want START DURATION PRICE, got %d field%s", nf,
			 nf == 1 ? "" : "s");
	else if (time_parse(f[0], &s->start))
		snprintf(why, len, "start '%s' is not UNIX seconds or "
			 "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]", f[0]);
	else if (duration_parse(f[1], &s->duration_s))
		snprintf(why, len, "duration '%s' is not a positive number of seconds "
			 "(suffix s, m or h)", f[1]);
	else if (fixed_parse(f[2], 6, 1000, &s->price))
		snprintf(why, len, "price '%s' is not a number from 0 to 1000 with at "
			 "most 6 decimals", f[2]);
	else if (s->start < end_prev)
		snprintf(why, len, "slot starts before the previous one ends; slots must "
			 "be in time order without overlap");
	else
		return 0;
	return -1;
}

int forecast_file_read(const char *path, struct pwrmig_forecast *slots, unsigned int max,
		       unsigned int *n, char *err, size_t len)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char line[512], why[160], *f[3];
	unsigned int lineno = 0;
	uint64_t end_prev = 0;
	int nf, rc = 0;

	*n = 0;
	if (!fp) {
		snprintf(err, len, "forecast file '%s': %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), fp)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(why, sizeof(why), "line longer than %zu bytes", sizeof(line) - 2);
			rc = -1;
			break;
		}
		nf = fields_split(line, " \t\r\n,", f, 3);
		if (!nf)
			continue;
		if (*n == max) {
			snprintf(why, sizeof(why), "more than %u forecast slots", max);
			rc = -1;
			break;
		}
		rc = slot_parse(f, nf, end_prev, &slots[*n], why, sizeof(why));
		if (!rc) {
			end_prev = slots[*n].start + slots[*n].duration_s;
			(*n)++;
		}
	}
	if (rc) {
		snprintf(err, len, "%s:%u: %s", path, lineno, why);
	} else if (ferror(fp)) {
		snprintf(err, len, "forecast file '%s': read error", path);
		rc = -1;
	}
	if (fp != stdin)
		fclose(fp);
	return rc;
}
