// SPDX-License-Identifier: GPL-2.0
/*
 * Price feeds (see feed.h), CSV or JSON lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "feed.h"
#include "parse.h"

#define FEED_MAX_SITES	16
#define FEED_SITE_LEN	32
#define FEED_LINE_MAX	1024
#define PRICE_MIN	-10.0		/* spot markets go below zero */
#define PRICE_MAX	1000.0

struct series {
	char site[FEED_SITE_LEN];
	int n, cap;
	int64_t *t;
	double *p;
};

struct shp_feed {
	int nsites;
	struct series s[FEED_MAX_SITES];
	/* following */
	int fd;
	char path[256];
	unsigned int lineno;
	char buf[FEED_LINE_MAX + 1];
	size_t len;
	int skipping;		/* in an over-long line */
};

struct shp_feed *feed_new(void)
{
	struct shp_feed *f = calloc(1, sizeof(*f));

	if (f)
		f->fd = -1;
	return f;
}

void feed_free(struct shp_feed *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->nsites; i++) {
		free(f->s[i].t);
		free(f->s[i].p);
	}
	if (f->fd >= 0)
		close(f->fd);
	free(f);
}

static struct series *series_of(const struct shp_feed *f, const char *site)
{
	int i;

	for (i = 0; i < f->nsites; i++)
		if (!strcmp(f->s[i].site, site))
			return (struct series *)&f->s[i];
	return NULL;
}

/* Insert in time order; a point at a known time replaces it. */
static int series_put(struct series *s, int64_t t, double p)
{
	int lo = 0, hi = s->n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (s->t[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->t[lo] == t) {
		s->p[lo] = p;
		return 0;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		int64_t *nt = realloc(s->t, cap * sizeof(*nt));
		double *np;

		if (!nt)
			return -1;
		s->t = nt;
		np = realloc(s->p, cap * sizeof(*np));
		if (!np)
			return -1;
		s->p = np;
		s->cap = cap;
	}
	memmove(&s->t[lo + 1], &s->t[lo], (s->n - lo) * sizeof(*s->t));
	memmove(&s->p[lo + 1], &s->p[lo], (s->n - lo) * sizeof(*s->p));
	s->t[lo] = t;
	s->p[lo] = p;
	s->n++;
	return 0;
}

static int parse_price(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end || errno || !isfinite(*out) || *out < PRICE_MIN ||
	       *out > PRICE_MAX ? -1 : 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* A JSON line's fields as text, into TIME, SITE, PRICE. */
static const char *json_fields(const char *line, char *time, char *site, char *price)
{
	struct json_object *o = json_tokener_parse(line), *v;
	const char *why = NULL;

	if (!o || !json_object_is_type(o, json_type_object)) {
		why = "not a JSON object";
		goto out;
	}
	if (!json_object_object_get_ex(o, "time", &v) ||
	    !(json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int))) {
		why = "no \"time\" (ISO 8601 text or UNIX seconds)";
		goto out;
	}
	snprintf(time, 64, "%s", json_object_get_string(v));
	if (!json_object_object_get_ex(o, "site", &v) || !json_object_is_type(v, json_type_string)) {
		why = "no \"site\" text";
		goto out;
	}
	snprintf(site, FEED_SITE_LEN + 1, "%s", json_object_get_string(v));
	if (!json_object_object_get_ex(o, "price", &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
		why = "no \"price\" number";
		goto out;
	}
	snprintf(price, 64, "%.9g", json_object_get_double(v));
out:
	json_object_put(o);
	return why;
}

int feed_line(struct shp_feed *f, const char *line, const char *where, unsigned int lineno,
	      char *err, size_t errlen)
{
	char copy[FEED_LINE_MAX + 1], time[64], site[FEED_SITE_LEN + 1], price[64];
	char *p = copy, *fld[4];
	struct series *s;
	uint64_t t;
	double v;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	p = trim(copy);
	if (!*p || *p == '#')
		return 0;
	if (*p == '{') {
		const char *why = json_fields(p, time, site, price);

		if (why) {
			snprintf(err, errlen, "%s:%u: %s", where, lineno, why);
			return -1;
		}
	} else {
		while (n < 4 && (fld[n] = strsep(&p, ",")))
			n++;
		if (n != 3) {
			snprintf(err, errlen, "%s:%u: want TIME,SITE,PRICE or a JSON object",
				 where, lineno);
			return -1;
		}
		if (!strcmp(trim(fld[0]), "time") && !strcmp(trim(fld[1]), "site"))
			return 0;	/* the header */
		snprintf(time, sizeof(time), "%s", trim(fld[0]));
		snprintf(site, sizeof(site), "%s", trim(fld[1]));
		snprintf(price, sizeof(price), "%s", trim(fld[2]));
	}
	if (time_parse(time, &t)) {
		snprintf(err, errlen, "%s:%u: time '%s' is not UNIX seconds or "
			 "YYYY-MM-DDTHH:MM[:SS] with Z or +HH:MM", where, lineno, time);
		return -1;
	}
	if (!site[0] || strlen(site) >= FEED_SITE_LEN) {
		snprintf(err, errlen, "%s:%u: site name must be 1-%d characters", where, lineno,
			 FEED_SITE_LEN - 1);
		return -1;
	}
	if (parse_price(price, &v)) {
		snprintf(err, errlen, "%s:%u: price '%s' is not a number from %g to %g",
			 where, lineno, price, PRICE_MIN, PRICE_MAX);
		return -1;
	}
	s = series_of(f, site);
	if (!s) {
		if (f->nsites == FEED_MAX_SITES) {
			snprintf(err, errlen, "%s:%u: more than %d sites", where, lineno,
				 FEED_MAX_SITES);
			return -1;
		}
		s = &f->s[f->nsites++];
		memcpy(s->site, site, strlen(site) + 1);
	}
	if (series_put(s, (int64_t)t, v)) {
		snprintf(err, errlen, "%s:%u: out of memory", where, lineno);
		return -1;
	}
	return 0;
}

int feed_load(struct shp_feed *f, const char *path, char *err, size_t errlen)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char line[FEED_LINE_MAX + 2];
	unsigned int lineno = 0;
	int rc = 0;

	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", path, lineno,
				 FEED_LINE_MAX);
			rc = -1;
			break;
		}
		if (feed_line(f, line, path, lineno, err, errlen)) {
			rc = -1;
			break;
		}
	}
	if (!rc && ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	if (fp != stdin)
		fclose(fp);
	return rc;
}

