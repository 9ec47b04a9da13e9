// SPDX-License-Identifier: GPL-2.0
/*
 * Growing text and Prometheus label values (see text.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"

void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	while (!t->oom) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = 1;
			return;
		}
		if (t->p && (size_t)n < t->cap - t->len) {
			t->len += n;
			return;
		}
		p = realloc(t->p, t->cap * 2 + n + 256);
		if (!p) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = t->cap * 2 + n + 256;
	}
}

const char *prom_label(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			out[o++] = '\\';
			out[o++] = *s;
		} else if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o] = 0;
	return out;
}
