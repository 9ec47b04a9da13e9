// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/pwrmig.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "genl.h"

#include <uapi/linux/pwrmig.h>

/* Integer value ranges */
static const struct netlink_range_validation pwrmig_a_meter_model_idle_mw_range = {
	.max	= 1000000ULL,
};

static const struct netlink_range_validation pwrmig_a_meter_model_active_mw_range = {
	.max	= 1000000ULL,
};

static const struct netlink_range_validation pwrmig_a_forecast_price_uunits_per_kwh_range = {
	.max	= 1000000000ULL,
};

static const struct netlink_range_validation pwrmig_a_site_price_uunits_per_kwh_range = {
	.max	= 1000000000ULL,
};

static const struct netlink_range_validation pwrmig_a_energy_energy_uj_range = {
	.max	= PWRMIG_MAX_REPORT_UJ,
};

static const struct netlink_range_validation pwrmig_a_migrate_timeout_s_range = {
	.min	= 1ULL,
	.max	= 86400ULL,
};

/* Common nested types */
const struct nla_policy pwrmig_forecast_nl_policy[PWRMIG_A_FORECAST_PAD + 1] = {
	[PWRMIG_A_FORECAST_START] = { .type = NLA_U64, },
	[PWRMIG_A_FORECAST_DURATION_S] = NLA_POLICY_MIN(NLA_U32, 1),
	[PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH] = NLA_POLICY_FULL_RANGE(NLA_U64, &pwrmig_a_forecast_price_uunits_per_kwh_range),
};

/* PWRMIG_CMD_CGROUP_GET - do */
static const struct nla_policy pwrmig_cgroup_get_nl_policy[PWRMIG_A_CGROUP_ID + 1] = {
	[PWRMIG_A_CGROUP_ID] = { .type = NLA_U64, },
};

/* PWRMIG_CMD_METER_SET - do */
static const struct nla_policy pwrmig_meter_set_nl_policy[PWRMIG_A_METER_MODEL_ACTIVE_MW + 1] = {
	[PWRMIG_A_METER_KIND] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[PWRMIG_A_METER_INTERVAL_MS] = NLA_POLICY_RANGE(NLA_U32, 10, 10000),
	[PWRMIG_A_METER_MODEL_IDLE_MW] = NLA_POLICY_FULL_RANGE(NLA_U32, &pwrmig_a_meter_model_idle_mw_range),
	[PWRMIG_A_METER_MODEL_ACTIVE_MW] = NLA_POLICY_FULL_RANGE(NLA_U32, &pwrmig_a_meter_model_active_mw_range),
};

/* PWRMIG_CMD_SITE_GET - do */
static const struct nla_policy pwrmig_site_get_nl_policy[PWRMIG_A_SITE_NAME + 1] = {
	[PWRMIG_A_SITE_NAME] = { .type = NLA_NUL_STRING, .len = 31, },
};

/* PWRMIG_CMD_SITE_SET - do */
static const struct nla_policy pwrmig_site_set_nl_policy[PWRMIG_A_SITE_FORECAST + 1] = {
	[PWRMIG_A_SITE_NAME] = { .type = NLA_NUL_STRING, .len = 31, },
	[PWRMIG_A_SITE_LOCAL] = { .type = NLA_FLAG, },
	[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] = NLA_POLICY_FULL_RANGE(NLA_U64, &pwrmig_a_site_price_uunits_per_kwh_range),
	[PWRMIG_A_SITE_CURRENCY] = { .type = NLA_NUL_STRING, .len = 3, },
	[PWRMIG_A_SITE_PUE_MILLI] = NLA_POLICY_RANGE(NLA_U32, 1000, 5000),
	[PWRMIG_A_SITE_CARBON_G_PER_KWH] = { .type = NLA_U32, },
	[PWRMIG_A_SITE_FORECAST] = NLA_POLICY_NESTED(pwrmig_forecast_nl_policy),
};

/* PWRMIG_CMD_SITE_DEL - do */
static const struct nla_policy pwrmig_site_del_nl_policy[PWRMIG_A_SITE_NAME + 1] = {
	[PWRMIG_A_SITE_NAME] = { .type = NLA_NUL_STRING, .len = 31, },
};

/* PWRMIG_CMD_PRICE_SET - do */
static const struct nla_policy pwrmig_price_set_nl_policy[PWRMIG_A_SITE_FORECAST + 1] = {
	[PWRMIG_A_SITE_NAME] = { .type = NLA_NUL_STRING, .len = 31, },
	[PWRMIG_A_SITE_PRICE_UUNITS_PER_KWH] = NLA_POLICY_FULL_RANGE(NLA_U64, &pwrmig_a_site_price_uunits_per_kwh_range),
	[PWRMIG_A_SITE_CURRENCY] = { .type = NLA_NUL_STRING, .len = 3, },
	[PWRMIG_A_SITE_FORECAST] = NLA_POLICY_NESTED(pwrmig_forecast_nl_policy),
};

