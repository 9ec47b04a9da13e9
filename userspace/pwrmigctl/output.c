// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl output: text for people, JSON (json-c) for programs, from
 * the same calls.  Each field is given once with its raw value (JSON) and
 * its human form (text: units such as W, kWh, CNY).  Text prints one line
 * per object, fields two spaces apart.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include <json-c/json.h>

#include "pwrmigctl.h"

static json_object *out_root;	/* the list, or the single object */
static json_object *out_cur;	/* object being filled */
static int out_fields;		/* text fields on the current line */
#define OUT_DEPTH 8
static json_object *out_stack[OUT_DEPTH];	/* enclosing objects */
static int out_depth;

void out_list_begin(struct ctl *ctl)
{
	if (ctl->json)
		out_root = json_object_new_array();
}

void out_obj_begin(struct ctl *ctl)
{
	out_fields = 0;
	if (!ctl->json)
		return;
	out_cur = json_object_new_object();
	if (out_root)
		json_object_array_add(out_root, out_cur);
	else
		out_root = out_cur;
}

void out_obj_end(struct ctl *ctl)
{
	if (!ctl->json && out_fields)
		putchar('\n');
	out_fields = 0;
}

void out_end(struct ctl *ctl)
{
	if (ctl->json && out_root) {
		puts(json_object_to_json_string_ext(out_root, ctl->pretty ?
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			JSON_C_TO_STRING_PLAIN));
		json_object_put(out_root);
	}
	out_root = out_cur = NULL;
	out_depth = 0;
	fflush(stdout);
}

void out_nest_begin(struct ctl *ctl, const char *key, int multi)
{
	json_object *o, *arr;

	if (!ctl->json) {
		if (out_fields++)
			fputs("  ", stdout);
		printf("%s {", key);
		out_fields = 1;
		out_depth++;
		return;
	}
	o = json_object_new_object();
	if (multi) {
		/* Repeated attributes: one array under KEY. */
		if (!json_object_object_get_ex(out_cur, key, &arr)) {
			arr = json_object_new_array();
			json_object_object_add(out_cur, key, arr);
		}
		json_object_array_add(arr, o);
	} else {
		json_object_object_add(out_cur, key, o);
	}
	if (out_depth < OUT_DEPTH)
		out_stack[out_depth] = out_cur;
	out_depth++;
	out_cur = o;
}

void out_nest_end(struct ctl *ctl)
{
	if (!out_depth)
		return;
	out_depth--;
	if (!ctl->json) {
		fputs(" }", stdout);
		return;
	}
	if (out_depth < OUT_DEPTH)
		out_cur = out_stack[out_depth];
}

static void text(const char *fmt, va_list ap)
{
	if (!fmt)
		return;
	if (out_fields++)
		fputs(out_depth ? " " : "  ", stdout);
	vprintf(fmt, ap);
}

void out_num(struct ctl *ctl, const char *key, uint64_t v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		json_object_object_add(out_cur, key, json_object_new_uint64(v));
		return;
	}
	if (ctl->numeric && fmt) {
		if (out_fields++)
			fputs(out_depth ? " " : "  ", stdout);
		printf("%s %" PRIu64, key, v);
		return;
	}
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}

void out_str(struct ctl *ctl, const char *key, const char *v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		json_object_object_add(out_cur, key, json_object_new_string(v));
		return;
	}
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}

void out_bool(struct ctl *ctl, const char *key, int v, const char *fmt, ...)
{
	va_list ap;

	if (ctl->json) {
		json_object_object_add(out_cur, key, json_object_new_boolean(v));
		return;
	}
	if (!v)
		return;
	va_start(ap, fmt);
	text(fmt, ap);
	va_end(ap);
}
