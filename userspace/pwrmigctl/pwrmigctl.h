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
/* Read forecast slots from PATH ("-": stdin); prints "Error: FILE:LINE: ...". */
int forecast_read(const char *path, struct pwrmig_forecast *slots, unsigned int max,
		  unsigned int *n);
int arg_fixed(const char *what, const char *s, unsigned int decimals,
	      uint64_t max_whole, uint64_t *out);
int arg_cgroup(const char *s, uint64_t *id);
/* Also a runc container id: CONTAINER gets it, or "" for a cgroup. */
int arg_workload(const char *s, uint64_t *id, char *container, size_t len);
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
