// SPDX-License-Identifier: GPL-2.0
/* Fault points of the test build (fault.h). */
#ifdef PWRMIG_TEST_HOOKS
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "fault.h"

int pd_fault(const char *name)
{
	const char *f = getenv("PWRMIG_FAULT");
	size_t n = strlen(name);

	while (f && *f) {
		if (!strncmp(f, name, n) && (f[n] == ',' || !f[n]))
			return 1;
		f = strchr(f, ',');
		f = f ? f + 1 : NULL;
	}
	return 0;
}

void pd_crash_point(const char *name)
{
	if (pd_fault(name)) {
		pd_log(0, "migrate: test fault %s: exiting now", name);
		_exit(137);
	}
}
#endif
