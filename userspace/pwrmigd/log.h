/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmigd's messages: one line each on standard error, "pwrmigd: ...".
 * Level 0 always shows; each -v shows one level more.
 */
#ifndef _PWRMIGD_LOG_H
#define _PWRMIGD_LOG_H

void pd_log_init(int verbose);
int pd_log_verbose(void);

void pd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
