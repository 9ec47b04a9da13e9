// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed-point numbers, times and durations (see parse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"

int fixed_parse(const char *s, unsigned int decimals, uint64_t max_whole, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1, one;
	const char *p = s;
	unsigned int i;

	for (i = 0; i < decimals; i++)
		scale *= 10;
	one = scale;
	if (!*p)
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > max_whole)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -1;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p || (whole == max_whole && frac))
		return -1;
	*out = whole * one + frac;
	return 0;
}

/* "+HH:MM" or "-HH:MM" to seconds east of UTC. */
static int zone_parse(const char *p, long *off)
{
	if ((p[0] != '+' && p[0] != '-') || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ':' ||
	    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) || p[6])
		return -1;
	*off = ((p[1] - '0') * 10 + p[2] - '0') * 3600 + ((p[4] - '0') * 10 + p[5] - '0') * 60;
	if (p[0] == '-')
		*off = -*off;
	return 0;
}

int time_parse(const char *s, uint64_t *out)
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
		if (strcmp(p, "Z") && zone_parse(p, &off))
			return -1;
		t = timegm(&tm) - off;
	}
	if (t < 0)
		return -1;
	*out = t;
	return 0;
}

int duration_parse(const char *s, uint32_t *out)
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
	if (!strcmp(end, "d"))
		mul = 86400;
	else if (!strcmp(end, "h"))
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

int fields_split(char *line, const char *seps, char **f, int max)
{
	char *hash = strchr(line, '#'), *save, *tok;
	int n = 0;

	if (hash)
		*hash = 0;
	for (tok = strtok_r(line, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
		if (n < max)
			f[n] = tok;
		n++;
	}
	return n;
}
