// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl output: text for people, JSON (json-c) for programs, from
 * the same calls.  Text shows labels and human units; JSON shows keys and
 * raw integers.
 */
#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>

#include "pwrmigctl.h"

static json_object *out_obj;

void out_open(struct ctl *ctl)
{
	if (ctl->json)
		out_obj = json_object_new_object();
}

void out_close(struct ctl *ctl)
{
	if (!ctl->json)
		return;
	puts(json_object_to_json_string_ext(out_obj, ctl->pretty ?
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
		JSON_C_TO_STRING_PLAIN));
	json_object_put(out_obj);
	out_obj = NULL;
}

void out_str(struct ctl *ctl, const char *key, const char *label, const char *val)
{
	if (ctl->json)
		json_object_object_add(out_obj, key, json_object_new_string(val));
	else
		printf("%-10s %s\n", label, val);
}

void out_u64(struct ctl *ctl, const char *key, const char *label, uint64_t val)
{
	if (ctl->json)
		json_object_object_add(out_obj, key, json_object_new_uint64(val));
	else
		printf("%-10s %" PRIu64 "\n", label, val);
}
