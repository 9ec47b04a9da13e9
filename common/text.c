// SPDX-License-Identifier: GPL-2.0
/*
 * Growing text and Prometheus label values (see text.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The length of the valid UTF-8 sequence at S (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates, past U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

const char *prom_label(const char *s, char *out, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, n;

	while (*u) {
		n = utf8_len(u);
		if (!n) {
			/* Not UTF-8 (a cgroup may be named so): U+FFFD, as decoders do. */
			if (o + 4 > len)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			u++;
		} else if (*u == '\\' || *u == '"' || *u == '\n') {
			if (o + 3 > len)
				break;
			out[o++] = '\\';
			out[o++] = *u == '\n' ? 'n' : *u;
			u++;
		} else {
			/* Whole characters only, never cut in the middle. */
			if (o + n + 1 > len)
				break;
			memcpy(out + o, u, n);
			o += n;
			u += n;
		}
	}
	out[o] = 0;
	return out;
}
