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
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwrmigctl.h"

static int parse_time(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	const char *p;
	long off = 0;
	time_t t;
	char *end;

	if (isdigit((unsigned char)s[0]) && !strchr(s, '-')) {
		errno = 0;
		*out = strtoull(s, &end, 10);
		return *end || errno ? -1 : 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (!p)
		return -1;
	if (*p == ':') {
		p = strptime(p, ":%S", &tm);
		if (!p)
			return -1;
	}
	if (!*p) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else {
		if (!strcmp(p, "Z")) {
			off = 0;
		} else if ((p[0] == '+' || p[0] == '-') && isdigit((unsigned char)p[1]) &&
			   isdigit((unsigned char)p[2]) && p[3] == ':' &&
			   isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) && !p[6]) {
			off = ((p[1] - '0') * 10 + p[2] - '0') * 3600 +
			      ((p[4] - '0') * 10 + p[5] - '0') * 60;
			if (p[0] == '-')
				off = -off;
		} else {
			return -1;
		}
		t = timegm(&tm) - off;
	}
	if (t < 0)
		return -1;
	*out = t;
	return 0;
}

static int parse_duration(const char *s, uint32_t *out)
{
	unsigned long long v;
	unsigned int mul = 1;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (!strcmp(end, "h"))
		mul = 3600;
	else if (!strcmp(end, "m"))
		mul = 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (!v || v * mul > 0xffffffffULL)
		return -1;
	*out = v * mul;
	return 0;
}

int forecast_read(const char *path, struct pwrmig_forecast *slots, unsigned int max,
		  unsigned int *n)
{
	char line[512], *f[4], *save, *hash;
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned int lineno = 0, nf;
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
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		nf = 0;
		for (f[nf] = strtok_r(line, " \t\r\n,", &save); f[nf] && nf < 4;
		     f[nf] = strtok_r(NULL, " \t\r\n,", &save))
			nf++;
		if (!nf)
			continue;
		if (nf != 3) {
			fprintf(stderr, "Error: %s:%u: want START DURATION PRICE, got %u field%s\n",
				path, lineno, nf, nf == 1 ? "" : "s");
			goto bad;
		}
		if (*n == max) {
			fprintf(stderr, "Error: %s:%u: more than %u forecast slots\n",
				path, lineno, max);
			goto bad;
		}
		if (parse_time(f[0], &s->start)) {
			fprintf(stderr, "Error: %s:%u: start '%s' is not UNIX seconds or "
				"YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]\n", path, lineno, f[0]);
			goto bad;
		}
		if (parse_duration(f[1], &s->duration_s)) {
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
