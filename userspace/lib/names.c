// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpwrmig: names of the spec's enums, both ways.
 */
#include <string.h>

#include "pwrmig.h"

static const char *const meter_kinds[] = {
	[PWRMIG_METER_KIND_RAPL] = "rapl",
	[PWRMIG_METER_KIND_MODEL] = "model",
	[PWRMIG_METER_KIND_EXTERNAL] = "external",
};

static const char *const domains[] = {
	[PWRMIG_DOMAIN_PKG] = "pkg",
	[PWRMIG_DOMAIN_DRAM] = "dram",
	[PWRMIG_DOMAIN_GPU] = "gpu",
};

static const char *const modes[] = {
	[PWRMIG_MIGRATE_MODE_LIVE] = "live",
	[PWRMIG_MIGRATE_MODE_COLD] = "cold",
};

static const char *const states[] = {
	[PWRMIG_MIGRATE_STATE_PENDING] = "pending",
	[PWRMIG_MIGRATE_STATE_CLAIMED] = "claimed",
	[PWRMIG_MIGRATE_STATE_RUNNING] = "running",
	[PWRMIG_MIGRATE_STATE_DONE] = "done",
	[PWRMIG_MIGRATE_STATE_FAILED] = "failed",
	[PWRMIG_MIGRATE_STATE_CANCELLED] = "cancelled",
	[PWRMIG_MIGRATE_STATE_TIMED_OUT] = "timed-out",
};

static const char *const phases[] = {
	[PWRMIG_MIGRATE_PHASE_PREDUMP] = "predump",
	[PWRMIG_MIGRATE_PHASE_DUMP] = "dump",
	[PWRMIG_MIGRATE_PHASE_TRANSFER] = "transfer",
	[PWRMIG_MIGRATE_PHASE_RESTORE] = "restore",
	[PWRMIG_MIGRATE_PHASE_CLEANUP] = "cleanup",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *t, size_t n, uint32_t v)
{
	return v < n && t[v] ? t[v] : "unknown";
}

static uint32_t value_of(const char *const *t, size_t n, const char *name)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (t[i] && !strcmp(t[i], name))
			return i;
	return 0;
}

const char *pwrmig_meter_kind_str(uint32_t v) { return name_of(meter_kinds, N(meter_kinds), v); }
const char *pwrmig_domain_str(uint32_t v) { return name_of(domains, N(domains), v); }
const char *pwrmig_migrate_mode_str(uint32_t v) { return name_of(modes, N(modes), v); }
const char *pwrmig_migrate_state_str(uint32_t v) { return name_of(states, N(states), v); }
const char *pwrmig_migrate_phase_str(uint32_t v) { return name_of(phases, N(phases), v); }
uint32_t pwrmig_meter_kind_parse(const char *s) { return value_of(meter_kinds, N(meter_kinds), s); }
uint32_t pwrmig_migrate_mode_parse(const char *s) { return value_of(modes, N(modes), s); }