int feed_follow(struct shp_feed *f, const char *path, char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) :
					 fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	f->fd = fd;
	snprintf(f->path, sizeof(f->path), "%s", strcmp(path, "-") ? path : "stdin");
	f->lineno = 0;
	f->len = 0;
	return feed_poll(f, err, errlen);
}

int feed_fd(const struct shp_feed *f)
{
	return f->fd;
}

int feed_poll(struct shp_feed *f, char *err, size_t errlen)
{
	int points = 0, failed = 0;
	ssize_t n;
	char *nl;

	if (f->fd < 0)
		return 0;
	for (;;) {
		n = read(f->fd, f->buf + f->len, FEED_LINE_MAX - f->len);
		if (n <= 0)
			break;
		f->len += n;
		while ((nl = memchr(f->buf, '\n', f->len))) {
			*nl = 0;
			f->lineno++;
			if (f->skipping)
				f->skipping = 0;
			else if (feed_line(f, f->buf, f->path, f->lineno, err, errlen))
				failed = 1;
			else
				points++;
			f->len -= nl + 1 - f->buf;
			memmove(f->buf, nl + 1, f->len);
		}
		if (f->len == FEED_LINE_MAX) {
			/* A line with no end in sight: drop it, say so once. */
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", f->path,
				 f->lineno + 1, FEED_LINE_MAX);
			failed = 1;
			f->skipping = 1;
			f->len = 0;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(errno));
		return -1;
	}
	return failed ? -1 : points;
}

int feed_price(const struct shp_feed *f, const char *site, int64_t when, double *price)
{
	const struct series *s = series_of(f, site);
	int lo = 0, hi;

	if (!s || !s->n || s->t[0] > when)
		return -1;
	hi = s->n;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;

		if (s->t[mid] <= when)
			lo = mid;
		else
			hi = mid;
	}
	*price = s->p[lo];
	return 0;
}

int feed_has_site(const struct shp_feed *f, const char *site)
{
	return series_of(f, site) != NULL;
}

int64_t feed_last(const struct shp_feed *f, const char *site)
{
	const struct series *s = series_of(f, site);

	return s && s->n ? s->t[s->n - 1] : 0;
}