/* PWRMIG_CMD_ENERGY_REPORT - do */
static const struct nla_policy pwrmig_energy_report_nl_policy[PWRMIG_A_ENERGY_ENERGY_UJ + 1] = {
	[PWRMIG_A_ENERGY_CGROUP_ID] = { .type = NLA_U64, },
	[PWRMIG_A_ENERGY_DEVICE] = { .type = NLA_U32, },
	[PWRMIG_A_ENERGY_DOMAIN] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[PWRMIG_A_ENERGY_ENERGY_UJ] = NLA_POLICY_FULL_RANGE(NLA_U64, &pwrmig_a_energy_energy_uj_range),
};

/* PWRMIG_CMD_CGROUP_POLICY_SET - do */
static const struct nla_policy pwrmig_cgroup_policy_set_nl_policy[PWRMIG_A_CGROUP_PRIORITY + 1] = {
	[PWRMIG_A_CGROUP_ID] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_DEFERRABLE] = NLA_POLICY_MAX(NLA_U8, 1),
	[PWRMIG_A_CGROUP_MIGRATABLE] = NLA_POLICY_MAX(NLA_U8, 1),
	[PWRMIG_A_CGROUP_DEADLINE] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_PRIORITY] = { .type = NLA_U32, },
};

/* PWRMIG_CMD_MIGRATE_REQUEST - do */
static const struct nla_policy pwrmig_migrate_request_nl_policy[PWRMIG_A_MIGRATE_CONTAINER + 1] = {
	[PWRMIG_A_MIGRATE_CGROUP_ID] = { .type = NLA_U64, },
	[PWRMIG_A_MIGRATE_SITE] = { .type = NLA_NUL_STRING, .len = 31, },
	[PWRMIG_A_MIGRATE_MODE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[PWRMIG_A_MIGRATE_REQUESTER] = { .type = NLA_NUL_STRING, .len = 63, },
	[PWRMIG_A_MIGRATE_TIMEOUT_S] = NLA_POLICY_FULL_RANGE(NLA_U32, &pwrmig_a_migrate_timeout_s_range),
	[PWRMIG_A_MIGRATE_CONTAINER] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* PWRMIG_CMD_MIGRATE_CLAIM - do */
static const struct nla_policy pwrmig_migrate_claim_nl_policy[PWRMIG_A_MIGRATE_ID + 1] = {
	[PWRMIG_A_MIGRATE_ID] = { .type = NLA_U32, },
};

/* PWRMIG_CMD_MIGRATE_STATUS - do */
static const struct nla_policy pwrmig_migrate_status_nl_policy[PWRMIG_A_MIGRATE_PHASE_MS + 1] = {
	[PWRMIG_A_MIGRATE_ID] = { .type = NLA_U32, },
	[PWRMIG_A_MIGRATE_STATE] = NLA_POLICY_RANGE(NLA_U32, 1, 7),
	[PWRMIG_A_MIGRATE_PHASE] = NLA_POLICY_RANGE(NLA_U32, 1, 5),
	[PWRMIG_A_MIGRATE_BYTES] = { .type = NLA_U64, },
	[PWRMIG_A_MIGRATE_ROUNDS] = { .type = NLA_U32, },
	[PWRMIG_A_MIGRATE_FREEZE_MS] = { .type = NLA_U32, },
	[PWRMIG_A_MIGRATE_ERROR] = NLA_POLICY_MAX(NLA_U32, 4095),
	[PWRMIG_A_MIGRATE_ERROR_MSG] = { .type = NLA_NUL_STRING, .len = 127, },
	[PWRMIG_A_MIGRATE_PHASE_BYTES] = { .type = NLA_U64, },
	[PWRMIG_A_MIGRATE_PHASE_TOTAL] = { .type = NLA_U64, },
	[PWRMIG_A_MIGRATE_PHASE_MS] = { .type = NLA_U32, },
};

/* PWRMIG_CMD_MIGRATE_GET - do */
static const struct nla_policy pwrmig_migrate_get_nl_policy[PWRMIG_A_MIGRATE_ID + 1] = {
	[PWRMIG_A_MIGRATE_ID] = { .type = NLA_U32, },
};

/* PWRMIG_CMD_MIGRATE_CANCEL - do */
static const struct nla_policy pwrmig_migrate_cancel_nl_policy[PWRMIG_A_MIGRATE_ID + 1] = {
	[PWRMIG_A_MIGRATE_ID] = { .type = NLA_U32, },
};

/* PWRMIG_CMD_CGROUP_CARRY - do */
static const struct nla_policy pwrmig_cgroup_carry_nl_policy[PWRMIG_A_CGROUP_CARRY_ID + 1] = {
	[PWRMIG_A_CGROUP_ID] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CARRIED_RUNTIME_NS] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CARRIED_CPU_UJ] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CARRIED_DRAM_UJ] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CARRIED_GPU_UJ] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CARRIED_COST_UUNITS] = { .type = NLA_U64, },
	[PWRMIG_A_CGROUP_CURRENCY] = { .type = NLA_NUL_STRING, .len = 3, },
	[PWRMIG_A_CGROUP_CARRY_ID] = { .type = NLA_U64, },
};

