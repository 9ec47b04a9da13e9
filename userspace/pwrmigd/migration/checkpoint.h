/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the checkpoint code: checkpoint.c (the pd_wl_*() operations of
 * migrate.h) runs its tools through tools.c and works on the workload's
 * cgroup through wl_cgroup.c.  The rest of pwrmigd uses migrate.h only.
 */
#ifndef _PWRMIGD_CHECKPOINT_H
#define _PWRMIGD_CHECKPOINT_H

#include <stddef.h>

#include "migrate.h"

/* ---- tools.c: CRIU and runc ------------------------------------------------- */

/*
 * Run ARGV with its output to LOG, inside cgroup CG_PROCS when not NULL;
 * 0 when it exits 0, else -1 and ERR says which tool failed and why.
 * HOOK_FREEZE: the cgroup directory pd_criu_hook() freezes (a restore).
 */
int pd_tool_run(struct pd *pd, char *const argv[], const char *log, const char *cg_procs,
		const char *hook_freeze, char *err, size_t len);
/* Log file of a step: LOGDIR/STEP.log next to the images dir DIR. */
void pd_tool_step_log(const char *dir, const char *step, char *out, size_t len);
/* `runc A1 ... -- W's id` (up to 8 arguments, NULL-ended); CRIU's reason in ERR. */
int pd_tool_runc(struct pd *pd, const struct pd_workload *w, const char *log, char *err,
		 size_t len, const char *a1, const char *a2, const char *a3, const char *a4,
		 const char *a5, const char *a6, const char *a7, const char *a8);
/* `runc state`: 0 running or paused (root_pid, bundle set), 1 gone, -1 cannot tell. */
int pd_tool_runc_state(struct pd *pd, struct pd_workload *w, char *err, size_t len);

/* ---- wl_cgroup.c: the workload's cgroup -------------------------------------- */

/* The path of FILE in W's cgroup ("" for the directory itself). */
void pd_cg_file(const struct pd_workload *w, const char *file, char *out, size_t len);
/* PIDs of the cgroup and of its descendants; -1 if it is gone. */
int pd_cg_pids(const struct pd_workload *w, int *pids, int max);
int pd_ppid_of(int pid);
/* Send SIG to every process of the cgroup; -1 if it is gone. */
int pd_cg_signal(const struct pd_workload *w, int sig);
int pd_cg_write(const struct pd_workload *w, const char *file, const char *val);
/* KEY's value in cgroup.events ("populated", "frozen"); -1 if gone. */
int pd_cg_event(const struct pd_workload *w, const char *key);
/* Still the cgroup found or made?  1 yes, 0 another has its name, -1 gone. */
int pd_cg_same(const struct pd_workload *w);
/* Wait until the kernel says the cgroup has no process, up to MS ms. */
int pd_cg_wait_empty(const struct pd_workload *w, int ms);
/* cgroup.freeze: ON 1 freezes and waits (MS) until the kernel says frozen. */
int pd_cg_freeze(const struct pd_workload *w, int on, int ms);

#endif
