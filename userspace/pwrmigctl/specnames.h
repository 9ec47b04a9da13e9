/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netlink family's names and attribute types, as tables generated
 * from Documentation/netlink/specs/pwrmig.yaml by scripts/spec-names.
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
};

extern const struct spec_set spec_sets[];
extern const unsigned int spec_nsets;
extern const struct spec_op spec_ops[];
extern const unsigned int spec_nops;

#endif
