/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PWRMIGCTL_H
#define _PWRMIGCTL_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "pwrmig.h"

/* Exit codes (Documentation/man/pwrmigctl.8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* the module refused or could not be reached */
	EXIT_USAGE = 2,	/* bad command line */
};

struct ctl {
	int json;
	int pretty;
	int verbose;
	int numeric;	/* -n: raw integers in text too */
	int no_newline;	/* text: an object's line stays open (a live line) */
	struct pwrmig *pw;
};

struct ctl_cmd {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
	const char *help;
};

/* Connect on first use; prints the error and returns NULL on failure. */
struct pwrmig *ctl_pw(struct ctl *ctl);
int ctl_error(struct ctl *ctl, const char *what);

/*
 * One output path for text and JSON, in the manner of iproute2's
 * print_*(PRINT_ANY, ...): KEY and the raw value go to JSON, FMT and its
 * arguments (human units) to text.  A NULL FMT prints nothing in text.
 */
void out_list_begin(struct ctl *ctl);
void out_obj_begin(struct ctl *ctl);
void out_obj_end(struct ctl *ctl);
void out_end(struct ctl *ctl);
void out_num(struct ctl *ctl, const char *key, uint64_t v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void out_str(struct ctl *ctl, const char *key, const char *v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A nested object under KEY (MULTI: one of an array under KEY). */
void out_nest_begin(struct ctl *ctl, const char *key, int multi);
void out_nest_end(struct ctl *ctl);
void out_bool(struct ctl *ctl, const char *key, int v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Argument helpers: print "Error: ..." and return -1 on bad input. */
int arg_u64(const char *what, const char *s, uint64_t *v);
int arg_price(const char *s, uint64_t *uunits);
/* The same without a message: 0 or -1. */
int arg_fixed(const char *what, const char *s, unsigned int decimals,
	      uint64_t max_whole, uint64_t *out);
int arg_cgroup(const char *s, uint64_t *id);
/* Also a runc container id: CONTAINER gets it, or "" for a cgroup. */
int arg_workload(const char *s, uint64_t *id, char *container, size_t len);
/* KEY VALUE arguments by table (args.c). */
enum ctl_arg_kind {
	CTL_ARG_FLAG,		/* a keyword alone: an int set to 1 */
	CTL_ARG_U32,		/* an integer, at most 2^32 - 1 */
	CTL_ARG_U64,		/* an integer */
	CTL_ARG_FIXED,		/* a decimal with DECIMALS, at most MAX, in units of
				 * its last decimal */
	CTL_ARG_ONOFF,		/* on/off, yes/no, 1/0 into an int */
	CTL_ARG_STRING,		/* the word itself into a const char * */
	CTL_ARG_FN,		/* FN(value, dest) */
	CTL_ARG_WORD,		/* a keyword alone: FN(the keyword, dest) */
};

struct ctl_arg {
	const char *name;
	enum ctl_arg_kind kind;
	size_t off, size;	/* the field in the destination (4 or 8 bytes
				 * for numbers) */
	long has_off;		/* an int set to 1 when given, or -1 */
	const char *what;	/* how messages name the value (default: NAME) */
	unsigned int decimals;
	uint64_t max;		/* 0: the type's own */
	int nonzero;		/* CTL_ARG_U32: 0 is out of range */
	int (*fn)(const char *v, void *dest);
};

#define CTL_FIELD(type, f)	.off = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define CTL_HAS(type, f)	.has_off = offsetof(type, f)
#define CTL_NO_HAS		.has_off = -1

/*
 * Parse ARGV's KEY VALUE pairs (and flags) by table T into DEST; HINT
 * follows "unknown argument 'X'" (NULL: nothing).  0, or -1 with a
 * message printed.
 */
int ctl_args(const struct ctl_arg *t, size_t n, int argc, char **argv, void *dest,
	     const char *hint);

/* Dispatch ARGV[0] among CMDS by unique prefix; OBJ names the object. */
int ctl_dispatch(struct ctl *ctl, const char *obj, const struct ctl_cmd *cmds,
		 size_t n, int argc, char **argv);

int cmd_info(struct ctl *ctl, int argc, char **argv);
int cmd_cgroup(struct ctl *ctl, int argc, char **argv);
int cmd_site(struct ctl *ctl, int argc, char **argv);
int cmd_price(struct ctl *ctl, int argc, char **argv);
int cmd_meter(struct ctl *ctl, int argc, char **argv);
int cmd_migrate(struct ctl *ctl, int argc, char **argv);
int cmd_monitor(struct ctl *ctl, int argc, char **argv);
int cmd_capture(struct ctl *ctl, int argc, char **argv);
/* capture -r FILE: decode a pcap file of netlink frames to stdout. */
int capture_decode(struct ctl *ctl, const char *file);
void migration_print(struct ctl *ctl, const struct pwrmig_migration *m);

#endif
