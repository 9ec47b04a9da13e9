// SPDX-License-Identifier: GPL-2.0
/*
 * Line readers' shared part: where a line came from, and values named in
 * the errors they get (see reader.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "reader.h"

int bad(struct reader *r, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->line)
		snprintf(r->err, r->errlen, "%s:%u: %s", r->path, r->line, msg);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->path, msg);
	return -1;
}

int num(struct reader *r, const char *what, const char *s, double lo, double hi,
	       double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(*out) || *out < lo || *out > hi)
		return bad(r, "%s '%s' is not a number from %g to %g", what, s, lo, hi);
	return 0;
}

int dur(struct reader *r, const char *what, const char *s, int64_t *out)
{
	uint32_t v;

	if (duration_parse(s, &v))
		return bad(r, "%s '%s' is not a duration (a whole number with s, m, h or d)",
			   what, s);
	*out = v;
	return 0;
}


int size_arg(struct reader *r, const char *s, double *gb)
{
	size_t n = strlen(s);
	char num_s[64];

	snprintf(num_s, sizeof(num_s), "%.*s", (int)(n && s[n - 1] == 'G' ? n - 1 : n), s);
	return num(r, "size (GB)", num_s, 0, 1e6, gb);
}

int move_arg(struct reader *r, const char *s, enum shp_move *m)
{
	if (!strcmp(s, "none"))
		*m = SHP_MOVE_NONE;
	else if (!strcmp(s, "criu"))
		*m = SHP_MOVE_CRIU;
	else if (!strcmp(s, "checkpoint"))
		*m = SHP_MOVE_CHECKPOINT;
	else
		return bad(r, "move '%s' is not none, criu or checkpoint", s);
	return 0;
}
