/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * runc's rule for container ids, checked by the module (a migration
 * request's container), by pwrmigctl (is an argument a container or a
 * cgroup path) and by pwrmigd before it hands an id to runc.
 *
 * Pure C with no includes, like attrib.h.  Length is the caller's limit
 * (the module's policy and pwrmigctl allow 63 bytes).
 */
#ifndef _PWRMIG_CTRID_H
#define _PWRMIG_CTRID_H

static inline int pwrmig_container_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '.' ||
	       c == '-';
}

/* Nonzero when S is a valid id: not empty, not "." or "..". */
static inline int pwrmig_container_id_ok(const char *s)
{
	const char *p;

	if (!s[0] || (s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]))))
		return 0;
	for (p = s; *p; p++)
		if (!pwrmig_container_id_char(*p))
			return 0;
	return 1;
}

#endif /* _PWRMIG_CTRID_H */
