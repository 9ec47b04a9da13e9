// SPDX-License-Identifier: GPL-2.0
/*
 * Tariff files: the price on both sides of every boundary of the shipped
 * tables, seasons and day types, and every kind of bad file named by
 * FILE:LINE and reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "parse.h"
#include "tariff.h"

/* UNIX time of a local time in +08:00. */
static int64_t at(const char *iso)
{
	char buf[64];
	uint64_t t = 0;

	snprintf(buf, sizeof(buf), "%s+08:00", iso);
	if (time_parse(buf, &t))
		abort();
	return (int64_t)t;
}

static double price_at(struct shp_tariff *t, const char *iso, const char **tier)
{
	char err[256];
	double p = -1;

	if (tariff_price(t, at(iso), &p, tier, err, sizeof(err)))
		return -1;
	return p;
}

static int near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

/* Write TEXT to a temporary tariff file; its path into PATH. */
static void write_tariff(char *path, size_t len, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/shaper-tariff.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

#define HEAD "name t\ncurrency CNY\ntimezone +08:00\nsource test\ndate 2026\nunverified none\n"

/* Load TEXT and return the error it gets, with the path replaced by "F". */
static const char *load_error(const char *text)
{
	static char out[512];
	char path[64], err[512];
	struct shp_tariff *t;
	const char *p;

	write_tariff(path, sizeof(path), text);
	t = tariff_load(path, err, sizeof(err));
	unlink(path);
	if (t) {
		tariff_free(t);
		return "loaded";
	}
	p = strstr(err, path);
	if (p && p == err)
		snprintf(out, sizeof(out), "F%s", err + strlen(path));
	else
		snprintf(out, sizeof(out), "%s", err);
	return out;
}

TEST(zhejiang_every_boundary)
{
	static const struct {
		const char *before, *after, *tier;
		double price;
	} b[] = {
		{ "2026-07-06T06:59:59", "2026-07-06T07:00", "flat", 0.7231 },
		{ "2026-07-06T07:59:59", "2026-07-06T08:00", "peak", 1.0580 },
		{ "2026-07-06T08:59:59", "2026-07-06T09:00", "sharp", 1.2195 },
		{ "2026-07-06T10:59:59", "2026-07-06T11:00", "flat", 0.7231 },
		{ "2026-07-06T12:59:59", "2026-07-06T13:00", "peak", 1.0580 },
		{ "2026-07-06T14:59:59", "2026-07-06T15:00", "sharp", 1.2195 },
		{ "2026-07-06T16:59:59", "2026-07-06T17:00", "peak", 1.0580 },
		{ "2026-07-06T21:59:59", "2026-07-06T22:00", "flat", 0.7231 },
		{ "2026-07-06T22:59:59", "2026-07-06T23:00", "valley", 0.3882 },
		{ "2026-07-06T23:59:59", "2026-07-07T00:00", "valley", 0.3882 },
	};
	char err[512];
	struct shp_tariff *t = tariff_load("data/tariffs/zhejiang-4tier.tariff", err, sizeof(err));
	const char *tier, *prev_tier;
	double price;
	size_t i;

	ASSERT_NE(NULL, t) TH_LOG("%s", err);
	EXPECT_STREQ("CNY", tariff_currency(t));
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		double before = price_at(t, b[i].before, &prev_tier);
		double after = price_at(t, b[i].after, &tier);

		EXPECT_EQ(b[i].price, after) TH_LOG("%s", b[i].after);
		EXPECT_STREQ(b[i].tier, tier) TH_LOG("%s", b[i].after);
		/* The second before the boundary is the tier before it. */
		if (strcmp(b[i].after + 11, "00:00"))
			EXPECT_STRNE(tier, prev_tier) TH_LOG("%s", b[i].before);
		EXPECT_NE(-1, before);
	}
	/* Only July and August are known: June says so. */
	EXPECT_EQ(-1, tariff_price(t, at("2026-06-30T12:00"), &price, NULL, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "no schedule for June workdays")) TH_LOG("%s", err);
	tariff_free(t);
}

TEST(five_tier_multipliers_and_day_types)
{
	char err[512];
	struct shp_tariff *t = tariff_load("data/tariffs/zhejiang-2026-5tier.tariff", err,
					   sizeof(err));
	const char *tier;

	ASSERT_NE(NULL, t) TH_LOG("%s", err);
	/* Multiples of the 0.7231 flat price. */
	EXPECT_TRUE(near(0.7231 * 2.05, price_at(t, "2026-07-06T09:30", &tier)));
	EXPECT_STREQ("sharp", tier);
	EXPECT_TRUE(near(0.7231 * 0.4, price_at(t, "2026-07-06T12:00", &tier)));
	EXPECT_STREQ("valley", tier);
	/* Saturday's midday is the deep valley; a workday's is not. */
	EXPECT_TRUE(near(0.7231 * 0.2, price_at(t, "2026-07-11T12:00", &tier)));
	EXPECT_STREQ("deep-valley", tier);
	EXPECT_TRUE(near(0.7231 * 0.4, price_at(t, "2026-07-10T13:59:59", &tier)));
	tariff_free(t);
}

