// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd's messages (log.h).  Every thread logs; one fprintf-sized
 * write per line keeps lines whole (stderr is unbuffered, so the line is
 * formatted first and written once).
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static int verbosity;

void pd_log_init(int verbose)
{
	verbosity = verbose;
}

int pd_log_verbose(void)
{
	return verbosity;
}

void pd_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > verbosity)
		return;
	n = snprintf(line, sizeof(line), "pwrmigd: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
