// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl output: text for people, JSON for programs, from the same
 * calls.  Each field is given once with its raw value (JSON) and its
 * human form (text: units such as W, kWh, CNY).  Text prints one line per
 * object, fields two spaces apart.
 *
 * Both stream as they go, as iproute2's json_print does: nothing is
 * built in memory, so a dump of 16 384 cgroups or an endless monitor
 * prints each object when it is complete.  json-c writes the values
 * (string escapes, numbers); this file writes the punctuation.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pwrmigctl.h"

#define OUT_DEPTH 16

/*
 * One open JSON object or array: how many members it has so far, and for
 * the array of repeated nests (out_nest_begin() with MULTI) their key.
 */
struct level {
	unsigned int members;
	char multi[64];		/* "" for objects and the list */
};

static struct level lv[OUT_DEPTH];
static int depth;		/* open objects and arrays (JSON) */
static int list;		/* the output is a list of objects */
static int out_fields;		/* text fields on the current line */
static int text_depth;		/* open nests (text) */

static void indent(struct ctl *ctl)
{
	int i;

	if (!ctl->pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* A comma before every member but the first of the innermost level. */
static void member(struct ctl *ctl)
{
	if (!depth)
		return;
	if (depth <= OUT_DEPTH && lv[depth - 1].members++)
		putchar(',');
	indent(ctl);
}

static void open_level(struct ctl *ctl, char c, const char *multi)
{
	putchar(c);
	if (depth < OUT_DEPTH) {
		memset(&lv[depth], 0, sizeof(lv[depth]));
		snprintf(lv[depth].multi, sizeof(lv[depth].multi), "%s", multi);
	}
	depth++;
}

static struct level *innermost(void)
{
	return depth && depth <= OUT_DEPTH ? &lv[depth - 1] : NULL;
}

static void close_level(struct ctl *ctl, char c)
{
	int empty = depth <= OUT_DEPTH && !lv[depth - 1].members;

	depth--;
	if (!empty)
		indent(ctl);
	putchar(c);
}

/* Close the array of repeated nests if it is the innermost level. */
static void close_multi(struct ctl *ctl)
{
	struct level *l = innermost();

	if (l && l->multi[0])
		close_level(ctl, ']');
}

static void key(struct ctl *ctl, const char *k)
{
	json_object *s = json_object_new_string(k);

	close_multi(ctl);
	member(ctl);
	fputs(json_object_to_json_string_ext(s, JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	fputs(ctl->pretty ? ": " : ":", stdout);
	json_object_put(s);
}

/* Print O (a json-c value) and drop it. */
static void value(json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
	json_object_put(o);
}

void out_list_begin(struct ctl *ctl)
{
	if (!ctl->json)
		return;
	list = 1;
	open_level(ctl, '[', "");
}

void out_obj_begin(struct ctl *ctl)
{
	out_fields = 0;
	if (!ctl->json)
		return;
	member(ctl);
	open_level(ctl, '{', "");
}

void out_obj_end(struct ctl *ctl)
{
	if (!ctl->json) {
		if (out_fields && !ctl->no_newline)
			putchar('\n');
		out_fields = 0;
		fflush(stdout);
		return;
	}
	out_fields = 0;
	while (depth > list)
		close_level(ctl, innermost() && innermost()->multi[0] ? ']' : '}');
	if (!list)
		putchar('\n');
	fflush(stdout);
}

void out_end(struct ctl *ctl)
{
	if (ctl->json) {
		while (depth > list)
			close_level(ctl, innermost() && innermost()->multi[0] ? ']' : '}');
		if (list) {
			close_level(ctl, ']');
			putchar('\n');
		}
	}
	depth = list = text_depth = 0;
	fflush(stdout);
}

void out_nest_begin(struct ctl *ctl, const char *k, int multi)
{
	struct level *l;

	if (!ctl->json) {
		if (out_fields++)
			fputs("  ", stdout);
		printf("%s {", k);
		out_fields = 1;
		text_depth++;
		return;
	}
	l = innermost();
	if (multi && l && !strcmp(l->multi, k)) {
		/* Another of the repeated nests: their array is open. */
		member(ctl);
	} else {
		key(ctl, k);
		if (multi) {
			open_level(ctl, '[', k);
			member(ctl);
		}
	}
	open_level(ctl, '{', "");
}

void out_nest_end(struct ctl *ctl)
{
	if (!ctl->json) {
		if (text_depth) {
			text_depth--;
			fputs(" }", stdout);
		}
		return;
	}
	close_multi(ctl);
	if (depth > list + 1)
		close_level(ctl, '}');
}

static void text(const char *fmt, va_list ap)
{
	if (!fmt)
		return;
	if (out_fields++)
		fputs(text_depth ? " " : "  ", stdout);
	vprintf(fmt, ap);
}

void out_num(struct ctl *ctl, const char *k, uint64_t v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		key(ctl, k);
		value(json_object_new_uint64(v));
		return;
	}
	if (ctl->numeric && fmt) {
		if (out_fields++)
			fputs(text_depth ? " " : "  ", stdout);
		printf("%s %" PRIu64, k, v);
		return;
	}
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}

void out_str(struct ctl *ctl, const char *k, const char *v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		key(ctl, k);
		value(json_object_new_string(v));
		return;
	}
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}

void out_bool(struct ctl *ctl, const char *k, int v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		key(ctl, k);
		value(json_object_new_boolean(v));
		return;
	}
	if (!v)
		return;
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}
