// SPDX-License-Identifier: GPL-2.0
/*
 * Tariff files (the format is in Documentation/shaper.md):
 *
 *   name zhejiang-4tier
 *   currency CNY
 *   timezone +08:00
 *   source ...            date ...            unverified ...
 *   base 0.7231           (optional: tiers may then be multiples of it)
 *   tier peak 1.0580      tier valley x0.4
 *   holiday 2026-10-01
 *   schedule months=7-8 days=all
 *   00:00 valley          (each entry lasts until the next; the first is 00:00)
 *   08:00 peak
 *
 * A month and day type may be covered by one schedule only; a day type
 * without a schedule of its own (a holiday) takes the weekend's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "reader.h"
#include "tariff.h"

#define MAX_TIERS	16
#define MAX_SCHEDULES	32
#define MAX_ENTRIES	48
#define MAX_HOLIDAYS	64
#define TEXT_LEN	256

enum { DAY_WORK, DAY_WEEKEND, DAY_HOLIDAY, DAY_TYPES };
static const char *const day_names[DAY_TYPES] = { "workday", "weekend", "holiday" };
static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

struct tier {
	char name[32];
	double price;
};

struct entry {
	int minute;		/* of the day, local time */
	int tier;
};

struct schedule {
	unsigned int line;
	unsigned int months;	/* bit m-1 for month m */
	unsigned int days;	/* bit per DAY_* */
	int n;
	struct entry e[MAX_ENTRIES];
};

struct shp_tariff {
	char path[TEXT_LEN];
	char name[64];
	char currency[4];
	char source[TEXT_LEN];
	char date[64];
	char unverified[TEXT_LEN];
	long tz_s;		/* seconds east of UTC */
	double base;
	int has_base;
	int ntiers;
	struct tier tier[MAX_TIERS];
	int nsched;
	struct schedule sched[MAX_SCHEDULES];
	int nholidays;
	int holiday[MAX_HOLIDAYS];	/* local days since the epoch */
	/* [month][day type] -> schedule index or -1 */
	int map[12][DAY_TYPES];
};

static int find_tier(const struct shp_tariff *t, const char *name)
{
	int i;

	for (i = 0; i < t->ntiers; i++)
		if (!strcmp(t->tier[i].name, name))
			return i;
	return -1;
}

/* A price: "0.7231", or "x1.85" times the base. */
static int price_arg(struct reader *r, struct shp_tariff *t, const char *s, double *out)
{
	uint64_t v;
	int mult = s[0] == 'x';

	if (fixed_parse(s + mult, 6, 1000, &v))
		return bad(r, "price '%s' is not a number from 0 to 1000 with at most 6 decimals, "
			   "or xMULTIPLE of the base", s);
	if (mult && !t->has_base)
		return bad(r, "'%s' is a multiple of the base price, but no 'base' line comes before it", s);
	*out = mult ? t->base * (double)v / 1e6 : (double)v / 1e6;
	return 0;
}

/* "7-8,10" -> bits; LO..HI bound each number. */
static int range_list(const char *s, int lo, int hi, unsigned int *bits)
{
	char *end;
	long a, b;

	*bits = 0;
	do {
		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtol(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -1;
			b = strtol(s, &end, 10);
		}
		if (a < lo || b > hi || a > b)
			return -1;
		for (; a <= b; a++)
			*bits |= 1u << (a - lo);
		s = end;
	} while (*s == ',' && *++s);
	return *s ? -1 : 0;
}

static int days_arg(const char *s, unsigned int *bits)
{
	char buf[64], *tok, *save;
	int d;

	*bits = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*bits |= (1u << DAY_TYPES) - 1;
			continue;
		}
		for (d = 0; d < DAY_TYPES; d++)
			if (!strcmp(tok, day_names[d]))
				break;
		if (d == DAY_TYPES)
			return -1;
		*bits |= 1u << d;
	}
	return *bits ? 0 : -1;
}

/* Local days since the epoch of a calendar date. */
static int day_number(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };

	return (int)(timegm(&tm) / 86400);
}

static int schedule_line(struct reader *r, struct shp_tariff *t, char **f, int nf)
{
	struct schedule *s;
	int i;

	if (t->nsched == MAX_SCHEDULES)
		return bad(r, "more than %d schedules", MAX_SCHEDULES);
	s = &t->sched[t->nsched];
	memset(s, 0, sizeof(*s));
	s->line = r->line;
	s->months = 0xfff;
	s->days = (1u << DAY_TYPES) - 1;
	for (i = 1; i < nf; i++) {
		if (!strncmp(f[i], "months=", 7)) {
			if (range_list(f[i] + 7, 1, 12, &s->months))
				return bad(r, "months '%s' is not a list of months 1-12 (e.g. 7-8,10)",
					   f[i] + 7);
		} else if (!strncmp(f[i], "days=", 5)) {
			if (days_arg(f[i] + 5, &s->days))
				return bad(r, "days '%s' is not all, workday, weekend or holiday "
					   "(or a comma list of them)", f[i] + 5);
		} else {
			return bad(r, "unknown schedule setting '%s' (months=, days=)", f[i]);
		}
	}
	t->nsched++;
	return 0;
}

