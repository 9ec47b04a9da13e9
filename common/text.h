/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text that grows as it is written (exporters' pages), and Prometheus
 * label values.
 */
#ifndef _PWRMIG_TEXT_H
#define _PWRMIG_TEXT_H

#include <stddef.h>

struct text {
	char *p;
	size_t len, cap;
	int oom;		/* out of memory: the text is incomplete */
};

/* Append; on failure to grow, set OOM and drop the rest. */
__attribute__((format(printf, 2, 3)))
void text_printf(struct text *t, const char *fmt, ...);

/*
 * S as a Prometheus label value: backslash, double quote, newline escaped;
 * bytes that are not UTF-8 as U+FFFD; cut at LEN between characters.
 */
const char *prom_label(const char *s, char *out, size_t len);

#endif
