// SPDX-License-Identifier: GPL-2.0
/*
 * Price feeds: CSV and JSON lines, revisions, order, bad lines named by
 * FILE:LINE, and following a file that is appended to (whole lines only).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "kselftest_harness.h"

#define T0 1783267200	/* 2026-07-06T00:00+08:00 */

static double price(struct shp_feed *f, const char *site, int64_t t)
{
	double p = -99;

	return feed_price(f, site, t, &p) ? -99 : p;
}

TEST(csv_and_json)
{
	struct shp_feed *f = feed_new();
	char err[256];

	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, feed_line(f, "time,site,price", "F", 1, err, sizeof(err)));
	ASSERT_EQ(0, feed_line(f, "2026-07-06T00:00+08:00, west, 0.25", "F", 2, err, sizeof(err)));
	ASSERT_EQ(0, feed_line(f, "{\"time\": \"2026-07-06T01:00+08:00\", \"site\": \"west\", "
			       "\"price\": -0.05}", "F", 3, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, feed_line(f, "{\"time\": 1783274400, \"site\": \"east\", \"price\": 1}",
			       "F", 4, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, feed_line(f, "# a comment", "F", 5, err, sizeof(err)));
	ASSERT_EQ(0, feed_line(f, "", "F", 6, err, sizeof(err)));
	/* Each point holds until the next one of its site. */
	EXPECT_EQ(-99, price(f, "west", T0 - 1));
	EXPECT_EQ(0.25, price(f, "west", T0));
	EXPECT_EQ(0.25, price(f, "west", T0 + 3599));
	EXPECT_EQ(-0.05, price(f, "west", T0 + 3600));
	EXPECT_EQ(-0.05, price(f, "west", T0 + 86400));
	EXPECT_EQ(1, price(f, "east", T0 + 7200));
	EXPECT_EQ(-99, price(f, "east", T0 + 7199));
	EXPECT_EQ(-99, price(f, "north", T0 + 7200));
	EXPECT_EQ(T0 + 3600, feed_last(f, "west"));
	feed_free(f);
}

TEST(revisions_and_order)
{
	struct shp_feed *f = feed_new();
	char err[256];

	ASSERT_EQ(0, feed_line(f, "1783274400,west,0.9", "F", 1, err, sizeof(err)));
	/* An earlier point arrives later: it goes in its place. */
	ASSERT_EQ(0, feed_line(f, "1783267200,west,0.3", "F", 2, err, sizeof(err)));
	EXPECT_EQ(0.3, price(f, "west", T0 + 100));
	EXPECT_EQ(0.9, price(f, "west", T0 + 7200));
	/* A revised price for a known time replaces it. */
	ASSERT_EQ(0, feed_line(f, "1783274400,west,0.7", "F", 3, err, sizeof(err)));
	EXPECT_EQ(0.7, price(f, "west", T0 + 7200));
	feed_free(f);
}

TEST(bad_lines)
{
	static const struct {
		const char *line, *err;
	} c[] = {
		{ "1783267200,west", "F:7: want TIME,SITE,PRICE or a JSON object" },
		{ "1783267200,west,1,2", "F:7: want TIME,SITE,PRICE or a JSON object" },
		{ "yesterday,west,1", "F:7: time 'yesterday' is not UNIX seconds or YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM" },
		{ "1783267200,west,cheap", "F:7: price 'cheap' is not a number from -10 to 1000" },
		{ "1783267200,west,1e9", "F:7: price '1e9' is not a number from -10 to 1000" },
		{ "1783267200,,1", "F:7: site name must be 1-31 characters" },
		{ "{\"time\": 1783267200, \"price\": 1}", "F:7: no \"site\" text" },
		{ "{\"site\": \"w\", \"price\": 1}", "F:7: no \"time\" (ISO 8601 text or UNIX seconds)" },
		{ "{\"time\": 1783267200, \"site\": \"w\", \"price\": \"1\"}", "F:7: no \"price\" number" },
		{ "{not json", "F:7: not a JSON object" },
	};
	struct shp_feed *f = feed_new();
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		err[0] = 0;
		EXPECT_EQ(-1, feed_line(f, c[i].line, "F", 7, err, sizeof(err)));
		EXPECT_STREQ(c[i].err, err) TH_LOG("line '%s'", c[i].line);
	}
	/* Nothing was taken from them. */
	EXPECT_EQ(0, feed_has_site(f, "west"));
	feed_free(f);
}

TEST(follow_appended_file)
{
	char path[] = "/tmp/shaper-feed.XXXXXX", err[256];
	struct shp_feed *f = feed_new();
	int fd = mkstemp(path);
	FILE *w;

	ASSERT_LE(0, fd);
	w = fdopen(fd, "w");
	fputs("1783267200,east,1.2\n", w);
	fflush(w);
	ASSERT_EQ(1, feed_follow(f, path, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(1.2, price(f, "east", T0));
	/* Half a line is not read until it ends. */
	fputs("1783270800,east,0.", w);
	fflush(w);
	EXPECT_EQ(0, feed_poll(f, err, sizeof(err)));
	EXPECT_EQ(1.2, price(f, "east", T0 + 3600));
	fputs("4\n1783274400,east,bad\n1783278000,east,0.5\n", w);
	fflush(w);
	/* A bad line is reported by name and skipped; the rest is read. */
	EXPECT_EQ(-1, feed_poll(f, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, ":3: price 'bad' is not a number")) TH_LOG("%s", err);
	EXPECT_EQ(0.4, price(f, "east", T0 + 3600));
	EXPECT_EQ(0.5, price(f, "east", T0 + 10800));
	EXPECT_EQ(0, feed_poll(f, err, sizeof(err)));
	fclose(w);
	unlink(path);
	feed_free(f);
}

TEST(missing_file)
{
	struct shp_feed *f = feed_new();
	char err[256];

	EXPECT_EQ(-1, feed_load(f, "/nonexistent/feed.csv", err, sizeof(err)));
	EXPECT_STREQ("/nonexistent/feed.csv: No such file or directory", err);
	feed_free(f);
}

TEST_HARNESS_MAIN