static int entry_line(struct reader *r, struct shp_tariff *t, char **f, int nf)
{
	struct schedule *s = t->nsched ? &t->sched[t->nsched - 1] : NULL;
	int h, m, n = 0, tier;

	if (sscanf(f[0], "%2d:%2d%n", &h, &m, &n) != 2 || f[0][n] || h > 23 || m > 59 ||
	    h < 0 || m < 0)
		return bad(r, "'%s' is not a time of day HH:MM (00:00-23:59)", f[0]);
	if (!s)
		return bad(r, "a time of day before any 'schedule' line");
	if (nf != 2)
		return bad(r, "want HH:MM TIER");
	tier = find_tier(t, f[1]);
	if (tier < 0)
		return bad(r, "unknown tier '%s' (define it with a 'tier' line first)", f[1]);
	if (!s->n && h * 60 + m)
		return bad(r, "a schedule's first entry must be 00:00, not %s", f[0]);
	if (s->n && h * 60 + m <= s->e[s->n - 1].minute)
		return bad(r, "%s is not after the entry before it; entries must be in time order",
			   f[0]);
	if (s->n == MAX_ENTRIES)
		return bad(r, "more than %d entries in one schedule", MAX_ENTRIES);
	s->e[s->n].minute = h * 60 + m;
	s->e[s->n].tier = tier;
	s->n++;
	return 0;
}

/*
 * "source ...", "date ...", "unverified ...": the rest of the line, as
 * written (comments cut).  1 when LINE is not one of them.
 */
static int text_line(struct reader *r, struct shp_tariff *t, char *line)
{
	static const char *const keys[] = { "source", "date", "unverified" };
	char *dst[] = { t->source, t->date, t->unverified }, *v, *e, *hash;
	size_t len[] = { sizeof(t->source), sizeof(t->date), sizeof(t->unverified) };
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(keys[i]);
		if (!strncmp(line, keys[i], n) && (line[n] == ' ' || line[n] == '\t'))
			break;
	}
	if (i == 3)
		return 1;
	hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	for (v = line + n; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && strchr(" \t\r\n", e[-1]); e--)
		;
	if (e == v)
		return bad(r, "'%s' needs a text", keys[i]);
	snprintf(dst[i], len[i], "%.*s", (int)(e - v), v);
	return 0;
}

