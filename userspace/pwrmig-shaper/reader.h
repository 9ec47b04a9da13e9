/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading scenario and configuration files a line at a time: errors name
 * FILE:LINE and the value that is wrong.
 */
#ifndef _SHAPER_READER_H
#define _SHAPER_READER_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct shp_scenario;

struct reader {
	const char *path;
	unsigned int line;		/* 0: about the whole file */
	char *err;
	size_t errlen;
	char dir[256];			/* the file's directory */
	char tariffs[600];		/* where tariff=NAME is looked for */
	long tz_s;			/* local time of DAY/HH:MM and daily windows */
};

/* Set the reader's error ("FILE:LINE: ...") and return -1. */
__attribute__((format(printf, 2, 3)))
int bad(struct reader *r, const char *fmt, ...);
/* A number from LO to HI, or a duration with its unit, named WHAT. */
int num(struct reader *r, const char *what, const char *s, double lo, double hi,
	double *out);
int dur(struct reader *r, const char *what, const char *s, int64_t *out);
/* A checkpoint's size, "500G" or "500" (GB); a job's move=. */
int size_arg(struct reader *r, const char *s, double *gb);
int move_arg(struct reader *r, const char *s, enum shp_move *m);

/* config.c: a live setting (1: not one), and what a live file must have. */
int live_line(struct reader *r, struct shp_scenario *sc, char **f, int nf);
int live_check(struct reader *r, struct shp_scenario *sc);

#endif
