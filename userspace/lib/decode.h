/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpwrmig: the table-driven decoder of replies.  scripts/spec-gen writes
 * one binding per attribute set (build/gen/libpwrmig-spec.c): the set's
 * policy, and for each bound attribute where its value goes in the struct
 * of pwrmig.h that the reply fills.
 */
#ifndef _LIBPWRMIG_DECODE_H
#define _LIBPWRMIG_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define PWRMIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct nla_policy;
struct nlattr;
struct nlmsghdr;

enum pwrmig_field_kind {
	PWRMIG_F_INT,		/* u8 to u64 into a field of the same size */
	PWRMIG_F_STRING,	/* into a char array, truncated, terminated */
	PWRMIG_F_FLAG,		/* an int, 1 when present */
	PWRMIG_F_ARRAY,		/* multi-attr nest into an array, counted */
};

struct pwrmig_binding;

struct pwrmig_field {
	uint16_t attr;
	uint8_t kind;		/* enum pwrmig_field_kind */
	uint8_t required;	/* refuse a reply without it */
	size_t off, size;	/* the field (the whole array for PWRMIG_F_ARRAY) */
	long has_off;		/* an int set to 1 when present, or -1 */
	long count_off;		/* PWRMIG_F_ARRAY: its unsigned int count */
	const struct pwrmig_binding *nest;	/* PWRMIG_F_ARRAY: an entry */
};

struct pwrmig_binding {
	const char *set;
	const struct nla_policy *policy;
	int maxattr;
	size_t size;		/* of the struct filled */
	const struct pwrmig_field *fields;
	unsigned int n_fields;
};

/*
 * Fill OBJ (B's struct, zeroed first) from the attributes at HEAD, LEN
 * bytes: 0, -EBADMSG when they break the policy or lack a required one,
 * -E2BIG when an array overflows.
 */
int pwrmig_decode(const struct pwrmig_binding *b, const struct nlattr *head,
		  int len, void *obj);
/* The same for a generic netlink message without a family header. */
int pwrmig_decode_msg(const struct pwrmig_binding *b,
		      const struct nlmsghdr *nlh, void *obj);

/* Enum names: "unknown" for a value without one; 0 for an unknown name. */
const char *pwrmig_name_of(const char *const *names, size_t n, uint32_t v);
uint32_t pwrmig_value_of(const char *const *names, size_t n, const char *name);

#endif
