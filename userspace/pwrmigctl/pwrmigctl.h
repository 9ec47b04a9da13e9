/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PWRMIGCTL_H
#define _PWRMIGCTL_H

#include <stdint.h>

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

/* One output path for text and JSON, in the manner of iproute2's print_*(). */
void out_open(struct ctl *ctl);
void out_close(struct ctl *ctl);
void out_str(struct ctl *ctl, const char *key, const char *label, const char *val);
void out_u64(struct ctl *ctl, const char *key, const char *label, uint64_t val);

int cmd_info(struct ctl *ctl, int argc, char **argv);

#endif
