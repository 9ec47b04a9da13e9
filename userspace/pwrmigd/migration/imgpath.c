// SPDX-License-Identifier: GPL-2.0
/*
 * The image-path rules of the migration receiver (see imgpath.h).
 */
#include <stdlib.h>
#include <string.h>

#include "imgpath.h"

int pd_img_safe(const char *p)
{
	const char *c;

	if (!*p || *p == '/' || strstr(p, "..") || strlen(p) > 200)
		return 0;
	for (c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._-/", *c)))
			return 0;
	return 1;
}

int pd_img_round(const char *p, size_t n)
{
	size_t i;

	if (n == 5 && !strncmp(p, "final", 5))
		return 1;
	if (n < 2 || n > 6 || p[0] != 'r')
		return 0;
	for (i = 1; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

int pd_img_path(const char *rel, int link)
{
	const char *slash = strchr(rel, '/');

	if (!pd_img_safe(rel) || !slash || strchr(slash + 1, '/') ||
	    !pd_img_round(rel, slash - rel) || !slash[1] || slash[1] == '.')
		return 0;
	return link == !strcmp(slash + 1, "parent");
}

int pd_img_link(const char *rel, const char *t)
{
	if (strncmp(t, "../", 3) || !pd_img_round(t + 3, strlen(t + 3)) || t[3] != 'r')
		return 0;
	return !strncmp(rel, "final/", 6) || (rel[0] == 'r' && atoi(t + 4) < atoi(rel + 1));
}

int pd_img_name(const char *n)
{
	return n && pd_img_safe(n) && !strchr(n, '/') && n[0] != '.' && n[0] != '-';
}
