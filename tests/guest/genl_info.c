// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink semantics of the pwrmig family's info-get, against the loaded
 * module: the reply through libpwrmig, and the kernel's answers to
 * malformed requests through a raw socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "pwrmig.h"

/* Number of CPUs in a sysfs CPU list such as "0-3,8". */
static unsigned int cpulist_count(const char *path)
{
	unsigned int n = 0, a, b;
	char buf[256], *p;
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	for (p = strtok(buf, ",\n"); p; p = strtok(NULL, ",\n")) {
		if (sscanf(p, "%u-%u", &a, &b) == 2)
			n += b - a + 1;
		else if (sscanf(p, "%u", &a) == 1)
			n++;
	}
	return n;
}

static unsigned int package_count(void)
{
	unsigned int seen[64] = { 0 }, n = 0, i, cpu, id;
	char path[128];
	FILE *f;

	for (cpu = 0; cpu < 4096; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%u/topology/physical_package_id", cpu);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%u", &id) == 1) {
			for (i = 0; i < n && seen[i] != id; i++)
				;
			if (i == n && n < 64)
				seen[n++] = id;
		}
		fclose(f);
	}
	return n;
}

/* Send one raw request and return the errno of the kernel's answer. */
static int raw_request(int family, uint8_t cmd, uint8_t version,
		       uint16_t reserved, uint16_t flags)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr g;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags,
			.nlmsg_seq = 1,
		},
		.g = { .cmd = cmd, .version = version, .reserved = reserved },
	};
	char buf[8192];
	struct nlmsghdr *nlh;
	int fd, ret = -EPROTO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) != sizeof(req)) {
		close(fd);
		return -errno;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (nlh = (void *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

FIXTURE(family) {
	struct pwrmig *pw;
	int family;
};

FIXTURE_SETUP(family)
{
	struct nl_sock *sk;

	self->pw = pwrmig_open();
	if (!self->pw && errno == ENOENT)
		SKIP(return, "the pwrmig module is not loaded");
	ASSERT_NE(NULL, self->pw);

	sk = nl_socket_alloc();
	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	self->family = genl_ctrl_resolve(sk, PWRMIG_FAMILY_NAME);
	nl_socket_free(sk);
	ASSERT_GT(self->family, 0);
}

FIXTURE_TEARDOWN(family)
{
	pwrmig_close(self->pw);
}

TEST_F(family, family_version)
{
	struct nl_cache *cache;
	struct genl_family *fam;
	struct nl_sock *sk = nl_socket_alloc();

	ASSERT_EQ(0, genl_connect(sk));
	ASSERT_EQ(0, genl_ctrl_alloc_cache(sk, &cache));
	fam = genl_ctrl_search_by_name(cache, PWRMIG_FAMILY_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(PWRMIG_FAMILY_VERSION, genl_family_get_version(fam));
	EXPECT_EQ(self->family, genl_family_get_id(fam));
	genl_family_put(fam);
	nl_cache_free(cache);
	nl_socket_free(sk);
}

TEST_F(family, info_get)
{
	struct pwrmig_info info;
	uint64_t unit;
	int fd, want;

	ASSERT_EQ(0, pwrmig_info_get(self->pw, &info)) {
		TH_LOG("info-get: %s", pwrmig_errmsg(self->pw));
	}
	EXPECT_STREQ(PWRMIG_VERSION, info.version);
	EXPECT_EQ(cpulist_count("/sys/devices/system/cpu/possible"), info.cpus);
	EXPECT_EQ(package_count(), info.packages);

	/*
	 * The module must pick RAPL exactly when the power-unit MSR reads
	 * (needs the msr module), else the model.
	 */
	fd = open("/dev/cpu/0/msr", O_RDONLY);
	if (fd < 0)
		SKIP(return, "no /dev/cpu/0/msr to cross-check the meter (modprobe msr)");
	want = (pread(fd, &unit, sizeof(unit), 0x606) == sizeof(unit) && unit) ||
	       (pread(fd, &unit, sizeof(unit), 0xc0010299) == sizeof(unit) && unit) ?
	       PWRMIG_METER_KIND_RAPL : PWRMIG_METER_KIND_MODEL;
	close(fd);
	EXPECT_EQ(want, info.meter_kind) {
		TH_LOG("module says %s", pwrmig_meter_kind_str(info.meter_kind));
	}
}

TEST_F(family, unknown_command)
{
	EXPECT_EQ(-EOPNOTSUPP, raw_request(self->family, 200, 1, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, raw_request(self->family, 0, 1, 0, 0));
}

TEST_F(family, info_get_has_no_dump)
{
	EXPECT_EQ(-EOPNOTSUPP, raw_request(self->family, PWRMIG_CMD_INFO_GET, 1,
					   0, NLM_F_DUMP));
}

/* Strict validation: reserved header bits must be zero on every kernel. */
TEST_F(family, reserved_header_rejected)
{
	EXPECT_EQ(-EINVAL, raw_request(self->family, PWRMIG_CMD_INFO_GET, 1, 1, 0));
	EXPECT_EQ(0, raw_request(self->family, PWRMIG_CMD_INFO_GET, 1, 0, 0));
}

TEST_HARNESS_MAIN
