/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netlink family's names, attribute types, checks and requests, as
 * tables generated from Documentation/netlink/specs/pwrmig.yaml by
 * scripts/spec-gen, for pwrmigctl's decoder and the netlink fuzzer.
 */
#ifndef _PWRMIG_SPECNAMES_H
#define _PWRMIG_SPECNAMES_H

enum spec_type {
	SPEC_UNUSED,
	SPEC_FLAG,
	SPEC_U8,
	SPEC_U16,
	SPEC_U32,
	SPEC_U64,
	SPEC_S32,
	SPEC_S64,
	SPEC_STRING,
	SPEC_BINARY,
	SPEC_NEST,
	SPEC_PAD,	/* alignment only: never shown */
};

struct spec_enum {
	const char *const *names;
	int n;
	int start;
	int flags;	/* bit I is names[I] */
};

struct spec_attr {
	const char *name;	/* NULL: not in the spec */
	enum spec_type type;
	int nest;		/* index in spec_sets, or -1 */
	int multi;
	const struct spec_enum *enumt;
	int has_min, has_max;	/* the spec's checks */
	long long min, max;
	unsigned int max_len;	/* strings: 0 when unchecked */
};

struct spec_set {
	const char *name;
	const struct spec_attr *attrs;
	unsigned int max;
};

struct spec_op {
	const char *name;	/* NULL: no such command */
	int set;		/* index in spec_sets */
	int notification;
	int has_do, has_dump;
	unsigned long long request;	/* bit I: attribute I in a do request */
	const char *pre_do, *pre_dump;	/* the spec's "pre" hooks, or NULL */
};

extern const struct spec_set spec_sets[];
extern const unsigned int spec_nsets;
extern const struct spec_op spec_ops[];
extern const unsigned int spec_nops;

#endif