TEST(seasons_weekends_holidays)
{
	char path[64], err[512];
	struct shp_tariff *t;
	const char *tier;

	write_tariff(path, sizeof(path), HEAD
		     "tier hi 2\ntier lo 1\ntier rest 0.5\n"
		     "holiday 2026-10-01\n"
		     "schedule months=1-6,9-12 days=workday\n00:00 lo\n12:00 hi\n"
		     "schedule months=7-8 days=workday\n00:00 hi\n"
		     "schedule days=weekend\n00:00 rest\n");
	t = tariff_load(path, err, sizeof(err));
	unlink(path);
	ASSERT_NE(NULL, t) TH_LOG("%s", err);
	/* The season changes at local midnight between June and July. */
	EXPECT_EQ(2, price_at(t, "2026-06-30T23:59:59", &tier));
	EXPECT_EQ(2, price_at(t, "2026-07-01T00:00", &tier));
	EXPECT_EQ(1, price_at(t, "2026-06-30T11:59", &tier));
	EXPECT_EQ(2, price_at(t, "2026-08-31T08:00", &tier));
	EXPECT_EQ(1, price_at(t, "2026-09-01T08:00", &tier));
	/* Weekends, and a holiday without a schedule of its own. */
	EXPECT_EQ(0.5, price_at(t, "2026-07-04T08:00", &tier));
	EXPECT_EQ(0.5, price_at(t, "2026-10-01T13:00", &tier));
	EXPECT_EQ(2, price_at(t, "2026-10-02T13:00", &tier));
	/* Local time: 16:00 UTC is midnight at +08:00. */
	EXPECT_EQ(0.5, price_at(t, "2026-07-05T23:59", &tier));
	EXPECT_EQ(2, price_at(t, "2026-07-06T00:00", &tier));
	tariff_free(t);
}

TEST(bad_files_named_by_line)
{
	static const struct {
		const char *text, *err;
	} c[] = {
		{ HEAD "tier a 1\nschedule\n00:00 b\n", "F:9: unknown tier 'b' (define it with a 'tier' line first)" },
		{ HEAD "tier a 1\nschedule\n01:00 a\n", "F:9: a schedule's first entry must be 00:00, not 01:00" },
		{ HEAD "tier a 1\nschedule\n00:00 a\n08:00 a\n07:00 a\n",
		  "F:11: 07:00 is not after the entry before it; entries must be in time order" },
		{ HEAD "tier a 1\nschedule\n00:00 a\n24:00 a\n", "F:10: '24:00' is not a time of day HH:MM (00:00-23:59)" },
		{ HEAD "tier a 1\nschedule months=1-6\n00:00 a\nschedule months=6-12 days=weekend\n00:00 a\n",
		  "F:10: June weekends are already covered by the schedule of line 8" },
		{ HEAD "tier a x1.5\n", "F:7: 'x1.5' is a multiple of the base price, but no 'base' line comes before it" },
		{ HEAD "tier a -1\n", "F:7: price '-1' is not a number from 0 to 1000 with at most 6 decimals, or xMULTIPLE of the base" },
		{ HEAD "tier a 1\ntier a 2\n", "F:8: tier 'a' is defined twice" },
		{ HEAD "tier a 1\nschedule months=13\n", "F:8: months '13' is not a list of months 1-12 (e.g. 7-8,10)" },
		{ HEAD "tier a 1\nschedule days=sunday\n", "F:8: days 'sunday' is not all, workday, weekend or holiday (or a comma list of them)" },
		{ HEAD "tier a 1\n00:00 a\n", "F:8: a time of day before any 'schedule' line" },
		{ HEAD "frobnicate 1\n", "F:7: unknown keyword 'frobnicate'" },
		{ HEAD "tier a 1\nschedule\n", "F:8: schedule without entries (HH:MM TIER lines)" },
		{ "name t\ncurrency cny\n", "F:2: currency 'cny' is not an ISO 4217 code (three capitals)" },
		{ "name t\ncurrency CNY\nsource s\ndate d\ntier a 1\nschedule\n00:00 a\n",
		  "F: no 'unverified' line: every tariff names its source, its date and what in it is unverified ('unverified none' when all is)" },
		{ HEAD "holiday 2026-13-01\n", "F:7: holiday '2026-13-01' is not a date YYYY-MM-DD" },
		{ HEAD, "F: no schedule" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		EXPECT_STREQ(c[i].err, load_error(c[i].text)) TH_LOG("case %zu", i);
	EXPECT_STREQ("loaded", load_error(HEAD "tier a 1\nschedule\n00:00 a\n"));
}

TEST(shipped_tariffs_load)
{
	static const char *const files[] = {
		"data/tariffs/zhejiang-4tier.tariff", "data/tariffs/zhejiang-2026-5tier.tariff",
		"data/tariffs/inner-mongolia-west.tariff", "data/tariffs/ningxia.tariff",
	};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct shp_tariff *t = tariff_load(files[i], err, sizeof(err));

		EXPECT_NE(NULL, t) TH_LOG("%s", err);
		if (t) {
			EXPECT_NE(0, strlen(tariff_source(t)));
			tariff_free(t);
		}
	}
}

TEST(ningxia_half_hours)
{
	char err[512];
	struct shp_tariff *t = tariff_load("data/tariffs/ningxia.tariff", err, sizeof(err));
	const char *tier;

	ASSERT_NE(NULL, t) TH_LOG("%s", err);
	EXPECT_EQ(0.4, price_at(t, "2026-01-15T18:29:59", &tier));
	EXPECT_EQ(0.6, price_at(t, "2026-01-15T18:30", &tier));
	EXPECT_EQ(0.2, price_at(t, "2026-01-15T22:30", &tier));
	EXPECT_EQ(0.2, price_at(t, "2026-01-16T06:29:59", &tier));
	EXPECT_EQ(0.4, price_at(t, "2026-01-16T06:30", &tier));
	tariff_free(t);
}

TEST_HARNESS_MAIN
