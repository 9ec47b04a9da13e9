// SPDX-License-Identifier: GPL-2.0
/*
 * libpwrmig's decoding of replies and its options, on messages built here: what
 * the module sends, and what a broken or hostile peer could send.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "pwrmig.h"

static struct nl_msg *reply(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, 1, 1, 0x20, 0, 0, PWRMIG_CMD_INFO_GET, 1);
	return msg;
}

TEST(info_complete)
{
	struct pwrmig_info info;
	struct nl_msg *msg = reply();

	ASSERT_NE(NULL, msg);
	nla_put_string(msg, PWRMIG_A_INFO_VERSION, "1.2.3");
	nla_put_u32(msg, PWRMIG_A_INFO_METER_KIND, PWRMIG_METER_KIND_RAPL);
	nla_put_u32(msg, PWRMIG_A_INFO_CPUS, 96);
	nla_put_u32(msg, PWRMIG_A_INFO_PACKAGES, 2);
	ASSERT_EQ(0, pwrmig_info_parse(nlmsg_hdr(msg), &info));
	EXPECT_STREQ("1.2.3", info.version);
	EXPECT_EQ(PWRMIG_METER_KIND_RAPL, info.meter_kind);
	EXPECT_EQ(96, info.cpus);
	EXPECT_EQ(2, info.packages);
	EXPECT_STREQ("rapl", pwrmig_meter_kind_str(info.meter_kind));
	nlmsg_free(msg);
}

TEST(info_missing_attribute)
{
	struct pwrmig_info info;
	struct nl_msg *msg = reply();

	nla_put_string(msg, PWRMIG_A_INFO_VERSION, "1.2.3");
	nla_put_u32(msg, PWRMIG_A_INFO_METER_KIND, PWRMIG_METER_KIND_MODEL);
	nla_put_u32(msg, PWRMIG_A_INFO_CPUS, 4);
	EXPECT_EQ(-EBADMSG, pwrmig_info_parse(nlmsg_hdr(msg), &info));
	nlmsg_free(msg);
}

TEST(info_wrong_width)
{
	struct pwrmig_info info;
	struct nl_msg *msg = reply();

	nla_put_string(msg, PWRMIG_A_INFO_VERSION, "1.2.3");
	nla_put_u32(msg, PWRMIG_A_INFO_METER_KIND, PWRMIG_METER_KIND_MODEL);
	nla_put_u8(msg, PWRMIG_A_INFO_CPUS, 4);
	nla_put_u32(msg, PWRMIG_A_INFO_PACKAGES, 1);
	EXPECT_EQ(-EBADMSG, pwrmig_info_parse(nlmsg_hdr(msg), &info));
	nlmsg_free(msg);
}

TEST(info_long_version_truncated)
{
	struct pwrmig_info info;
	struct nl_msg *msg = reply();
	char longv[200];

	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	nla_put_string(msg, PWRMIG_A_INFO_VERSION, longv);
	nla_put_u32(msg, PWRMIG_A_INFO_METER_KIND, PWRMIG_METER_KIND_MODEL);
	nla_put_u32(msg, PWRMIG_A_INFO_CPUS, 4);
	nla_put_u32(msg, PWRMIG_A_INFO_PACKAGES, 1);
	ASSERT_EQ(0, pwrmig_info_parse(nlmsg_hdr(msg), &info));
	EXPECT_EQ(sizeof(info.version) - 1, strlen(info.version));
	nlmsg_free(msg);
}

TEST(info_unknown_meter_named)
{
	EXPECT_STREQ("unknown", pwrmig_meter_kind_str(0));
	EXPECT_STREQ("unknown", pwrmig_meter_kind_str(99));
	EXPECT_STREQ("model", pwrmig_meter_kind_str(PWRMIG_METER_KIND_MODEL));
}

static void put_slot(struct nl_msg *msg, uint64_t start)
{
	struct nlattr *nest = nla_nest_start(msg, PWRMIG_A_SITE_FORECAST);

	nla_put_u64(msg, PWRMIG_A_FORECAST_START, start);
	nla_put_u32(msg, PWRMIG_A_FORECAST_DURATION_S, 3600);
	nla_put_u64(msg, PWRMIG_A_FORECAST_PRICE_UUNITS_PER_KWH, start * 10);
	nla_nest_end(msg, nest);
}

/* A multi-attr nest fills the struct's array in order, up to its size. */
TEST(site_forecast_array)
{
	static struct pwrmig_site site;
	struct nl_msg *msg = reply();
	unsigned int i;

	ASSERT_NE(NULL, msg);
	nla_put_string(msg, PWRMIG_A_SITE_NAME, "west");
	nla_put_u32(msg, PWRMIG_A_SITE_CARBON_G_PER_KWH, 0);
	for (i = 1; i <= PWRMIG_MAX_FORECAST; i++)
		put_slot(msg, i);
	ASSERT_EQ(0, pwrmig_site_parse(nlmsg_hdr(msg), &site));
	EXPECT_EQ(PWRMIG_MAX_FORECAST, site.n_forecast);
	EXPECT_EQ(1, site.forecast[0].start);
	EXPECT_EQ(PWRMIG_MAX_FORECAST * 10, site.forecast[PWRMIG_MAX_FORECAST - 1].price);
	/* "has" fields say a zero was sent. */
	EXPECT_EQ(1, site.has_carbon);
	EXPECT_EQ(0, site.carbon_g_per_kwh);
	put_slot(msg, 99);
	EXPECT_EQ(-E2BIG, pwrmig_site_parse(nlmsg_hdr(msg), &site));
	nlmsg_free(msg);
}