static int keyword_line(struct reader *r, struct shp_tariff *t, char **f, int nf)
{
	const char *k = f[0];
	int y, mo, d, n = 0;

	if (!strcmp(k, "schedule"))
		return schedule_line(r, t, f, nf);
	if (nf != 2 && strcmp(k, "tier"))
		return bad(r, "'%s' takes one value", k);
	if (!strcmp(k, "name")) {
		snprintf(t->name, sizeof(t->name), "%s", f[1]);
	} else if (!strcmp(k, "currency")) {
		if (strlen(f[1]) != 3 || !isupper((unsigned char)f[1][0]) ||
		    !isupper((unsigned char)f[1][1]) || !isupper((unsigned char)f[1][2]))
			return bad(r, "currency '%s' is not an ISO 4217 code (three capitals)", f[1]);
		memcpy(t->currency, f[1], 4);
	} else if (!strcmp(k, "timezone")) {
		if (sscanf(f[1], "%*[+-]%2d:%2d%n", &y, &mo, &n) != 2 || f[1][n] || y > 14 ||
		    mo > 59)
			return bad(r, "timezone '%s' is not +HH:MM or -HH:MM", f[1]);
		t->tz_s = (y * 3600 + mo * 60) * (f[1][0] == '-' ? -1 : 1);
	} else if (!strcmp(k, "base")) {
		if (price_arg(r, t, f[1], &t->base))
			return -1;
		t->has_base = 1;
	} else if (!strcmp(k, "tier")) {
		if (nf != 3)
			return bad(r, "want tier NAME PRICE");
		if (find_tier(t, f[1]) >= 0)
			return bad(r, "tier '%s' is defined twice", f[1]);
		if (t->ntiers == MAX_TIERS)
			return bad(r, "more than %d tiers", MAX_TIERS);
		snprintf(t->tier[t->ntiers].name, sizeof(t->tier[0].name), "%s", f[1]);
		if (price_arg(r, t, f[2], &t->tier[t->ntiers].price))
			return -1;
		t->ntiers++;
	} else if (!strcmp(k, "holiday")) {
		if (sscanf(f[1], "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || f[1][n] || mo < 1 ||
		    mo > 12 || d < 1 || d > 31)
			return bad(r, "holiday '%s' is not a date YYYY-MM-DD", f[1]);
		if (t->nholidays == MAX_HOLIDAYS)
			return bad(r, "more than %d holidays", MAX_HOLIDAYS);
		t->holiday[t->nholidays++] = day_number(y, mo, d);
	} else {
		return bad(r, "unknown keyword '%s'", k);
	}
	return 0;
}

/* Each month and day type in one schedule at most; all schedules filled. */
static int check_cover(struct reader *r, struct shp_tariff *t)
{
	int i, m, d;

	memset(t->map, 0xff, sizeof(t->map));
	for (i = 0; i < t->nsched; i++) {
		struct schedule *s = &t->sched[i];

		r->line = s->line;
		if (!s->n)
			return bad(r, "schedule without entries (HH:MM TIER lines)");
		for (m = 0; m < 12; m++)
			for (d = 0; d < DAY_TYPES; d++) {
				if (!(s->months & (1u << m)) || !(s->days & (1u << d)))
					continue;
				if (t->map[m][d] >= 0)
					return bad(r, "%s %ss are already covered by the schedule "
						   "of line %u", month_names[m], day_names[d],
						   t->sched[t->map[m][d]].line);
				t->map[m][d] = i;
			}
	}
	r->line = 0;
	if (!t->nsched)
		return bad(r, "no schedule");
	if (!t->name[0])
		return bad(r, "no 'name' line");
	if (!t->currency[0])
		return bad(r, "no 'currency' line");
	if (!t->source[0] || !t->date[0] || !t->unverified[0])
		return bad(r, "no '%s' line: every tariff names its source, its date and what "
			   "in it is unverified ('unverified none' when all is)",
			   !t->source[0] ? "source" : !t->date[0] ? "date" : "unverified");
	return 0;
}

struct shp_tariff *tariff_load(const char *path, char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	char line[1024], *f[32];
	struct shp_tariff *t;
	FILE *fp;
	int nf, rc;

	fp = fopen(path, "re");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	while (fgets(line, sizeof(line), fp)) {
		r.line++;
		if (!strchr(line, '\n') && !feof(fp)) {
			bad(&r, "line longer than %zu bytes", sizeof(line) - 2);
			goto fail;
		}
		rc = text_line(&r, t, line);
		if (rc < 0)
			goto fail;
		if (!rc)
			continue;
		nf = fields_split(line, " \t\r\n", f, 32);
		if (!nf)
			continue;
		if (nf > 32) {
			bad(&r, "more than 32 fields");
			goto fail;
		}
		if (isdigit((unsigned char)f[0][0]) ? entry_line(&r, t, f, nf) :
		    keyword_line(&r, t, f, nf))
			goto fail;
	}
	if (ferror(fp)) {
		r.line = 0;
		bad(&r, "read error");
		goto fail;
	}
	fclose(fp);
	if (check_cover(&r, t)) {
		free(t);
		return NULL;
	}
	return t;
fail:
	fclose(fp);
	free(t);
	return NULL;
}

void tariff_free(struct shp_tariff *t)
{
	free(t);
}

const char *tariff_name(const struct shp_tariff *t)
{
	return t->name;
}

const char *tariff_currency(const struct shp_tariff *t)
{
	return t->currency;
}

const char *tariff_source(const struct shp_tariff *t)
{
	return t->source;
}

int tariff_price(const struct shp_tariff *t, int64_t when, double *price,
		 const char **tier, char *err, size_t errlen)
{
	int64_t local = when + t->tz_s;
	int day = (int)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
	int minute = (int)((local - (int64_t)day * 86400) / 60);
	const struct schedule *s;
	time_t secs = local;
	struct tm tm;
	int dt, i, k;

	gmtime_r(&secs, &tm);
	dt = tm.tm_wday == 0 || tm.tm_wday == 6 ? DAY_WEEKEND : DAY_WORK;
	for (i = 0; i < t->nholidays; i++)
		if (t->holiday[i] == day)
			dt = DAY_HOLIDAY;
	k = t->map[tm.tm_mon][dt];
	if (k < 0 && dt == DAY_HOLIDAY)
		k = t->map[tm.tm_mon][DAY_WEEKEND];
	if (k < 0) {
		snprintf(err, errlen, "tariff %s has no schedule for %s %ss (%s)", t->name,
			 month_names[tm.tm_mon], day_names[dt], t->path);
		return -1;
	}
	s = &t->sched[k];
	for (i = s->n - 1; i > 0 && s->e[i].minute > minute; i--)
		;
	*price = t->tier[s->e[i].tier].price;
	if (tier)
		*tier = t->tier[s->e[i].tier].name;
	return 0;
}

int64_t tariff_local_midnight(const struct shp_tariff *t, int64_t day)
{
	return day - t->tz_s;
}
