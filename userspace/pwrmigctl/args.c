// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigctl's KEY VALUE arguments, by table (as ethtool's netlink parser
 * does it): each command says which keywords it takes, what each value
 * is and where it goes; the checks and the messages are the same for all.
 */
#include <stdio.h>
#include <string.h>

#include "pwrmigctl.h"

static void *at(void *dest, size_t off)
{
	return (char *)dest + off;
}

static int on_off(const char *what, const char *s, int *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes"))
		*v = 1;
	else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no"))
		*v = 0;
	else {
		fprintf(stderr, "Error: %s '%s' is not on or off\n", what, s);
		return -1;
	}
	return 0;
}

/* One value V for A into DEST. */
static int arg_value(const struct ctl_arg *a, const char *v, void *dest)
{
	const char *what = a->what ?: a->name;
	uint64_t n;

	switch (a->kind) {
	case CTL_ARG_ONOFF:
		return on_off(what, v, at(dest, a->off));
	case CTL_ARG_STRING:
		*(const char **)at(dest, a->off) = v;
		return 0;
	case CTL_ARG_FN:
		return a->fn(v, dest);
	case CTL_ARG_FIXED:
		if (arg_fixed(what, v, a->decimals, a->max, &n))
			return -1;
		break;
	default:
		if (arg_u64(what, v, &n))
			return -1;
		if ((a->kind == CTL_ARG_U32 && (n > 0xffffffffULL || (a->nonzero && !n))) ||
		    (a->max && n > a->max)) {
			fprintf(stderr, "Error: %s '%s' is out of range\n", what, v);
			return -1;
		}
	}
	if (a->size == sizeof(uint64_t))
		*(uint64_t *)at(dest, a->off) = n;
	else if (n > 0xffffffffULL)
		fprintf(stderr, "Error: %s '%s' is out of range\n", what, v);
	else
		*(uint32_t *)at(dest, a->off) = n;
	return a->size != sizeof(uint64_t) && n > 0xffffffffULL ? -1 : 0;
}

int ctl_args(const struct ctl_arg *t, size_t n, int argc, char **argv, void *dest,
	     const char *hint)
{
	const struct ctl_arg *a;
	int i;
	size_t k;

	for (i = 0; i < argc; i++) {
		for (k = 0, a = NULL; k < n && !a; k++)
			if (!strcmp(argv[i], t[k].name))
				a = &t[k];
		if (!a) {
			fprintf(stderr, "Error: unknown argument '%s'", argv[i]);
			if (hint)
				fputs(hint, stderr);
			for (k = 0; !hint && k < n; k++)
				fprintf(stderr, "%s%s", k ? ", " : " (", t[k].name);
			fputs(hint || !n ? "\n" : ")\n", stderr);
			return -1;
		}
		if (a->kind == CTL_ARG_FLAG) {
			*(int *)at(dest, a->off) = 1;
			continue;
		}
		if (a->kind == CTL_ARG_WORD) {
			if (a->fn(argv[i], dest))
				return -1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "Error: '%s' needs a value\n", argv[i]);
			return -1;
		}
		if (arg_value(a, argv[++i], dest))
			return -1;
		if (a->has_off >= 0)
			*(int *)at(dest, a->has_off) = 1;
	}
	return 0;
}
