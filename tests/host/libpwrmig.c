// SPDX-License-Identifier: GPL-2.0
/*
 * libpwrmig's decoding of info-get replies, on messages built here: what
 * the module sends, and what a broken or hostile peer could send.
 */
#include <errno.h>
#include <string.h>

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

TEST_HARNESS_MAIN
