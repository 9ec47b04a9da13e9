/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault points of the migration code, for the fault matrix
 * (tests/guest/migrate_faults.sh): PWRMIG_FAULT=NAME,... makes pwrmigd
 * fail or exit at the named steps.  Only the test build of pwrmigd
 * (build/tests/bin/pwrmigd, compiled with PWRMIG_TEST_HOOKS) has them;
 * in the installed daemon they compile to nothing.
 */
#ifndef _PWRMIGD_FAULT_H
#define _PWRMIGD_FAULT_H

#ifdef PWRMIG_TEST_HOOKS
/* Non-zero when NAME is set. */
int pd_fault(const char *name);
/* Exit here when NAME is set, as a crash would (journals stay). */
void pd_crash_point(const char *name);
#else
static inline int pd_fault(const char *name)
{
	(void)name;
	return 0;
}

static inline void pd_crash_point(const char *name)
{
	(void)name;
}
#endif

#endif
