/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pwrmig-shaper's commands.
 */
#ifndef _SHAPER_H
#define _SHAPER_H

#include <stddef.h>

int cmd_simulate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_tariff(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* Run gnuplot on a script file; 0, or -1 with ERR set. */
int run_gnuplot(const char *script, char *err, size_t errlen);

#endif