/* pwrmig_open_opts() checks its options before it looks for the module. */
/* The decoder without a handle fills API version 1's fields, no more. */
TEST(migration_parse_v1_fields_only)
{
	struct nl_msg *msg = reply();
	struct pwrmig_migration m;
	const unsigned char *p = (const unsigned char *)&m;
	size_t i, v1 = offsetof(struct pwrmig_migration, phase_bytes);

	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, PWRMIG_A_MIGRATE_ID, 7);
	nla_put_u32(msg, PWRMIG_A_MIGRATE_STATE, PWRMIG_MIGRATE_STATE_RUNNING);
	nla_put_string(msg, PWRMIG_A_MIGRATE_CONTAINER, "job-1");
	nla_put_u64(msg, PWRMIG_A_MIGRATE_PHASE_BYTES, 1 << 20);
	nla_put_u64(msg, PWRMIG_A_MIGRATE_PHASE_TOTAL, 8 << 20);
	nla_put_u32(msg, PWRMIG_A_MIGRATE_PHASE_MS, 900);
	memset(&m, 0xa5, sizeof(m));
	ASSERT_EQ(0, pwrmig_migration_parse(nlmsg_hdr(msg), &m));
	EXPECT_EQ(7, m.id);
	EXPECT_STREQ("job-1", m.container);
	for (i = v1; i < sizeof(m); i++)
		if (p[i] != 0xa5)
			break;
	EXPECT_EQ(sizeof(m), i);
	nlmsg_free(msg);
}

TEST(open_opts_unknown_fields_refused)
{
	struct {
		struct pwrmig_open_opts o;
		uint64_t newer;		/* a field of a later pwrmig.h */
	} big = { .o = { .sz = sizeof(big), .api_version = 1 }, .newer = 1 };

	errno = 0;
	EXPECT_EQ(NULL, pwrmig_open_opts(&big.o));
	EXPECT_EQ(EINVAL, errno);
	/* The same later field left zero is accepted. */
	big.newer = 0;
	if (!access("/sys/module/pwrmig", F_OK))
		SKIP(return, "the pwrmig module is loaded here");
	errno = 0;
	EXPECT_EQ(NULL, pwrmig_open_opts(&big.o));
	EXPECT_EQ(ENOENT, errno);
}

TEST(open_opts_versions)
{
	struct pwrmig_open_opts o = { .sz = sizeof(o) };

	o.api_version = PWRMIG_API_VERSION + 1;
	errno = 0;
	EXPECT_EQ(NULL, pwrmig_open_opts(&o));
	EXPECT_EQ(ENOTSUP, errno);
	o.sz = 1;
	o.api_version = 1;
	errno = 0;
	EXPECT_EQ(NULL, pwrmig_open_opts(&o));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(NULL, pwrmig_open_opts(NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
