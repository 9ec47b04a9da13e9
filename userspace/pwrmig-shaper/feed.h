/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Price feeds: a series of (time, site, price) points, spot or day-ahead,
 * read from a file, a file that is appended to, or stdin.  Each point sets
 * the site's price from its time until the next point of that site; points
 * in the future are the forecast.  A point for a time already known
 * replaces it (a revised price).
 */
#ifndef _SHAPER_FEED_H
#define _SHAPER_FEED_H

#include <stddef.h>
#include <stdint.h>

struct shp_feed;

struct shp_feed *feed_new(void);
void feed_free(struct shp_feed *f);

/*
 * One line: CSV "TIME,SITE,PRICE" (a "time,site,price" header is skipped)
 * or a JSON object {"time": ..., "site": "...", "price": ...}.  TIME is
 * UNIX seconds or ISO 8601 with a zone.  0, or -1 with ERR set to
 * "WHERE:LINE: why".
 */
int feed_line(struct shp_feed *f, const char *line, const char *where, unsigned int lineno,
	      char *err, size_t errlen);

/* Read all of PATH ("-": stdin, to its end). */
int feed_load(struct shp_feed *f, const char *path, char *err, size_t errlen);

/*
 * Follow PATH ("-": stdin): feed_poll() then reads what was appended since,
 * whole lines only, without blocking.  Returns the number of points read,
 * or -1 with ERR set (the bad line is skipped; later ones are still read).
 */
int feed_follow(struct shp_feed *f, const char *path, char *err, size_t errlen);
int feed_poll(struct shp_feed *f, char *err, size_t errlen);
/* The descriptor feed_poll() reads, for poll(2); -1 when not following. */
int feed_fd(const struct shp_feed *f);

/* The price of SITE at time T: the last point at or before T.  -1: none. */
int feed_price(const struct shp_feed *f, const char *site, int64_t when, double *price);
/* Whether the feed has any point for SITE. */
int feed_has_site(const struct shp_feed *f, const char *site);
/* Time of the last point of SITE (0 without any). */
int64_t feed_last(const struct shp_feed *f, const char *site);

#endif