/* Ops table for pwrmig */
static const struct genl_split_ops pwrmig_nl_ops[] = {
	{
		.cmd		= PWRMIG_CMD_INFO_GET,
		.pre_doit	= pwrmig_nl_read_check,
		.doit		= pwrmig_nl_info_get_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_CGROUP_GET,
		.pre_doit	= pwrmig_nl_cgroup_read_check,
		.doit		= pwrmig_nl_cgroup_get_doit,
		.policy		= pwrmig_cgroup_get_nl_policy,
		.maxattr	= PWRMIG_A_CGROUP_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PWRMIG_CMD_CGROUP_GET,
		.start	= pwrmig_nl_cgroup_dump_check,
		.dumpit	= pwrmig_nl_cgroup_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= PWRMIG_CMD_METER_GET,
		.pre_doit	= pwrmig_nl_read_check,
		.doit		= pwrmig_nl_meter_get_doit,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_METER_SET,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_meter_set_doit,
		.policy		= pwrmig_meter_set_nl_policy,
		.maxattr	= PWRMIG_A_METER_MODEL_ACTIVE_MW,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_SITE_GET,
		.pre_doit	= pwrmig_nl_read_check,
		.doit		= pwrmig_nl_site_get_doit,
		.policy		= pwrmig_site_get_nl_policy,
		.maxattr	= PWRMIG_A_SITE_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PWRMIG_CMD_SITE_GET,
		.start	= pwrmig_nl_dump_check,
		.dumpit	= pwrmig_nl_site_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= PWRMIG_CMD_SITE_SET,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_site_set_doit,
		.policy		= pwrmig_site_set_nl_policy,
		.maxattr	= PWRMIG_A_SITE_FORECAST,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_SITE_DEL,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_site_del_doit,
		.policy		= pwrmig_site_del_nl_policy,
		.maxattr	= PWRMIG_A_SITE_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_PRICE_SET,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_price_set_doit,
		.policy		= pwrmig_price_set_nl_policy,
		.maxattr	= PWRMIG_A_SITE_FORECAST,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_ENERGY_REPORT,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_energy_report_doit,
		.policy		= pwrmig_energy_report_nl_policy,
		.maxattr	= PWRMIG_A_ENERGY_ENERGY_UJ,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_CGROUP_POLICY_SET,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_cgroup_policy_set_doit,
		.policy		= pwrmig_cgroup_policy_set_nl_policy,
		.maxattr	= PWRMIG_A_CGROUP_PRIORITY,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_MIGRATE_REQUEST,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_migrate_request_doit,
		.policy		= pwrmig_migrate_request_nl_policy,
		.maxattr	= PWRMIG_A_MIGRATE_CONTAINER,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_MIGRATE_CLAIM,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_migrate_claim_doit,
		.policy		= pwrmig_migrate_claim_nl_policy,
		.maxattr	= PWRMIG_A_MIGRATE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_MIGRATE_STATUS,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_migrate_status_doit,
		.policy		= pwrmig_migrate_status_nl_policy,
		.maxattr	= PWRMIG_A_MIGRATE_PHASE_MS,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_MIGRATE_GET,
		.pre_doit	= pwrmig_nl_read_check,
		.doit		= pwrmig_nl_migrate_get_doit,
		.policy		= pwrmig_migrate_get_nl_policy,
		.maxattr	= PWRMIG_A_MIGRATE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= PWRMIG_CMD_MIGRATE_GET,
		.start	= pwrmig_nl_dump_check,
		.dumpit	= pwrmig_nl_migrate_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= PWRMIG_CMD_MIGRATE_CANCEL,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_migrate_cancel_doit,
		.policy		= pwrmig_migrate_cancel_nl_policy,
		.maxattr	= PWRMIG_A_MIGRATE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= PWRMIG_CMD_CGROUP_CARRY,
		.pre_doit	= pwrmig_nl_admin_check,
		.doit		= pwrmig_nl_cgroup_carry_doit,
		.policy		= pwrmig_cgroup_carry_nl_policy,
		.maxattr	= PWRMIG_A_CGROUP_CARRY_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group pwrmig_nl_mcgrps[] = {
	[PWRMIG_NLGRP_TELEMETRY] = { "telemetry", .flags = GENL_MCAST_CAP_NET_ADMIN, },
	[PWRMIG_NLGRP_MIGRATE] = { "migrate", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};

struct genl_family pwrmig_nl_family __ro_after_init = {
	.name		= PWRMIG_FAMILY_NAME,
	.version	= PWRMIG_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= pwrmig_nl_ops,
	.n_split_ops	= ARRAY_SIZE(pwrmig_nl_ops),
	.mcgrps		= pwrmig_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(pwrmig_nl_mcgrps),
};
