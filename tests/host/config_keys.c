// SPDX-License-Identifier: GPL-2.0
/*
 * pwrmigd's configuration keys (userspace/pwrmigd/config.c): each key of
 * the table lands in its own field with its value, a value out of range
 * or of the wrong form is refused with the key's message, and the line
 * is named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pwrmigd.h"
#include "kselftest_harness.h"

/* Load TEXT as a configuration file into C (defaults first): its result. */
static int load(struct pd_config *c, const char *text)
{
	char path[] = "/tmp/pwrmigd-keys-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	pd_config_defaults(c);
	rc = pd_config_load(c, path);
	unlink(path);
	return rc;
}

/* Every key of the table, each with a value that is not its default. */
static const char every_key[] =
	"mode = bpf\nlisten = [::1]:9001\ninterval_ms = 250\nmeter = model\n"
	"model_idle_mw = 7\nmodel_active_mw = 9\npowercap_root = /pc\nsite = north\n"
	"price = 0.125\ncurrency = CNY\npue = 1.15\ngpu = hwmon\n"
	"nvml_library = libx.so\ngpu_idle_mw = 4321\ngpu_device_major = 77\n"
	"sysfs_root = /s\nproc_root = /p\nmax_cgroups = 17\nretention_s = 61\n"
	"socket = /run/x.sock\nopen_reads = on\n"
	"migrate = on\nmigrate_listen = 10.1.2.3:9002\n"
	"peer = south 10.0.0.4:9787 uids 5-6\n"
	"tls_ca = /ca\ntls_cert = /cert\ntls_key = /key\ntls_crl = /crl\n"
	"state_dir = /st\ncgroup_root = /north\ncriu = mycriu\nrunc = myrunc\n"
	"runc_root = /rr\nbundle_root = /br\npredump_rounds = 3\n"
	"predump_min_pages = 11\npredump_grow_pages = 12\npredump_min_shrink_pct = 15\n"
	"carbon = 480\n"
	"checkpoint_timeout_s = 13\nlink_timeout_s = 14\n";

TEST(a_misspelt_key_is_no_key)
{
	struct pd_config c;

	EXPECT_EQ(-1, load(&c, "runcc = x\n"));
	EXPECT_EQ(-1, load(&c, "Mode = bpf\n"));
}

TEST(values_land_where_they_belong)
{
	struct pd_config c;

	ASSERT_EQ(0, load(&c, every_key));
	EXPECT_EQ(PD_MODE_BPF, c.mode);
	EXPECT_STREQ("::1", c.listen_addr);
	EXPECT_EQ(9001, c.listen_port);
	EXPECT_EQ(250, c.interval_ms);
	EXPECT_EQ(PD_METER_MODEL, c.meter);
	EXPECT_EQ(7, c.model_idle_mw);
	EXPECT_EQ(9, c.model_active_mw);
	EXPECT_STREQ("/pc", c.powercap_root);
	EXPECT_STREQ("north", c.site);
	EXPECT_EQ(125000, c.price);
	EXPECT_STREQ("CNY", c.currency);
	EXPECT_EQ(1150, c.pue_milli);
	EXPECT_EQ(PD_GPU_HWMON, c.gpu);
	EXPECT_STREQ("libx.so", c.nvml_library);
	EXPECT_EQ(4321, c.gpu_idle_mw);
	EXPECT_EQ(77, c.gpu_device_major);
	EXPECT_STREQ("/s", c.sysfs_root);
	EXPECT_STREQ("/p", c.proc_root);
	EXPECT_EQ(17, c.max_cgroups);
	EXPECT_EQ(61, c.retention_s);
	EXPECT_STREQ("/run/x.sock", c.socket_path);
	EXPECT_EQ(1, c.open_reads);
	EXPECT_EQ(1, c.migrate);
	EXPECT_STREQ("10.1.2.3", c.migrate_addr);
	EXPECT_EQ(9002, c.migrate_port);
	ASSERT_EQ(1, c.npeers);
	EXPECT_STREQ("south", c.peers[0].site);
	EXPECT_EQ(5, c.peers[0].uid_lo);
	EXPECT_EQ(6, c.peers[0].uid_hi);
	EXPECT_STREQ("/ca", c.tls_ca);
	EXPECT_STREQ("/cert", c.tls_cert);
	EXPECT_STREQ("/key", c.tls_key);
	EXPECT_STREQ("/crl", c.tls_crl);
	EXPECT_STREQ("/st", c.state_dir);
	EXPECT_STREQ("/north", c.cgroup_root);
	EXPECT_STREQ("mycriu", c.criu);
	EXPECT_STREQ("myrunc", c.runc);
	EXPECT_STREQ("/rr", c.runc_root);
	EXPECT_STREQ("/br", c.bundle_root);
	EXPECT_EQ(3, c.predump_rounds);
	EXPECT_EQ(11, c.predump_min_pages);
	EXPECT_EQ(12, c.predump_grow_pages);
	EXPECT_EQ(15, c.predump_min_shrink_pct);
	EXPECT_EQ(1, c.has_carbon);
	EXPECT_EQ(480, c.carbon);
	EXPECT_EQ(13, c.checkpoint_timeout_s);
	EXPECT_EQ(14, c.link_timeout_s);
}

TEST(bad_values_are_refused)
{
	static const char *const bad[] = {
		"mode = kernel", "interval_ms = 9", "interval_ms = 60001", "interval_ms = -1",
		"interval_ms = 10x", "meter = rapl", "model_idle_mw = 1000001",
		"powercap_root = relative", "site = ", "currency = EUR\nprice = 1000.000001",
		"currency = EUR\nprice = 0.1234567",
		"currency = cny", "currency = EURO", "pue = 0.99", "pue = 5.001", "gpu = cuda",
		"gpu_idle_mw = 10000001", "gpu_device_major = 0", "max_cgroups = 15",
		"retention_s = 31536001", "socket = pwrmig.sock", "open_reads = yes",
		"migrate = yes", "migrate_listen = bad_name:1", "migrate_listen = 1.2.3:1",
		"predump_min_shrink_pct = 100", "carbon = 100001",
		"listen = 127.0.0.1:0", "tls_ca = ca.pem", "cgroup_root = /a/../b",
		"cgroup_root = east", "predump_rounds = 0", "predump_rounds = 65",
		"checkpoint_timeout_s = 9", "link_timeout_s = 3601", "nosuchkey = 1",
	};
	struct pd_config c;
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s\n", bad[i]);
		EXPECT_EQ(-1, load(&c, text)) TH_LOG("'%s' was taken", bad[i]);
	}
}

TEST_HARNESS_MAIN
