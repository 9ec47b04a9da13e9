/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers shared by pwrmigctl and pwrmig-shaper: exact fixed-point
 * numbers, times and durations as people write them in files and on the
 * command line.  Each returns 0, or -1 when the text is not what it
 * should be (the caller names the input in its message).
 */
#ifndef _PWRMIG_PARSE_H
#define _PWRMIG_PARSE_H

#include <stdint.h>

/*
 * "12.345" with at most DECIMALS decimals and a value of at most
 * MAX_WHOLE, as an integer of 10^-DECIMALS units (no rounding, no float).
 */
int fixed_parse(const char *s, unsigned int decimals, uint64_t max_whole, uint64_t *out);

/*
 * UNIX seconds, or ISO 8601 "YYYY-MM-DDTHH:MM[:SS]" followed by "Z" or
 * "+HH:MM"/"-HH:MM"; without a zone, local time.
 */
int time_parse(const char *s, uint64_t *out);

/* Seconds with an optional s, m, h or d suffix; more than 0, below 2^32. */
int duration_parse(const char *s, uint32_t *out);

/*
 * Split LINE in place into fields separated by any of SEPS, after cutting
 * a '#' comment; the first MAX go into F.  Returns how many there are
 * (more than MAX when some did not fit).
 */
int fields_split(char *line, const char *seps, char **f, int max);

#endif
